package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/views"
)

// createToken makes an API token and shows it once, on the page itself: never in a URL or a
// redirect, where it would end up in the history and in logs.
func (s *Server) createToken(c echo.Context) error {
	user, name := c.FormValue("user"), strings.TrimSpace(c.FormValue("name"))
	_, tok, err := s.accounts.CreateToken(c.Request().Context(), user, name)
	if err != nil {
		return s.usersRefused(c, err)
	}
	s.log.Info("API token created", "user", user, "label", name, "by", actor(c))
	p, err := s.usersPage(c)
	if err != nil {
		return err
	}
	p.NewToken, p.NewTokenOwner, p.TokenUser = tok, user, user
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, views.UsersView(p))
}

// revokeToken revokes an API token by its ID.
func (s *Server) revokeToken(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return badField("id", "%q is not a token ID", c.Param("id"))
	}
	if err := s.accounts.RevokeToken(c.Request().Context(), id); err != nil {
		return s.usersRefused(c, err)
	}
	s.log.Info("API token revoked", "id", id, "by", actor(c))
	return c.Redirect(http.StatusSeeOther, "/users?done="+url.QueryEscape("Token "+strconv.FormatInt(id, 10)+" revoked.")+"#tokens")
}
