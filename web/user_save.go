package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/store"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// createUser adds an account from the form; a refusal comes back beside what was typed (never
// the password).
func (s *Server) createUser(c echo.Context) error {
	form := views.UserForm{Name: strings.TrimSpace(c.FormValue("user")), Role: c.FormValue("role")}
	pw := c.FormValue("password")
	var err error
	if pw != c.FormValue("password2") {
		err = badField("password2", "The two passwords differ.")
	} else {
		_, err = s.accounts.CreateUser(c.Request().Context(), form.Name, form.Role, pw)
	}
	if err != nil {
		form.Field, form.Error = accountRefusal(err)
		return s.usersRefused(c, err, func(p *views.Users) { p.UserForm = form })
	}
	s.log.Info("user created", "user", form.Name, "role", form.Role, "by", actor(c))
	return c.Redirect(http.StatusSeeOther, "/users?done="+url.QueryEscape("User "+form.Name+" created with role "+form.Role+"."))
}

// setUserRole changes an account's role.
func (s *Server) setUserRole(c echo.Context) error {
	name, role := c.Param("user"), c.FormValue("role")
	if err := s.accounts.SetRole(c.Request().Context(), name, role); err != nil {
		return s.usersRefused(c, err)
	}
	s.log.Info("role changed", "user", name, "role", role, "by", actor(c))
	return c.Redirect(http.StatusSeeOther, "/users?done="+url.QueryEscape(name+" is now "+role+"."))
}

// deleteUser removes an account with its sessions and tokens; not one's own (log in as
// another admin for that), and never the last admin.
func (s *Server) deleteUser(c echo.Context) error {
	name := c.Param("user")
	if self, _ := currentUser(c); name == self {
		return s.usersRefused(c, badField("user", "You cannot delete your own account here: log in as another admin."))
	}
	if err := s.accounts.DeleteUser(c.Request().Context(), name); err != nil {
		return s.usersRefused(c, err)
	}
	s.log.Info("user deleted", "user", name, "by", actor(c))
	return c.Redirect(http.StatusSeeOther, "/users?done="+url.QueryEscape("User "+name+" deleted with their sessions and API tokens."))
}

// usersRefused shows the Users page with the refusal: on top, or where show puts it.
func (s *Server) usersRefused(c echo.Context, err error, show ...func(*views.Users)) error {
	_, msg := accountRefusal(err)
	if msg == "" {
		return err
	}
	p, perr := s.usersPage(c)
	if perr != nil {
		return err
	}
	p.Error = msg
	for _, f := range show {
		p.Error = ""
		f(&p)
	}
	return s.renderStatus(c, statusOf(err), views.UsersView(p))
}

// accountRefusal words the store's refusals of an account change for the page, with the field
// they name; "" for an unexpected error.
func accountRefusal(err error) (field, msg string) {
	var fe *fieldError
	switch {
	case errors.As(err, &fe):
		return fe.Field, fe.Msg
	case errors.Is(err, store.ErrInvalidUserName):
		return "user", "A user name is 1 to 64 letters, digits and . _ @ - (starting with a letter or digit)."
	case errors.Is(err, store.ErrUserExists):
		return "user", "A user with that name exists already."
	case errors.Is(err, store.ErrInvalidRole):
		return "role", "The role must be viewer, operator or admin."
	case errors.Is(err, store.ErrWeakPassword):
		return "password", "The password needs 8 to 1024 characters."
	case errors.Is(err, store.ErrTokenLabelLong):
		return "name", "A token's label is at most 100 characters."
	case errors.Is(err, store.ErrLastAdmin):
		return "user", "This is the last admin: make another admin first."
	case errors.Is(err, store.ErrNotFound):
		return "user", "There is no such user (or token)."
	case errors.Is(err, store.ErrReadOnly), errors.Is(err, store.ErrDiskFull):
		return "", "The database cannot be written: " + err.Error()
	}
	return "", ""
}

// statusOf is the HTTP status of an account refusal.
func statusOf(err error) int {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, store.ErrUserExists), errors.Is(err, store.ErrLastAdmin):
		return http.StatusConflict
	case errors.Is(err, store.ErrReadOnly), errors.Is(err, store.ErrDiskFull):
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}
