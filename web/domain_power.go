package web

import (
	"context"
	"errors"
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
	return noDomain(name)
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
// stopping removes their chains, so both change the host's firewall. A VM has no XML of ours
// to compare, so its entry records the state before and after ("state: shut off").
func (s *Server) power(c echo.Context, name string, on bool) error {
	act, call := actDomainStop, s.lv.StopDomain
	if on {
		act, call = actDomainStart, s.lv.StartDomain
	}
	return s.apply(c, change{action: act, target: name,
		before: func(ctx context.Context) (string, error) { return s.domainState(ctx, name) },
		do: func(ctx context.Context) (string, error) {
			if err := call(ctx, name); err != nil {
				return "", err
			}
			after, err := s.domainState(ctx, name)
			switch {
			case errors.Is(err, libvirtx.ErrNoDomain):
				return "", nil // a transient VM is gone once destroyed
			case err != nil:
				return "state: unknown (it could not be read after the change: " + err.Error() + ")", nil
			}
			return after, nil
		}})
}

// domainState is a VM's state as its audit entries record it.
func (s *Server) domainState(ctx context.Context, name string) (string, error) {
	ds, err := s.lv.Domains(ctx)
	if err != nil {
		return "", err
	}
	for _, d := range ds {
		if d.Name == name {
			return "state: " + d.State, nil
		}
	}
	return "", noDomain(name)
}

// noDomain is libvirt's own answer for a VM it does not know.
func noDomain(name string) error {
	return &libvirtx.Error{Kind: libvirtx.ErrNoDomain, Msg: fmt.Sprintf("Domain not found: no domain with matching name '%s'", name)}
}
