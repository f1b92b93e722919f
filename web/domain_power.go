package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// startDomain starts a VM, so its NICs' filters get instantiated.
func (s *Server) startDomain(c echo.Context) error {
	name := c.Param("name")
	if err := s.power(c, name, true); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/domains?done="+url.QueryEscape("Domain "+name+" started."))
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
