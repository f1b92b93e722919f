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

// confirmDeleteBinding asks before deleting a binding, and warns when it is a running VM's
// port: deleting it takes the filter off the VM's traffic at once.
func (s *Server) confirmDeleteBinding(c echo.Context) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	dev := c.Param("dev")
	inv, err := s.loadInventory(ctx)
	if err != nil {
		return err
	}
	for _, b := range inv.bindings {
		if b.PortDev != dev {
			continue
		}
		p := views.BindingDelete{Meta: s.meta(c, "Delete the binding on "+dev, "bindings"), Binding: inv.bindingRow(b)}
		return s.render(c, views.BindingDeleteView(p))
	}
	return &libvirtx.Error{Kind: libvirtx.ErrNoBinding, Msg: fmt.Sprintf("there is no filter binding on port %s", dev)}
}

// deleteBinding deletes the binding on a port device.
func (s *Server) deleteBinding(c echo.Context) error {
	dev := c.Param("dev")
	if err := s.removeBinding(c, dev); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/bindings?done="+url.QueryEscape("Binding on "+dev+" deleted."))
}

func (s *Server) removeBinding(c echo.Context, dev string) error {
	if err := validPortDev(dev); err != nil {
		return err
	}
	return s.apply(c, change{action: actBindingDelete, target: dev,
		before: func(ctx context.Context) (string, error) { return s.lv.BindingXML(ctx, dev) },
		do:     func(ctx context.Context) (string, error) { return "", s.lv.DeleteBinding(ctx, dev) }})
}
