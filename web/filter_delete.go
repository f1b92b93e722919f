package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// confirmDeleteFilter asks before undefining, or shows the filter's users when it is in use.
func (s *Server) confirmDeleteFilter(c echo.Context) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	name := c.Param("name")
	_, inv, err := s.filterInventory(ctx, name)
	if err != nil {
		return err
	}
	return s.render(c, views.FilterDeleteView(views.FilterDelete{
		Meta: s.meta(c, "Delete "+name, "filters"), Name: name, UsedBy: s.filterUsers(inv, name)}))
}

// deleteFilter undefines the filter; when libvirt refuses because it is in use, the page lists
// who uses it.
func (s *Server) deleteFilter(c echo.Context) error {
	name := c.Param("name")
	err := s.undefineFilter(c, name)
	if errors.Is(err, libvirtx.ErrFilterInUse) {
		ctx, cancel := s.ctx(c)
		defer cancel()
		var users []views.Use
		if inv, ierr := s.loadInventory(ctx); ierr == nil {
			users = s.filterUsers(inv, name)
		}
		return s.renderStatus(c, http.StatusConflict, views.FilterDeleteView(views.FilterDelete{
			Meta: s.meta(c, "Delete "+name, "filters"), Name: name, UsedBy: users, Error: err.Error()}))
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/filters?done="+url.QueryEscape("Filter "+name+" deleted."))
}

func (s *Server) undefineFilter(c echo.Context, name string) error {
	return s.apply(c, change{action: actFilterUndefine, target: name,
		before: func(ctx context.Context) (string, error) { return s.lv.FilterXML(ctx, name) },
		do:     func(ctx context.Context) (string, error) { return "", s.lv.UndefineFilter(ctx, name) }})
}

// filterUsers is who uses the filter: NICs and bindings, and other filters that reference it.
func (s *Server) filterUsers(inv *inventory, name string) []views.Use {
	users := inv.usesOf(name)
	for _, f := range inv.filters {
		for _, r := range inv.refs[f.Name] {
			if r == name {
				users = append(users, views.Use{Kind: "filter", Label: f.Name})
				break
			}
		}
	}
	return users
}
