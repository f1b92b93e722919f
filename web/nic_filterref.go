package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// setNICFilter attaches or changes the filter of one NIC from the VM page.
func (s *Server) setNICFilter(c echo.Context) error {
	ref := &libvirtx.FilterRef{Filter: strings.TrimSpace(c.FormValue("filter"))}
	err := validFilterRef(ref.Filter)
	if form, ferr := c.FormParams(); ferr != nil {
		err = badField("params", "reading the form: %v", ferr)
	} else if err == nil {
		ref.Parameters, err = paramsFromForm(form)
	}
	if err == nil {
		err = s.setFilterRef(c, c.Param("name"), c.Param("mac"), ref)
	}
	return s.nicResult(c, err, "Filter "+ref.Filter+" attached.", ref)
}

// clearNICFilter detaches the filter of one NIC.
func (s *Server) clearNICFilter(c echo.Context) error {
	err := s.setFilterRef(c, c.Param("name"), c.Param("mac"), nil)
	return s.nicResult(c, err, "Filter detached.", nil)
}

// nicResult answers a NIC form: the NIC's fragment for HTMX (with the error on its row, and
// what was typed kept in the form), a redirect to the VM page otherwise.
func (s *Server) nicResult(c echo.Context, err error, done string, typed *libvirtx.FilterRef) error {
	if !isFragment(c) {
		if err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/domains?done="+url.QueryEscape(done))
	}
	status, msg := http.StatusOK, ""
	if err != nil {
		var expected bool
		status, _, msg, expected = classify(err)
		if !expected {
			return err
		}
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	inv, lerr := s.loadInventory(ctx)
	if lerr != nil {
		return lerr
	}
	for _, d := range inv.domains {
		if d.Name != c.Param("name") {
			continue
		}
		for _, n := range d.Interfaces {
			if strings.EqualFold(n.MAC, c.Param("mac")) {
				if err == nil {
					typed = nil // show what libvirt now has
				}
				v := nicView(inv, d.Name, n, typed)
				v.Error = msg
				return s.renderStatus(c, status, views.NICView(v, inv.filterNames()))
			}
		}
	}
	if err != nil {
		return err
	}
	return libvirtx.ErrNoInterface
}

// setFilterRef changes the NIC's filterref, audited with the NIC's XML before and after.
func (s *Server) setFilterRef(c echo.Context, domain, mac string, ref *libvirtx.FilterRef) error {
	mac, err := normalMAC("mac", mac)
	if err != nil {
		return err
	}
	action := actNICSet
	if ref == nil {
		action = actNICClear
	}
	ctx, cancel := s.ctx(c)
	err = s.checkRefParams(ctx, ref)
	cancel()
	if err != nil {
		return err
	}
	return s.apply(c, change{action: action, target: domain + "/" + mac,
		before: func(ctx context.Context) (string, error) { return s.lv.InterfaceXML(ctx, domain, mac) },
		do: func(ctx context.Context) (string, error) {
			_, after, err := s.lv.SetFilterRef(ctx, domain, mac, ref)
			return after, err
		}})
}
