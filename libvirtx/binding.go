package libvirtx

import (
	"context"
	"slices"
	"strings"

	"github.com/digitalocean/go-libvirt"
	"github.com/google/uuid"
	"libvirt.org/go/libvirtxml"
)

// DefaultBindingOwner names the owner of bindings created here when the caller gives none.
const DefaultBindingOwner = "nwfilter-web"

// Bindings lists every nwfilter binding, sorted by port device.
func (c *Conn) Bindings(ctx context.Context) ([]Binding, error) {
	var out []Binding
	err := c.Call(ctx, func(l *libvirt.Libvirt) error {
		bs, _, err := l.ConnectListAllNwfilterBindings(1, 0)
		if err != nil {
			return err
		}
		out = make([]Binding, 0, len(bs))
		for _, b := range bs {
			x, err := l.NwfilterBindingGetXMLDesc(b, 0)
			if isNotFound(err) {
				continue // its port went away since it was listed
			}
			if err != nil {
				return err
			}
			out = append(out, parseBinding(x, b))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Binding) int { return strings.Compare(a.PortDev, b.PortDev) })
	return out, nil
}

// BindingXML returns one binding's XML; ErrNoBinding when unknown.
func (c *Conn) BindingXML(ctx context.Context, portdev string) (string, error) {
	var x string
	err := c.Call(ctx, func(l *libvirt.Libvirt) error {
		b, err := l.NwfilterBindingLookupByPortDev(portdev)
		if err != nil {
			return err
		}
		x, err = l.NwfilterBindingGetXMLDesc(b, 0)
		return err
	})
	return x, err
}

// CreateBinding creates a binding for portdev/mac with the filterref (owner defaults to
// "nwfilter-web" with a fresh UUID) and returns its XML. ErrBindingExists, ErrNoFilter.
// libvirt does not check that the port device exists.
func (c *Conn) CreateBinding(ctx context.Context, b Binding) (string, error) {
	doc, err := bindingXML(b)
	if err != nil {
		return "", err
	}
	unlock, err := c.lockMutations(ctx)
	if err != nil {
		return "", err
	}
	defer unlock()
	var x string
	err = c.Call(ctx, func(l *libvirt.Libvirt) error {
		// Ask first so that an unknown filter gets libvirt's plain "no nwfilter with matching
		// name" rather than the internal error the create reports for it.
		if _, err := l.NwfilterLookupByName(b.FilterRef.Filter); err != nil {
			return err
		}
		nb, err := l.NwfilterBindingCreateXML(doc, 0)
		if err != nil {
			return err
		}
		x, err = l.NwfilterBindingGetXMLDesc(nb, 0)
		return err
	})
	return x, err
}

// DeleteBinding deletes the binding on portdev; ErrNoBinding when unknown.
func (c *Conn) DeleteBinding(ctx context.Context, portdev string) error {
	unlock, err := c.lockMutations(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return c.Call(ctx, func(l *libvirt.Libvirt) error {
		b, err := l.NwfilterBindingLookupByPortDev(portdev)
		if err != nil {
			return err
		}
		return l.NwfilterBindingDelete(b)
	})
}

func bindingXML(b Binding) (string, error) {
	owner := &libvirtxml.NWFilterBindingOwner{Name: b.Owner, UUID: b.OwnerUUID}
	if owner.Name == "" {
		owner.Name = DefaultBindingOwner
	}
	if owner.UUID == "" {
		owner.UUID = uuid.NewString()
	}
	doc := libvirtxml.NWFilterBinding{
		Owner:     owner,
		PortDev:   &libvirtxml.NWFilterBindingPortDev{Name: b.PortDev},
		MAC:       &libvirtxml.NWFilterBindingMAC{Address: b.MAC},
		FilterRef: &libvirtxml.NWFilterBindingFilterRef{Filter: b.FilterRef.Filter},
	}
	for _, p := range b.FilterRef.Parameters {
		doc.FilterRef.Parameters = append(doc.FilterRef.Parameters,
			libvirtxml.NWFilterBindingFilterParam{Name: p.Name, Value: p.Value})
	}
	x, err := doc.Marshal()
	if err != nil {
		return "", &Error{Kind: ErrInvalidXML, Msg: "binding XML: " + err.Error()}
	}
	return x, nil
}

// parseBinding reads a binding's XML, falling back to what the listing said when the XML
// cannot be parsed (it always can, but a listing should not fail over one odd entry).
func parseBinding(x string, lb libvirt.NwfilterBinding) Binding {
	b := Binding{PortDev: lb.Portdev, FilterRef: FilterRef{Filter: lb.Filtername}, XML: x}
	var doc libvirtxml.NWFilterBinding
	if err := doc.Unmarshal(x); err != nil {
		return b
	}
	if doc.Owner != nil {
		b.Owner, b.OwnerUUID = doc.Owner.Name, doc.Owner.UUID
	}
	if doc.MAC != nil {
		b.MAC = doc.MAC.Address
	}
	if doc.FilterRef != nil {
		b.FilterRef.Filter = doc.FilterRef.Filter
		b.FilterRef.Parameters = nil
		for _, p := range doc.FilterRef.Parameters {
			b.FilterRef.Parameters = append(b.FilterRef.Parameters, Param{Name: p.Name, Value: p.Value})
		}
	}
	return b
}
