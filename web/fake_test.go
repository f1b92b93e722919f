package web

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
)

// fakeLibvirt is an in-memory libvirt for fast handler tests: filters, domains with NICs and
// bindings, with libvirt's refusals for the cases handlers must map (unknown names, a filter in
// use, a UUID clash, an existing binding, an unreachable daemon). Integration tests cover the
// real daemon; this only has to be faithful in what the handlers depend on.
type fakeLibvirt struct {
	mu       sync.Mutex
	filters  map[string]string // name -> XML
	domains  []libvirtx.Domain
	bindings map[string]libvirtx.Binding
	down     bool // every call fails with ErrUnreachable
	calls    int  // mutating calls that reached the fake
	local    bool
	// hold, when set, makes DefineFilter wait until it is closed: a slow libvirt, for what a
	// page shows while a request runs.
	hold chan struct{}
}

func newFake() *fakeLibvirt {
	f := &fakeLibvirt{filters: map[string]string{}, bindings: map[string]libvirtx.Binding{}, local: true}
	for _, name := range []string{"clean-traffic", "no-ip-spoofing", "allow-dhcp"} {
		x, err := nwfilter.Shipped.Filter(name)
		if err != nil {
			panic(err)
		}
		f.filters[name] = strings.Replace(x, ">", fmt.Sprintf(">\n  <uuid>%s</uuid>", fakeUUID(name)), 1)
	}
	f.domains = []libvirtx.Domain{{Name: "kvmdom", UUID: fakeUUID("kvmdom"), State: "running", Active: true, Persistent: true,
		Interfaces: []libvirtx.Interface{{MAC: "52:54:00:00:00:01", TargetDev: "vnet0", Type: "ethernet", Model: "virtio"}}}}
	return f
}

func fakeUUID(name string) string {
	h := uint32(2166136261)
	for i := 0; i < len(name); i++ {
		h = (h ^ uint32(name[i])) * 16777619
	}
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", h, h)
}

func (f *fakeLibvirt) err() error {
	if f.down {
		return &libvirtx.Error{Kind: libvirtx.ErrUnreachable, Msg: "cannot connect to the libvirt daemon at qemu:///system: connection refused"}
	}
	return nil
}

func noFilter(name string) error {
	return &libvirtx.Error{Kind: libvirtx.ErrNoFilter, Msg: fmt.Sprintf("Network filter not found: no nwfilter with matching name '%s'", name)}
}

func (f *fakeLibvirt) URI() string { return "qemu:///system" }
func (f *fakeLibvirt) Local() bool { return f.local }
func (f *fakeLibvirt) Version(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return "9.0.0", f.err()
}

