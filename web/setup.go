package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/store"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// setupOpen reports whether the first-run page may answer: only from this host, and only while
// no account exists. Anyone else gets a plain 404, as if there were no such page.
func (s *Server) setupOpen(c echo.Context) error {
	if !isLoopback(c) {
		return echo.ErrNotFound
	}
	n, err := s.accounts.CountUsers(c.Request().Context())
	if err != nil {
		return err
	}
	if n > 0 {
		return echo.ErrNotFound
	}
	return nil
}

// showSetup is the first-run page.
func (s *Server) showSetup(c echo.Context) error {
	if err := s.setupOpen(c); err != nil {
		return err
	}
	return s.render(c, views.SetupView(views.Setup{Meta: s.meta(c, "First run", "")}))
}

// setup creates the first admin and logs them in.
func (s *Server) setup(c echo.Context) error {
	if err := s.setupOpen(c); err != nil {
		return err
	}
	name := strings.TrimSpace(c.FormValue("user"))
	pw := c.FormValue("password")
	refuse := func(field, msg string) error {
		return s.renderStatus(c, http.StatusBadRequest, views.SetupView(views.Setup{
			Meta: s.meta(c, "First run", ""), User: name, Error: msg, Field: field}))
	}
	if pw != c.FormValue("password2") {
		return refuse("password2", "The two passwords differ.")
	}
	u, err := s.accounts.CreateFirstAdmin(c.Request().Context(), name, pw)
	if errors.Is(err, store.ErrNotFirstUser) {
		return echo.ErrNotFound
	}
	if err != nil {
		if field, msg := accountRefusal(err); msg != "" {
			return refuse(field, msg)
		}
		return err
	}
	s.log.Info("first admin created", "user", u.Name, "client", c.RealIP())
	if err := s.startSession(c, u); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/filters")
}
