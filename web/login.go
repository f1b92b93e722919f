package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/store"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// showLogin is the login page; with no account yet it points at the first-run page.
func (s *Server) showLogin(c echo.Context) error {
	if u, _ := currentUser(c); u != "" {
		return c.Redirect(http.StatusSeeOther, localPath(c.QueryParam("next")))
	}
	p, err := s.loginPage(c, views.Login{Next: localPath(c.QueryParam("next"))})
	if err != nil {
		return err
	}
	if p.NoUsers && p.Setup {
		return c.Redirect(http.StatusSeeOther, "/setup")
	}
	return s.render(c, views.LoginView(p))
}

func (s *Server) loginPage(c echo.Context, p views.Login) (views.Login, error) {
	n, err := s.accounts.CountUsers(c.Request().Context())
	if err != nil {
		return p, err
	}
	p.Meta = s.meta(c, "Log in", "")
	p.NoUsers, p.Setup = n == 0, n == 0 && isLoopback(c)
	return p, nil
}

// login checks the name and password, rate-limited per user name and per client address, and
// starts a session.
func (s *Server) login(c echo.Context) error {
	name := strings.TrimSpace(c.FormValue("user"))
	next := localPath(c.FormValue("next"))
	keys := []string{"user:" + strings.ToLower(name), "ip:" + c.RealIP()}
	refuse := func(status int, msg string) error {
		p, err := s.loginPage(c, views.Login{User: name, Next: next, Error: msg})
		if err != nil {
			return err
		}
		return s.renderStatus(c, status, views.LoginView(p))
	}
	if wait := s.logins.wait(keys...); wait > 0 {
		s.log.Warn("login refused: too many failures", "user", name, "client", c.RealIP(), "retry_in", wait.Round(time.Second))
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+1)))
		return refuse(http.StatusTooManyRequests, fmt.Sprintf(
			"Too many failed logins for this user or from this address: try again in %s.", wait.Round(time.Second)))
	}
	u, err := s.checkPassword(c.Request().Context(), name, c.FormValue("password"))
	if errors.Is(err, store.ErrBadCredentials) {
		s.logins.failed(keys...)
		s.log.Warn("login failed", "user", name, "client", c.RealIP())
		return refuse(http.StatusUnauthorized, "Wrong user name or password.")
	}
	if err != nil {
		return err
	}
	s.logins.succeeded(keys[0])
	s.log.Info("login", "user", u.Name, "role", u.Role, "client", c.RealIP())
	if err := s.startSession(c, u); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// checkPassword runs Authenticate in one of a few slots: argon2id takes 64 MiB for a moment.
func (s *Server) checkPassword(ctx context.Context, name, password string) (store.User, error) {
	select {
	case s.logins.slots <- struct{}{}:
	case <-ctx.Done():
		return store.User{}, ctx.Err()
	}
	defer func() { <-s.logins.slots }()
	return s.accounts.Authenticate(ctx, name, password)
}

// startSession creates a session (a fresh ID at every login) and sets its cookie.
func (s *Server) startSession(c echo.Context, u store.User) error {
	id, _, err := s.accounts.CreateSession(c.Request().Context(), u.ID, s.auth.sessionTTL)
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secure(c), MaxAge: int(s.auth.sessionTTL.Seconds())})
	s.clearCookie(c, preLoginCookie)
	return nil
}

// logout ends the session.
func (s *Server) logout(c echo.Context) error {
	if id, _ := c.Get(ctxSession).(string); id != "" {
		if err := s.accounts.DeleteSession(c.Request().Context(), id); err != nil {
			return err
		}
	}
	s.clearCookie(c, sessionCookie)
	return c.Redirect(http.StatusSeeOther, "/login")
}

// localPath keeps a "next" address on this server: a path, never another host.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") ||
		strings.ContainsAny(p, "\r\n") || strings.HasPrefix(p, "/login") {
		return "/filters"
	}
	return p
}

func randomID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