func (f *fakeLibvirt) Filters(context.Context) ([]libvirtx.Filter, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.err(); err != nil {
		return nil, err
	}
	var out []libvirtx.Filter
	for name, x := range f.filters {
		sum, _ := nwfilter.Summarize(x)
		out = append(out, libvirtx.Filter{Name: name, UUID: sum.UUID, XML: x})
	}
	slices.SortFunc(out, func(a, b libvirtx.Filter) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (f *fakeLibvirt) FilterXML(_ context.Context, name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.err(); err != nil {
		return "", err
	}
	x, ok := f.filters[name]
	if !ok {
		return "", noFilter(name)
	}
	return x, nil
}

func (f *fakeLibvirt) DefineFilter(_ context.Context, x string) (string, error) {
	if f.hold != nil {
		<-f.hold
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.err(); err != nil {
		return "", err
	}
	f.calls++
	sum, err := nwfilter.Summarize(x)
	if err != nil || sum.Name == "" {
		return "", &libvirtx.Error{Kind: libvirtx.ErrInvalidXML, Msg: "XML error: (nwfilter_definition):1: malformed"}
	}
	if strings.Contains(x, "explode") {
		return "", &libvirtx.Error{Kind: libvirtx.ErrInvalidXML, Msg: "unsupported configuration: unknown rule action attribute value"}
	}
	if old, ok := f.filters[sum.Name]; ok {
		prev, _ := nwfilter.Summarize(old)
		if sum.UUID != prev.UUID {
			return "", &libvirtx.Error{Kind: libvirtx.ErrUUIDMismatch, Msg: fmt.Sprintf("operation failed: filter '%s' already exists with uuid %s", sum.Name, prev.UUID)}
		}
	} else if sum.UUID == "" {
		x = strings.Replace(x, ">", fmt.Sprintf(">\n  <uuid>%s</uuid>", fakeUUID(sum.Name)), 1)
	}
	f.filters[sum.Name] = x
	return sum.Name, nil
}

func (f *fakeLibvirt) inUse(name string) bool {
	for _, d := range f.domains {
		for _, n := range d.Interfaces {
			if n.FilterRef != nil && n.FilterRef.Filter == name {
				return true
			}
		}
	}
	for _, b := range f.bindings {
		if b.FilterRef.Filter == name {
			return true
		}
	}
	for _, x := range f.filters {
		sum, _ := nwfilter.Summarize(x)
		if slices.Contains(sum.Refs, name) {
			return true
		}
	}
	return false
}

func (f *fakeLibvirt) UndefineFilter(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.err(); err != nil {
		return err
	}
	f.calls++
	if _, ok := f.filters[name]; !ok {
		return noFilter(name)
	}
	if f.inUse(name) {
		return &libvirtx.Error{Kind: libvirtx.ErrFilterInUse, Msg: "Requested operation is not valid: nwfilter is in use"}
	}
	delete(f.filters, name)
	return nil
}

func (f *fakeLibvirt) Domains(context.Context) ([]libvirtx.Domain, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.err(); err != nil {
		return nil, err
	}
	out := make([]libvirtx.Domain, len(f.domains))
	for i, d := range f.domains {
		d.Interfaces = slices.Clone(d.Interfaces)
		out[i] = d
	}
	return out, nil
}

func (f *fakeLibvirt) nic(domain, mac string) (*libvirtx.Interface, error) {
	for i := range f.domains {
		if f.domains[i].Name != domain {
			continue
		}
		for j := range f.domains[i].Interfaces {
			if strings.EqualFold(f.domains[i].Interfaces[j].MAC, mac) {
				return &f.domains[i].Interfaces[j], nil
			}
		}
		return nil, &libvirtx.Error{Kind: libvirtx.ErrNoInterface, Msg: fmt.Sprintf("domain %s has no interface with MAC %s", domain, mac)}
	}
	return nil, &libvirtx.Error{Kind: libvirtx.ErrNoDomain, Msg: fmt.Sprintf("Domain not found: no domain with matching name '%s'", domain)}
}

func nicXML(n libvirtx.Interface) string {
	x := fmt.Sprintf("<interface type='%s'><mac address='%s'/>", n.Type, n.MAC)
	if n.FilterRef != nil {
		x += fmt.Sprintf("<filterref filter='%s'>", n.FilterRef.Filter)
		for _, p := range n.FilterRef.Parameters {
			x += fmt.Sprintf("<parameter name='%s' value='%s'/>", p.Name, p.Value)
		}
		x += "</filterref>"
	}
	return x + "</interface>"
}

func (f *fakeLibvirt) InterfaceXML(_ context.Context, domain, mac string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.err(); err != nil {
		return "", err
	}
	n, err := f.nic(domain, mac)
	if err != nil {
		return "", err
	}
	return nicXML(*n), nil
}

func (f *fakeLibvirt) SetFilterRef(_ context.Context, domain, mac string, ref *libvirtx.FilterRef) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.err(); err != nil {
		return "", "", err
	}
	f.calls++
	if ref != nil {
		if _, ok := f.filters[ref.Filter]; !ok {
			return "", "", noFilter(ref.Filter)
		}
	}
	n, err := f.nic(domain, mac)
	if err != nil {
		return "", "", err
	}
	before := nicXML(*n)
	if ref != nil {
		cp := *ref
		cp.Parameters = slices.Clone(ref.Parameters)
		ref = &cp
	}
	n.FilterRef = ref
	return before, nicXML(*n), nil
}

func (f *fakeLibvirt) StartDomain(_ context.Context, name string) error { return f.power(name, true) }
func (f *fakeLibvirt) StopDomain(_ context.Context, name string) error  { return f.power(name, false) }

func (f *fakeLibvirt) power(name string, on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.err(); err != nil {
		return err
	}
	f.calls++
	for i := range f.domains {
		if f.domains[i].Name == name {
			f.domains[i].Active = on
			f.domains[i].State = map[bool]string{true: "running", false: "shut off"}[on]
			return nil
		}
	}
	return &libvirtx.Error{Kind: libvirtx.ErrNoDomain, Msg: "Domain not found: no domain with matching name '" + name + "'"}
}

func (f *fakeLibvirt) Bindings(context.Context) ([]libvirtx.Binding, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.err(); err != nil {
		return nil, err
	}
	var out []libvirtx.Binding
	for _, b := range f.bindings {
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b libvirtx.Binding) int { return strings.Compare(a.PortDev, b.PortDev) })
	return out, nil
}

func (f *fakeLibvirt) BindingXML(_ context.Context, dev string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.err(); err != nil {
		return "", err
	}
	b, ok := f.bindings[dev]
	if !ok {
		return "", &libvirtx.Error{Kind: libvirtx.ErrNoBinding, Msg: "Network filter binding not found: no nwfilter binding for port dev '" + dev + "'"}
	}
	return b.XML, nil
}

func (f *fakeLibvirt) CreateBinding(_ context.Context, b libvirtx.Binding) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.err(); err != nil {
		return "", err
	}
	f.calls++
	if _, ok := f.filters[b.FilterRef.Filter]; !ok {
		return "", noFilter(b.FilterRef.Filter)
	}
	if _, ok := f.bindings[b.PortDev]; ok {
		return "", &libvirtx.Error{Kind: libvirtx.ErrBindingExists, Msg: "operation failed: filter binding for port dev '" + b.PortDev + "' already exists"}
	}
	b.Owner = libvirtx.DefaultBindingOwner
	b.XML = fmt.Sprintf("<filterbinding><portdev name='%s'/><mac address='%s'/><filterref filter='%s'/></filterbinding>", b.PortDev, b.MAC, b.FilterRef.Filter)
	f.bindings[b.PortDev] = b
	return b.XML, nil
}

