package libvirtx

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
)

const (
	defaultSocket  = "/var/run/libvirt/libvirt-sock"
	defaultTCPPort = "16509"
)

// endpoint is where a libvirt URI leads: the transport to dial and the URI the daemon is
// asked to open once connected (the driver part only, as libvirt's own remote driver sends it).
type endpoint struct {
	network string // "unix" or "tcp"
	address string // socket path or host:port
	host    string // "" for a local socket
	name    string // e.g. qemu:///system
}

// parseURI understands the URIs a KVM host is reached with: driver:///path over the local
// socket, driver+unix:///path?socket=PATH and driver+tcp://host[:port]/path. TLS and SSH
// transports need credentials this program does not handle, so they are refused plainly.
func parseURI(raw string) (endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return endpoint{}, fmt.Errorf("libvirtx: invalid libvirt URI %q: %v", raw, err)
	}
	driver, transport, _ := strings.Cut(u.Scheme, "+")
	if driver == "" {
		return endpoint{}, fmt.Errorf("libvirtx: invalid libvirt URI %q: no driver", raw)
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	ep := endpoint{host: u.Hostname(), name: driver + "://" + path}
	if transport == "" {
		// libvirt's rule: no transport means the local socket when there is no host, TLS
		// otherwise.
		if ep.host == "" {
			transport = "unix"
		} else {
			transport = "tls"
		}
	}
	switch transport {
	case "unix":
		if ep.host != "" {
			return endpoint{}, fmt.Errorf("libvirtx: libvirt URI %q: the unix transport takes no host", raw)
		}
		ep.network, ep.address = "unix", defaultSocket
		if s := u.Query().Get("socket"); s != "" {
			ep.address = s
		}
	case "tcp":
		if ep.host == "" {
			return endpoint{}, fmt.Errorf("libvirtx: libvirt URI %q: the tcp transport needs a host", raw)
		}
		port := u.Port()
		if port == "" {
			port = defaultTCPPort
		}
		ep.network, ep.address = "tcp", net.JoinHostPort(ep.host, port)
	default:
		return endpoint{}, fmt.Errorf("libvirtx: libvirt URI %q: transport %q is not supported (use the local socket or +tcp)", raw, transport)
	}
	return ep, nil
}

// isLocalHost reports whether host names this machine: no host at all, loopback, or the
// machine's own hostname.
func isLocalHost(host string) bool {
	switch strings.ToLower(host) {
	case "", "localhost", "localhost.localdomain", "127.0.0.1", "::1":
		return true
	}
	name, err := os.Hostname()
	if err != nil || name == "" {
		return false
	}
	short, _, _ := strings.Cut(name, ".")
	return strings.EqualFold(host, name) || strings.EqualFold(host, short)
}
