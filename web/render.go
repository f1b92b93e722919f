package web

import (
	"context"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/views"
)

// render writes a component with status 200.
func (s *Server) render(c echo.Context, comp templ.Component) error {
	return s.renderStatus(c, http.StatusOK, comp)
}

// renderStatus is the one render helper: the component into a pooled buffer, then the response.
func (s *Server) renderStatus(c echo.Context, status int, comp templ.Component) error {
	buf := templ.GetBuffer()
	defer templ.ReleaseBuffer(buf)
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// isFragment is true for HTMX requests that want a fragment (not boosted page loads).
func isFragment(c echo.Context) bool {
	h := c.Request().Header
	return h.Get("HX-Request") == "true" && h.Get("HX-Boosted") != "true"
}

// meta is the frame every page shows: who is logged in, the connection and its state.
func (s *Server) meta(c echo.Context, title, nav string) views.Meta {
	m := views.Meta{Title: title, Nav: nav, Asset: assetURL, Insecure: s.auth.insecure}
	m.User, m.Role = currentUser(c)
	if m.User == "" {
		// Nobody logged in: the login page says nothing about libvirt (and costs it nothing).
		return m
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.timeout)
	defer cancel()
	v, err := s.lv.Version(ctx)
	m.URI, m.Version, m.Reachable = s.lv.URI(), v, err == nil
	m.Flash, m.Warn = s.takeFlash(c)
	return m
}
