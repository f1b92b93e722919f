package web

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// createBinding creates a binding from the form; a refusal comes back beside what was typed.
func (s *Server) createBinding(c echo.Context) error {
	form := views.BindingForm{PortDev: strings.TrimSpace(c.FormValue("portdev")), MAC: c.FormValue("mac"),
		Filter: c.FormValue("filter"), Params: c.FormValue("params")}
	b := libvirtx.Binding{PortDev: form.PortDev, MAC: form.MAC, FilterRef: libvirtx.FilterRef{Filter: form.Filter}}
	values, err := c.FormParams()
	if err == nil {
		b.FilterRef.Parameters, err = paramsFromForm(values)
	}
	form.Typed = viewParams(b.FilterRef.Parameters)
	if err == nil {
		err = s.newBinding(c, b)
	}
	if err != nil {
		status, field, msg, expected := classify(err)
		if !expected {
			return err
		}
		form.Error, form.Field = msg, field
		p, perr := s.bindingsPage(c, form)
		if perr != nil {
			return err
		}
		return s.renderStatus(c, status, views.BindingListView(p))
	}
	flash := url.Values{"done": {"Binding on " + b.PortDev + " created."}}
	if w := s.missingPortWarning(b.PortDev); w != "" {
		flash.Set("warn", w)
	}
	return c.Redirect(http.StatusSeeOther, "/bindings?"+flash.Encode())
}

// missingPortWarning warns, on a connection to this host, when it has no network device named
// dev: libvirt creates the binding all the same (a tap may come later), but its chains match no
// traffic until a device of that name appears. Another host's devices cannot be seen from here.
func (s *Server) missingPortWarning(dev string) string {
	if !s.lv.Local() || validPortDev(dev) != nil {
		return ""
	}
	p := filepath.Join(s.netDevDir, dev)
	if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	return fmt.Sprintf("This host has no network device %s (there is no %s): the binding was created, but its "+
		"filter acts on no traffic until a device of that name appears.", dev, p)
}

// newBinding validates and creates a binding, audited.
func (s *Server) newBinding(c echo.Context, b libvirtx.Binding) error {
	if err := validPortDev(b.PortDev); err != nil {
		return err
	}
	mac, err := normalMAC("mac", b.MAC)
	if err != nil {
		return err
	}
	b.MAC = mac
	if err := validFilterRef(b.FilterRef.Filter); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	err = s.checkRefParams(ctx, &b.FilterRef)
	cancel()
	if err != nil {
		return err
	}
	return s.apply(c, change{action: actBindingCreate, target: b.PortDev,
		before: func(ctx context.Context) (string, error) { return s.lv.BindingXML(ctx, b.PortDev) },
		do:     func(ctx context.Context) (string, error) { return s.lv.CreateBinding(ctx, b) }})
}