func (f *fakeLibvirt) DeleteBinding(_ context.Context, dev string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.err(); err != nil {
		return err
	}
	f.calls++
	if _, ok := f.bindings[dev]; !ok {
		return &libvirtx.Error{Kind: libvirtx.ErrNoBinding, Msg: "Network filter binding not found: no nwfilter binding for port dev '" + dev + "'"}
	}
	delete(f.bindings, dev)
	return nil
}

var _ Libvirt = (*fakeLibvirt)(nil)

// fakeTables is a host whose firewall holds the seed filter's chains on vnet0.
func fakeTables(context.Context) (libvirtx.HostTables, error) {
	return libvirtx.HostTables{IPTables: `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FI-vnet0 - [0:0]
:FO-vnet0 - [0:0]
:HI-vnet0 - [0:0]
:libvirt-host-in - [0:0]
:libvirt-in - [0:0]
:libvirt-in-post - [0:0]
:libvirt-out - [0:0]
-A INPUT -j libvirt-host-in
-A FORWARD -j libvirt-in
-A FORWARD -j libvirt-out
-A FORWARD -j libvirt-in-post
-A FI-vnet0 -d 192.168.122.1/32 -p tcp -m tcp --dport 22 -j DROP
-A FO-vnet0 -s 192.168.122.1/32 -p tcp -m tcp --sport 22 -j DROP
-A HI-vnet0 -d 192.168.122.1/32 -p tcp -m tcp --dport 22 -j DROP
-A libvirt-host-in -m physdev --physdev-in vnet0 -g HI-vnet0
-A libvirt-in -m physdev --physdev-in vnet0 -g FI-vnet0
-A libvirt-in-post -m physdev --physdev-in vnet0 -j ACCEPT
-A libvirt-out -m physdev --physdev-out vnet0 --physdev-is-bridged -g FO-vnet0
COMMIT
`}, nil
}

// newTestServer is a server over the fake and a fresh store in a temporary directory.
func newTestServer(t *testing.T) (*Server, *fakeLibvirt, *testStore) {
	t.Helper()
	fake := newFake()
	st := openTestStore(t)
	return New(Deps{Libvirt: fake, Store: st, HostTables: fakeTables}), fake, st
}

type (
	bindingT = libvirtx.Binding
	refT     = libvirtx.FilterRef
)
