package web

import (
	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// listDomains shows each VM with its state and NICs.
func (s *Server) listDomains(c echo.Context) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	inv, err := s.loadInventory(ctx)
	if err != nil {
		return err
	}
	s.noticeNICs(ctx, "noticed when the VMs were read")
	p := views.DomainList{Meta: s.meta(c, "Virtual machines", "domains"), Filters: inv.filterNames()}
	for _, d := range inv.domains {
		row := views.DomainRow{Name: d.Name, State: d.State, Active: d.Active}
		for _, n := range d.Interfaces {
			row.NICs = append(row.NICs, nicView(inv, d.Name, n, nil))
		}
		p.Domains = append(p.Domains, row)
	}
	return s.render(c, views.DomainListView(p))
}

func viewNIC(domain string, n libvirtx.Interface) views.NIC {
	v := views.NIC{Domain: domain, MAC: n.MAC, TargetDev: n.TargetDev, Type: n.Type, Source: n.Source, Model: n.Model}
	if n.FilterRef != nil {
		v.Filter = n.FilterRef.Filter
		v.Params = viewParams(n.FilterRef.Parameters)
	}
	return v
}
