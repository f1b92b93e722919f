// Package libvirtx is the thin adapter between nwfilter-web and a libvirt daemon, spoken to over
// RPC with github.com/digitalocean/go-libvirt. It dials, notices a lost connection and redials,
// and maps libvirt's error codes to the sentinel errors in errors.go. It keeps no records and
// knows nothing of HTTP.
package libvirtx

import (
	"context"
	"errors"
)

var errNotImplemented = errors.New("libvirtx: not implemented yet")

// Conn is a connection to one libvirt daemon, safe for concurrent use. When the daemon goes
// away, calls fail with ErrUnreachable (promptly, never hanging) and the connection is
// re-established in the background; the next call after the daemon is back succeeds.
type Conn struct {
	uri string
}

// Dial connects to uri (qemu:///system over the unix socket, qemu+tcp://host/system over TCP,
// qemu+unix:///system?socket=PATH). It fails with ErrUnreachable when the daemon does not answer.
func Dial(ctx context.Context, uri string) (*Conn, error) {
	return nil, errNotImplemented
}

// URI is the libvirt URI this connection was dialled with.
func (c *Conn) URI() string { return c.uri }

// Close ends the connection and stops reconnecting.
func (c *Conn) Close() error { return nil }

// Local reports whether the daemon runs on this host, so that its firewall can be read here.
func (c *Conn) Local() bool { return false }

// Version is the daemon's libvirt version as "9.0.0".
func (c *Conn) Version(ctx context.Context) (string, error) { return "", errNotImplemented }

// Filters lists every network filter, shipped ones too, sorted by name.
func (c *Conn) Filters(ctx context.Context) ([]Filter, error) { return nil, errNotImplemented }

// FilterXML returns one filter's XML as libvirt prints it; ErrNoFilter when unknown.
func (c *Conn) FilterXML(ctx context.Context, name string) (string, error) {
	return "", errNotImplemented
}

// DefineFilter defines or redefines a filter from its XML and returns its name. An existing
// filter is redefined in place (the XML must carry its UUID; libvirt refuses otherwise, which
// maps to ErrUUIDMismatch), which updates it live on every port that uses it.
func (c *Conn) DefineFilter(ctx context.Context, xml string) (string, error) {
	return "", errNotImplemented
}

// UndefineFilter removes a filter: ErrNoFilter when unknown, ErrFilterInUse when referenced.
func (c *Conn) UndefineFilter(ctx context.Context, name string) error { return errNotImplemented }

// Domains lists every domain with its state and NICs, sorted by name.
func (c *Conn) Domains(ctx context.Context) ([]Domain, error) { return nil, errNotImplemented }

// DomainXML returns a domain's persistent (inactive) XML, or the live one for a transient domain.
func (c *Conn) DomainXML(ctx context.Context, name string) (string, error) {
	return "", errNotImplemented
}

// SetFilterRef sets, changes (ref != nil) or clears (ref == nil) the filterref of the domain's
// NIC with the given MAC, in the persistent definition and, while the domain runs, live too.
// It returns the NIC's XML before and after. ErrNoDomain / ErrNoInterface / ErrNoFilter.
func (c *Conn) SetFilterRef(ctx context.Context, domain, mac string, ref *FilterRef) (before, after string, err error) {
	return "", "", errNotImplemented
}

// Bindings lists every nwfilter binding, sorted by port device.
func (c *Conn) Bindings(ctx context.Context) ([]Binding, error) { return nil, errNotImplemented }

// BindingXML returns one binding's XML; ErrNoBinding when unknown.
func (c *Conn) BindingXML(ctx context.Context, portdev string) (string, error) {
	return "", errNotImplemented
}

// CreateBinding creates a binding for portdev/mac with the filterref (owner defaults to
// "nwfilter-web" with a fresh UUID) and returns its XML. ErrBindingExists, ErrNoFilter.
func (c *Conn) CreateBinding(ctx context.Context, b Binding) (string, error) {
	return "", errNotImplemented
}

// DeleteBinding deletes the binding on portdev; ErrNoBinding when unknown.
func (c *Conn) DeleteBinding(ctx context.Context, portdev string) error { return errNotImplemented }
