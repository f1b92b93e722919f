package libvirtx

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/digitalocean/go-libvirt"
	"github.com/google/uuid"
)

// Filters lists every network filter, shipped ones too, sorted by name.
func (c *Conn) Filters(ctx context.Context) ([]Filter, error) {
	var out []Filter
	err := c.Call(ctx, func(l *libvirt.Libvirt) error {
		fs, _, err := l.ConnectListAllNwfilters(1, 0)
		if err != nil {
			return err
		}
		out = make([]Filter, 0, len(fs))
		for _, f := range fs {
			x, err := l.NwfilterGetXMLDesc(f, 0)
			if isNotFound(err) {
				continue // undefined since it was listed
			}
			if err != nil {
				return err
			}
			out = append(out, Filter{Name: f.Name, UUID: formatUUID(f.UUID), XML: x})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Filter) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// FilterXML returns one filter's XML as libvirt prints it; ErrNoFilter when unknown.
func (c *Conn) FilterXML(ctx context.Context, name string) (string, error) {
	var x string
	err := c.Call(ctx, func(l *libvirt.Libvirt) error {
		f, err := l.NwfilterLookupByName(name)
		if err != nil {
			return err
		}
		x, err = l.NwfilterGetXMLDesc(f, 0)
		return err
	})
	return x, err
}

// DefineFilter defines or redefines a filter from its XML and returns its name. An existing
// filter is redefined in place (the XML must carry its UUID; libvirt refuses otherwise, which
// maps to ErrUUIDMismatch), which updates it live on every port that uses it. The XML is sent
// as given: whether to carry the existing UUID over is the caller's decision.
func (c *Conn) DefineFilter(ctx context.Context, xml string) (string, error) {
	unlock, err := c.lockMutations(ctx)
	if err != nil {
		return "", err
	}
	defer unlock()
	var name string
	err = c.Call(ctx, func(l *libvirt.Libvirt) error {
		f, err := l.NwfilterDefineXML(xml)
		name = f.Name
		return err
	})
	// A define fails over its content only, but libvirt reports some content errors as internal
	// errors ("dstportstart has illegal value 65536") or unsupported configuration ("unknown
	// rule action attribute value"): they are the caller's invalid XML all the same.
	var le *Error
	if errors.As(err, &le) && le.Kind == ErrOperationError {
		le.Kind = ErrInvalidXML
	}
	return name, err
}

// UndefineFilter removes a filter: ErrNoFilter when unknown, ErrFilterInUse when referenced.
func (c *Conn) UndefineFilter(ctx context.Context, name string) error {
	unlock, err := c.lockMutations(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return c.Call(ctx, func(l *libvirt.Libvirt) error {
		f, err := l.NwfilterLookupByName(name)
		if err != nil {
			return err
		}
		return l.NwfilterUndefine(f)
	})
}

// isNotFound reports libvirt's "no such object" replies, for skipping objects that vanished
// between a listing and a lookup.
func isNotFound(err error) bool {
	var le libvirt.Error
	if !errors.As(err, &le) {
		return false
	}
	switch libvirt.ErrorNumber(le.Code) {
	case libvirt.ErrNoNwfilter, libvirt.ErrNoNwfilterBinding, libvirt.ErrNoDomain:
		return true
	}
	return false
}

func formatUUID(u libvirt.UUID) string { return uuid.UUID(u).String() }
