package libvirtx

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// stateNames are virsh's words for libvirt's domain states.
var stateNames = map[libvirt.DomainState]string{
	libvirt.DomainNostate:     "no state",
	libvirt.DomainRunning:     "running",
	libvirt.DomainBlocked:     "idle",
	libvirt.DomainPaused:      "paused",
	libvirt.DomainShutdown:    "in shutdown",
	libvirt.DomainShutoff:     "shut off",
	libvirt.DomainCrashed:     "crashed",
	libvirt.DomainPmsuspended: "pmsuspended",
}

// Domains lists every domain with its state and NICs, sorted by name.
func (c *Conn) Domains(ctx context.Context) ([]Domain, error) {
	var out []Domain
	err := c.Call(ctx, func(l *libvirt.Libvirt) error {
		all, _, err := l.ConnectListAllDomains(1, 0)
		if err != nil {
			return err
		}
		persistent, _, err := l.ConnectListAllDomains(1, libvirt.ConnectListDomainsPersistent)
		if err != nil {
			return err
		}
		out = make([]Domain, 0, len(all))
		for _, d := range all {
			dom, err := readDomain(l, d)
			if isNotFound(err) {
				continue // undefined since it was listed
			}
			if err != nil {
				return err
			}
			dom.Persistent = slices.ContainsFunc(persistent, func(p libvirt.Domain) bool { return p.UUID == d.UUID })
			out = append(out, dom)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Domain) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Domain returns one domain with its state and NICs; ErrNoDomain when unknown.
func (c *Conn) Domain(ctx context.Context, name string) (Domain, error) {
	var dom Domain
	err := c.Call(ctx, func(l *libvirt.Libvirt) error {
		d, err := l.DomainLookupByName(name)
		if err != nil {
			return err
		}
		if dom, err = readDomain(l, d); err != nil {
			return err
		}
		p, err := l.DomainIsPersistent(d)
		dom.Persistent = p == 1
		return err
	})
	return dom, err
}

// readDomain reads a domain's state and, from its live XML when it runs (else the persistent
// one), its NICs.
func readDomain(l *libvirt.Libvirt, d libvirt.Domain) (Domain, error) {
	state, _, err := l.DomainGetState(d, 0)
	if err != nil {
		return Domain{}, err
	}
	st := libvirt.DomainState(state)
	dom := Domain{
		Name:   d.Name,
		UUID:   formatUUID(d.UUID),
		State:  stateNames[st],
		Active: st != libvirt.DomainShutoff && st != libvirt.DomainNostate,
	}
	if dom.State == "" {
		dom.State = fmt.Sprintf("state %d", state)
	}
	x, err := l.DomainGetXMLDesc(d, 0)
	if err != nil {
		return Domain{}, err
	}
	var doc libvirtxml.Domain
	if err := doc.Unmarshal(x); err != nil {
		return Domain{}, &Error{Kind: ErrOperationError, Msg: fmt.Sprintf("domain %s: unreadable XML: %v", d.Name, err)}
	}
	if doc.Devices != nil {
		for _, nic := range doc.Devices.Interfaces {
			dom.Interfaces = append(dom.Interfaces, toInterface(nic, dom.Active))
		}
	}
	return dom, nil
}

func toInterface(nic libvirtxml.DomainInterface, active bool) Interface {
	var it Interface
	if nic.MAC != nil {
		it.MAC = nic.MAC.Address
	}
	if active && nic.Target != nil {
		it.TargetDev = nic.Target.Dev
	}
	if nic.Model != nil {
		it.Model = nic.Model.Type
	}
	it.Type, it.Source = interfaceSource(nic.Source)
	if nic.FilterRef != nil {
		it.FilterRef = &FilterRef{Filter: nic.FilterRef.Filter}
		for _, p := range nic.FilterRef.Parameters {
			it.FilterRef.Parameters = append(it.FilterRef.Parameters, Param{Name: p.Name, Value: p.Value})
		}
	}
	return it
}

// interfaceSource gives the <interface type='...'> word and what it connects to. libvirtxml
// keeps the type only as which source variant is set.
func interfaceSource(s *libvirtxml.DomainInterfaceSource) (typ, source string) {
	switch {
	case s == nil:
		return "", ""
	case s.Network != nil:
		return "network", s.Network.Network
	case s.Bridge != nil:
		return "bridge", s.Bridge.Bridge
	case s.Direct != nil:
		return "direct", s.Direct.Dev
	case s.Ethernet != nil:
		return "ethernet", ""
	case s.User != nil:
		return "user", ""
	case s.VHostUser != nil:
		return "vhostuser", ""
	case s.Server != nil:
		return "server", ""
	case s.Client != nil:
		return "client", ""
	case s.MCast != nil:
		return "mcast", ""
	case s.Internal != nil:
		return "internal", s.Internal.Name
	case s.Hostdev != nil:
		return "hostdev", ""
	case s.UDP != nil:
		return "udp", ""
	case s.VDPA != nil:
		return "vdpa", s.VDPA.Device
	case s.Null != nil:
		return "null", ""
	case s.VDS != nil:
		return "vds", ""
	}
	return "", ""
}

// DomainXML returns a domain's persistent (inactive) XML, or the live one for a transient domain.
func (c *Conn) DomainXML(ctx context.Context, name string) (string, error) {
	var x string
	err := c.Call(ctx, func(l *libvirt.Libvirt) error {
		d, err := l.DomainLookupByName(name)
		if err != nil {
			return err
		}
		p, err := l.DomainIsPersistent(d)
		if err != nil {
			return err
		}
		flags := libvirt.DomainXMLFlags(0)
		if p == 1 {
			flags = libvirt.DomainXMLInactive
		}
		x, err = l.DomainGetXMLDesc(d, flags)
		return err
	})
	return x, err
}

// SetFilterRef sets, changes (ref != nil) or clears (ref == nil) the filterref of the domain's
// NIC with the given MAC, in the persistent definition and, while the domain runs, live too.
// It returns the NIC's XML before and after (persistent, or live for a transient domain).
// ErrNoDomain / ErrNoInterface / ErrNoFilter.
//
// libvirt 9.0 accepts a filterref to an unknown filter in the persistent definition (it
// only fails when the NIC is instantiated), so the filter's existence is checked first. When
// the live update fails after the persistent one succeeded, the persistent one is undone.
func (c *Conn) SetFilterRef(ctx context.Context, domain, mac string, ref *FilterRef) (before, after string, err error) {
	unlock, err := c.lockMutations(ctx)
	if err != nil {
		return "", "", err
	}
	defer unlock()

	if ref != nil {
		if ref.Filter == "" {
			return "", "", &Error{Kind: ErrInvalidXML, Msg: "filterref: a filter name is required"}
		}
		if _, err := c.FilterXML(ctx, ref.Filter); err != nil {
			return "", "", err
		}
	}

	var d libvirt.Domain
	var active, persistent bool
	err = c.Call(ctx, func(l *libvirt.Libvirt) error {
		var err error
		if d, err = l.DomainLookupByName(domain); err != nil {
			return err
		}
		a, err := l.DomainIsActive(d)
		if err != nil {
			return err
		}
		p, err := l.DomainIsPersistent(d)
		active, persistent = a == 1, p == 1
		return err
	})
	if err != nil {
		return "", "", err
	}

	var cfgOld, liveOld *libvirtxml.DomainInterface
	if persistent {
		if cfgOld, err = c.findNIC(ctx, d, libvirt.DomainXMLInactive, mac); err != nil {
			return "", "", err
		}
	}
	if active {
		if liveOld, err = c.findNIC(ctx, d, 0, mac); err != nil {
			return "", "", err
		}
	}
	// A NIC may exist only in the definition (added for the next boot) or only live
	// (hot-plugged); it is changed where it is.
	if cfgOld == nil && liveOld == nil {
		return "", "", &Error{Kind: ErrNoInterface, Msg: fmt.Sprintf("domain %s has no interface with MAC %s", domain, mac)}
	}
	shown, shownFlags := cfgOld, libvirt.DomainXMLInactive
	if shown == nil {
		shown, shownFlags = liveOld, 0
	}
	if before, err = marshalNIC(shown); err != nil {
		return "", "", err
	}

	if cfgOld != nil {
		if err := c.updateNIC(ctx, d, withFilterRef(*cfgOld, ref), libvirt.DomainDeviceModifyConfig); err != nil {
			return "", "", err
		}
	}
	if liveOld != nil {
		if err := c.updateNIC(ctx, d, withFilterRef(*liveOld, ref), libvirt.DomainDeviceModifyLive); err != nil {
			if cfgOld != nil {
				if rerr := c.updateNIC(context.WithoutCancel(ctx), d, *cfgOld, libvirt.DomainDeviceModifyConfig); rerr != nil {
					return "", "", fmt.Errorf("%w (and undoing the persistent change failed too: %w)", err, rerr)
				}
			}
			return "", "", err
		}
	}

	now, err := c.findNIC(ctx, d, shownFlags, mac)
	if err != nil {
		return before, "", err
	}
	if now == nil {
		return before, "", &Error{Kind: ErrNoInterface, Msg: fmt.Sprintf("domain %s: interface %s vanished during the update", domain, mac)}
	}
	after, err = marshalNIC(now)
	return before, after, err
}

// findNIC returns the NIC with the MAC (case-insensitive) from the XML chosen by flags, or
// nil when there is none.
func (c *Conn) findNIC(ctx context.Context, d libvirt.Domain, flags libvirt.DomainXMLFlags, mac string) (*libvirtxml.DomainInterface, error) {
	var x string
	err := c.Call(ctx, func(l *libvirt.Libvirt) (err error) {
		x, err = l.DomainGetXMLDesc(d, flags)
		return err
	})
	if err != nil {
		return nil, err
	}
	var doc libvirtxml.Domain
	if err := doc.Unmarshal(x); err != nil {
		return nil, &Error{Kind: ErrOperationError, Msg: fmt.Sprintf("domain %s: unreadable XML: %v", d.Name, err)}
	}
	if doc.Devices == nil {
		return nil, nil
	}
	for _, nic := range doc.Devices.Interfaces {
		if nic.MAC != nil && strings.EqualFold(nic.MAC.Address, mac) {
			return &nic, nil
		}
	}
	return nil, nil
}

func (c *Conn) updateNIC(ctx context.Context, d libvirt.Domain, nic libvirtxml.DomainInterface, flags libvirt.DomainDeviceModifyFlags) error {
	x, err := marshalNIC(&nic)
	if err != nil {
		return err
	}
	return c.Call(ctx, func(l *libvirt.Libvirt) error {
		return l.DomainUpdateDeviceFlags(d, x, flags)
	})
}

// withFilterRef returns a copy of nic with ref as its filterref (none when ref is nil).
func withFilterRef(nic libvirtxml.DomainInterface, ref *FilterRef) libvirtxml.DomainInterface {
	nic.FilterRef = nil
	if ref != nil {
		nic.FilterRef = &libvirtxml.DomainInterfaceFilterRef{Filter: ref.Filter}
		for _, p := range ref.Parameters {
			nic.FilterRef.Parameters = append(nic.FilterRef.Parameters,
				libvirtxml.DomainInterfaceFilterParam{Name: p.Name, Value: p.Value})
		}
	}
	return nic
}

func marshalNIC(nic *libvirtxml.DomainInterface) (string, error) {
	x, err := nic.Marshal()
	if err != nil {
		return "", &Error{Kind: ErrOperationError, Msg: "interface XML: " + err.Error()}
	}
	return x, nil
}

// InterfaceXML returns the XML of the domain's NIC with the given MAC, from the persistent
// definition (the live one for a transient domain or a hot-plugged NIC): what SetFilterRef
// reports as "before". ErrNoDomain / ErrNoInterface.
func (c *Conn) InterfaceXML(ctx context.Context, domain, mac string) (string, error) {
	var d libvirt.Domain
	var persistent bool
	err := c.Call(ctx, func(l *libvirt.Libvirt) error {
		var err error
		if d, err = l.DomainLookupByName(domain); err != nil {
			return err
		}
		p, err := l.DomainIsPersistent(d)
		persistent = p == 1
		return err
	})
	if err != nil {
		return "", err
	}
	var nic *libvirtxml.DomainInterface
	if persistent {
		if nic, err = c.findNIC(ctx, d, libvirt.DomainXMLInactive, mac); err != nil {
			return "", err
		}
	}
	if nic == nil {
		if nic, err = c.findNIC(ctx, d, 0, mac); err != nil {
			return "", err
		}
	}
	if nic == nil {
		return "", &Error{Kind: ErrNoInterface, Msg: fmt.Sprintf("domain %s has no interface with MAC %s", domain, mac)}
	}
	return marshalNIC(nic)
}

// StartDomain starts a defined domain (virsh start): its NICs' filters are instantiated.
func (c *Conn) StartDomain(ctx context.Context, name string) error {
	return c.powerDomain(ctx, name, (*libvirt.Libvirt).DomainCreate)
}

// StopDomain powers a domain off at once (virsh destroy): its ports and their chains go.
func (c *Conn) StopDomain(ctx context.Context, name string) error {
	return c.powerDomain(ctx, name, (*libvirt.Libvirt).DomainDestroy)
}

// powerDomain looks the domain up and starts or destroys it, as one serialised mutation.
func (c *Conn) powerDomain(ctx context.Context, name string, op func(*libvirt.Libvirt, libvirt.Domain) error) error {
	unlock, err := c.lockMutations(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return c.Call(ctx, func(l *libvirt.Libvirt) error {
		d, err := l.DomainLookupByName(name)
		if err != nil {
			return err
		}
		return op(l, d)
	})
}
