package web

import (
	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/views"
)

// listFilters shows every filter, shipped ones too, with where each is in use.
func (s *Server) listFilters(c echo.Context) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	inv, err := s.loadInventory(ctx)
	if err != nil {
		return err
	}
	p := views.FilterList{Meta: s.meta(c, "Filters", "filters")}
	for _, f := range inv.filters {
		p.Filters = append(p.Filters, inv.row(f))
	}
	return s.render(c, views.FilterListView(p))
}
