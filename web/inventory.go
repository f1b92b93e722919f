package web

import (
	"context"
	"sort"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// inventory is one consistent read of what libvirt has: filters, domains and bindings, and the
// filterref graph between filters. Pages that show where a filter is in use load it once.
type inventory struct {
	filters  []libvirtx.Filter
	sums     map[string]nwfilter.Summary
	refs     map[string][]string
	domains  []libvirtx.Domain
	bindings []libvirtx.Binding
}

// filterInventory reads one filter's XML (ErrNoFilter when libvirt has none) and the
// inventory around it: what every page about a single filter starts from.
func (s *Server) filterInventory(ctx context.Context, name string) (string, *inventory, error) {
	xml, err := s.lv.FilterXML(ctx, name)
	if err != nil {
		return "", nil, err
	}
	inv, err := s.loadInventory(ctx)
	return xml, inv, err
}

func (s *Server) loadInventory(ctx context.Context) (*inventory, error) {
	fs, err := s.lv.Filters(ctx)
	if err != nil {
		return nil, err
	}
	s.noticeFilters(ctx, fs, "noticed when the filters were read")
	ds, err := s.lv.Domains(ctx)
	if err != nil {
		return nil, err
	}
	bs, err := s.lv.Bindings(ctx)
	if err != nil {
		return nil, err
	}
	inv := &inventory{filters: fs, domains: ds, bindings: bs,
		sums: map[string]nwfilter.Summary{}, refs: map[string][]string{}}
	for _, f := range fs {
		sum, err := nwfilter.Summarize(f.XML)
		if err != nil {
			sum = nwfilter.Summary{Name: f.Name, UUID: f.UUID, Chain: "?"}
		}
		inv.sums[f.Name] = sum
		inv.refs[f.Name] = sum.Refs
	}
	return inv, nil
}

// reaches reports whether filter name is in effect under root, and through which filter.
func (inv *inventory) reaches(root, name string) (ok bool, via string) {
	for _, n := range nwfilter.Closure(root, inv.refs) {
		if n == name {
			if root == name {
				return true, ""
			}
			return true, root
		}
	}
	return false, ""
}

// nicPorts maps the target device of every running NIC to its domain, to tell a VM's own
// bindings (libvirt makes one per filtered NIC) from bindings created by hand.
func (inv *inventory) nicPorts() map[string]string {
	m := map[string]string{}
	for _, d := range inv.domains {
		for _, n := range d.Interfaces {
			if n.TargetDev != "" {
				m[n.TargetDev] = d.Name
			}
		}
	}
	return m
}

// usesOf lists the NICs and bindings where filter name is in effect, directly or through
// another filter.
func (inv *inventory) usesOf(name string) []views.Use {
	var out []views.Use
	nics := inv.nicPorts()
	for _, d := range inv.domains {
		for _, n := range d.Interfaces {
			if n.FilterRef == nil {
				continue
			}
			if ok, via := inv.reaches(n.FilterRef.Filter, name); ok {
				out = append(out, views.Use{Kind: "nic", Label: d.Name + " " + n.MAC, Domain: d.Name, PortDev: n.TargetDev, Via: via})
			}
		}
	}
	for _, b := range inv.bindings {
		if _, isNIC := nics[b.PortDev]; isNIC {
			continue
		}
		if ok, via := inv.reaches(b.FilterRef.Filter, name); ok {
			out = append(out, views.Use{Kind: "binding", Label: b.PortDev, PortDev: b.PortDev, Via: via})
		}
	}
	return out
}

// portsOf lists the port devices where filter name is instantiated: every binding whose filter
// tree contains it (running VM NICs have bindings too).
func (inv *inventory) portsOf(name string) []views.Port {
	nics := inv.nicPorts()
	var out []views.Port
	for _, b := range inv.bindings {
		if ok, _ := inv.reaches(b.FilterRef.Filter, name); !ok {
			continue
		}
		label := b.PortDev + " — binding"
		if dom, ok := nics[b.PortDev]; ok {
			label = b.PortDev + " — " + dom + " " + b.MAC
		}
		out = append(out, views.Port{Dev: b.PortDev, Label: label})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dev < out[j].Dev })
	return out
}

// row is a filter's line in the list.
func (inv *inventory) row(f libvirtx.Filter) views.FilterRow {
	sum := inv.sums[f.Name]
	uuid := f.UUID
	if uuid == "" {
		uuid = sum.UUID // a filter read alone comes without the listing's UUID
	}
	return views.FilterRow{Name: f.Name, UUID: uuid, Chain: sum.Chain, Priority: sum.Priority,
		Rules: sum.Rules, Refs: len(sum.Refs), Includes: sum.Refs, UsedBy: inv.usesOf(f.Name)}
}

// filterNames lists every filter's name, for select boxes.
func (inv *inventory) filterNames() []string {
	out := make([]string, len(inv.filters))
	for i, f := range inv.filters {
		out[i] = f.Name
	}
	return out
}
