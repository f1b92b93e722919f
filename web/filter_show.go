package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// showFilter is the filter's XML beside the chains libvirt instantiated for one of its ports.
func (s *Server) showFilter(c echo.Context) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	name := c.Param("name")
	xml, inv, err := s.filterInventory(ctx, name)
	if err != nil {
		return err
	}
	p := views.FilterPage{Meta: s.meta(c, "Filter "+name, "filters"), Name: name, XML: xml,
		Row: inv.row(libvirtx.Filter{Name: name, XML: xml})}
	p.Chains, err = s.chains(ctx, inv, name, c.QueryParam("dev"))
	if err != nil {
		return err
	}
	return s.render(c, views.FilterView(p))
}

// showChains is the chains fragment for another port, picked on the filter page.
func (s *Server) showChains(c echo.Context) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	name := c.Param("name")
	_, inv, err := s.filterInventory(ctx, name)
	if err != nil {
		return err
	}
	ch, err := s.chains(ctx, inv, name, c.QueryParam("dev"))
	if err != nil {
		return err
	}
	return s.render(c, views.ChainsView(ch))
}

// chains reads the host's tables cut down to port dev (the first port of the filter when dev
// is empty), or says plainly why they cannot be shown, beside what libvirt predicts for the
// port; for a filter in effect on no port, its preview on a port of the user's choice.
func (s *Server) chains(ctx context.Context, inv *inventory, name, dev string) (views.Chains, error) {
	ch := views.Chains{Filter: name, Ports: inv.portsOf(name), Dev: dev}
	if dev != "" {
		if err := validPortDev(dev); err != nil {
			return ch, err
		}
		if err := notOnPort(name, dev, ch.Ports); err != nil {
			return ch, err
		}
	}
	if ch.Dev == "" && len(ch.Ports) > 0 {
		ch.Dev = ch.Ports[0].Dev
	}
	if ch.Dev == "" {
		ch.XML = inv.filterXML(name)
		p := s.previewPanel(ctx, ch.XML, "Predicted chains",
			"No port uses this filter yet. This is what libvirt would make of it on a port like this one:")
		ch.Preview = &p
		return ch, nil
	}
	actual, notice := s.actualTables(ctx, ch.Dev)
	ch.Notice = notice
	ch.IPTables, ch.IP6, ch.EB = actual.IPTables, actual.IP6Tables, actual.EBTables
	var host *nwfilter.Tables
	if notice == "" {
		host = &nwfilter.Tables{IPTables: actual.IPTables, IP6Tables: actual.IP6Tables, EBTables: actual.EBTables}
	}
	ch.Drift = driftView(s.predictPort(inv, ch.Dev, host))
	return ch, nil
}

// notOnPort refuses to show a port's chains as a filter's when the filter is not in effect
// there: they would be another filter's.
func notOnPort(name, dev string, ports []views.Port) error {
	var devs []string
	for _, p := range ports {
		if p.Dev == dev {
			return nil
		}
		devs = append(devs, p.Dev)
	}
	where := "on no port"
	if len(devs) > 0 {
		where = "only on " + strings.Join(devs, ", ")
	}
	return &fieldError{Field: "dev", Status: http.StatusNotFound,
		Msg: fmt.Sprintf("filter %s is not in effect on port %s (it is in effect %s)", name, dev, where)}
}

// actualTables reads this host's firewall cut down to port dev. The notice says why it cannot
// when the connection is to another host or the tables cannot be read.
func (s *Server) actualTables(ctx context.Context, dev string) (libvirtx.HostTables, string) {
	if !s.lv.Local() {
		return libvirtx.HostTables{}, "The libvirt connection (" + s.lv.URI() + ") is not to this host, so its firewall cannot be read from here."
	}
	t, err := s.tables(ctx)
	if err != nil {
		return libvirtx.HostTables{}, "This host's firewall cannot be read: " + err.Error()
	}
	return libvirtx.HostTables{
		IPTables:  nwfilter.PortTables(t.IPTables, dev),
		IP6Tables: nwfilter.PortTables(t.IP6Tables, dev),
		EBTables:  nwfilter.PortTables(t.EBTables, dev),
	}, ""
}
