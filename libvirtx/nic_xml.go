package libvirtx

// NIC and binding XML for the audit history (issue 5): every NIC's XML at once, for noticing
// changes made outside nwfilter-web, and the small readings and edits a rollback needs.

import (
	"context"
	"strings"

	"github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// InterfacesXML returns the XML of every domain NIC, keyed "domain/mac" (MAC in lowercase), as
// InterfaceXML reports each one: from the persistent definition, and from the live one for a
// transient domain or a NIC that is only live (hot-plugged). One RPC per domain, plus one for
// each running persistent domain.
func (c *Conn) InterfacesXML(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	err := c.Call(ctx, func(l *libvirt.Libvirt) error {
		all, _, err := l.ConnectListAllDomains(1, 0)
		if err != nil {
			return err
		}
		for _, d := range all {
			nics, err := domainNICs(l, d)
			if isNotFound(err) {
				continue // undefined since it was listed
			}
			if err != nil {
				return err
			}
			for mac, x := range nics {
				out[d.Name+"/"+mac] = x
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// domainNICs is one domain's NICs by lowercase MAC, persistent definition first.
func domainNICs(l *libvirt.Libvirt, d libvirt.Domain) (map[string]string, error) {
	p, err := l.DomainIsPersistent(d)
	if err != nil {
		return nil, err
	}
	a, err := l.DomainIsActive(d)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var sets []libvirt.DomainXMLFlags
	if p == 1 {
		sets = append(sets, libvirt.DomainXMLInactive)
	}
	if a == 1 || p != 1 {
		sets = append(sets, 0)
	}
	for _, flags := range sets {
		x, err := l.DomainGetXMLDesc(d, flags)
		if err != nil {
			return nil, err
		}
		var doc libvirtxml.Domain
		if err := doc.Unmarshal(x); err != nil {
			return nil, &Error{Kind: ErrOperationError, Msg: "domain " + d.Name + ": unreadable XML: " + err.Error()}
		}
		if doc.Devices == nil {
			continue
		}
		for i := range doc.Devices.Interfaces {
			nic := &doc.Devices.Interfaces[i]
			if nic.MAC == nil {
				continue
			}
			mac := strings.ToLower(nic.MAC.Address)
			if _, seen := out[mac]; seen {
				continue
			}
			if out[mac], err = marshalNIC(nic); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// generatedDevPrefixes are the tap and macvtap names libvirt makes up at every start.
var generatedDevPrefixes = []string{"vnet", "macvtap", "macvlan"}

// NormalizeInterfaceXML drops from a NIC's XML what libvirt changes by itself while a domain
// runs: a generated target device (vnetN, given anew at every start), generated aliases (net0;
// a user's "ua-" alias stays) and the network port a <source network> is plugged into. Two NICs
// whose normal forms are equal differ in nothing anybody configured. XML that does not parse is
// returned as it is.
func NormalizeInterfaceXML(x string) string {
	var nic libvirtxml.DomainInterface
	if err := nic.Unmarshal(x); err != nil {
		return x
	}
	if nic.Target != nil {
		for _, p := range generatedDevPrefixes {
			if strings.HasPrefix(nic.Target.Dev, p) {
				nic.Target = nil
				break
			}
		}
	}
	if nic.Alias != nil && !strings.HasPrefix(nic.Alias.Name, "ua-") {
		nic.Alias = nil
	}
	if nic.Source != nil && nic.Source.Network != nil {
		nic.Source.Network.PortID = ""
		nic.Source.Network.Bridge = ""
	}
	out, err := nic.Marshal()
	if err != nil {
		return x
	}
	return out
}

// FilterRefOf reads the filterref of a NIC's XML: nil when it has none.
func FilterRefOf(nicXML string) (*FilterRef, error) {
	var nic libvirtxml.DomainInterface
	if err := nic.Unmarshal(nicXML); err != nil {
		return nil, &Error{Kind: ErrInvalidXML, Msg: "interface XML: " + err.Error()}
	}
	return toInterface(nic, false).FilterRef, nil
}

// WithFilterRefXML is the NIC's XML with ref as its filterref (none when nil), as SetFilterRef
// would leave it: what a rollback of the NIC's filterref shows before it is made.
func WithFilterRefXML(nicXML string, ref *FilterRef) (string, error) {
	var nic libvirtxml.DomainInterface
	if err := nic.Unmarshal(nicXML); err != nil {
		return "", &Error{Kind: ErrInvalidXML, Msg: "interface XML: " + err.Error()}
	}
	n := withFilterRef(nic, ref)
	return marshalNIC(&n)
}

// ParseBindingXML reads a binding's XML (as BindingXML returns it) into a Binding that
// CreateBinding re-creates it from, owner included.
func ParseBindingXML(x string) (Binding, error) {
	var doc libvirtxml.NWFilterBinding
	if err := doc.Unmarshal(x); err != nil {
		return Binding{}, &Error{Kind: ErrInvalidXML, Msg: "binding XML: " + err.Error()}
	}
	b := parseBinding(x, libvirt.NwfilterBinding{})
	if doc.PortDev != nil {
		b.PortDev = doc.PortDev.Name
	}
	return b, nil
}
