package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// startDomain starts a VM, so its NICs' filters get instantiated.
func (s *Server) startDomain(c echo.Context) error {
	name := c.Param("name")
	if err := s.power(c, name, true); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/domains?done="+url.QueryEscape("Domain "+name+" started."))
}

// confirmStopDomain asks before destroying a VM: it is powered off at once, without asking
// the guest.
func (s *Server) confirmStopDomain(c echo.Context) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	name := c.Param("name")
	inv, err := s.loadInventory(ctx)
	if err != nil {
		return err
	}
	for _, d := range inv.domains {
		if d.Name != name {
			continue
		}
		row := views.DomainRow{Name: d.Name, State: d.State, Active: d.Active}
		for _, n := range d.Interfaces {
			row.NICs = append(row.NICs, viewNIC(d.Name, n))
		}
		return s.render(c, views.DomainStopView(views.DomainStop{Meta: s.meta(c, "Stop "+name, "domains"), Domain: row}))
	}
	return &libvirtx.Error{Kind: libvirtx.ErrNoDomain, Msg: fmt.Sprintf("Domain not found: no domain with matching name '%s'", name)}
}

// stopDomain powers a VM off at once (virsh destroy).
func (s *Server) stopDomain(c echo.Context) error {
	name := c.Param("name")
	if err := s.power(c, name, false); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/domains?done="+url.QueryEscape("Domain "+name+" stopped."))
}

// apiStartDomain is POST /api/v1/domains/{name}/start.
func (s *Server) apiStartDomain(c echo.Context) error {
	if err := s.power(c, c.Param("name"), true); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiStopDomain is POST /api/v1/domains/{name}/stop.
func (s *Server) apiStopDomain(c echo.Context) error {
	if err := s.power(c, c.Param("name"), false); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// power starts or destroys a domain, audited: starting instantiates its NICs' filters and
// stopping removes their chains, so both change the host's firewall.
func (s *Server) power(c echo.Context, name string, on bool) error {
	ch := change{action: actDomainStop, target: name,
		do: func(ctx context.Context) (string, error) { return "", s.lv.StopDomain(ctx, name) }}
	if on {
		ch = change{action: actDomainStart, target: name,
			do: func(ctx context.Context) (string, error) { return "", s.lv.StartDomain(ctx, name) }}
	}
	return s.apply(c, ch)
}
