package web

import (
	"time"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/store"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// listUsers is the Users page: accounts with their roles, and API tokens.
func (s *Server) listUsers(c echo.Context) error {
	p, err := s.usersPage(c)
	if err != nil {
		return err
	}
	return s.render(c, views.UsersView(p))
}

// usersPage reads the accounts and tokens; handlers fill in a form or a new token.
func (s *Server) usersPage(c echo.Context) (views.Users, error) {
	ctx := c.Request().Context()
	us, err := s.accounts.Users(ctx)
	if err != nil {
		return views.Users{}, err
	}
	ts, err := s.accounts.Tokens(ctx)
	if err != nil {
		return views.Users{}, err
	}
	p := views.Users{Meta: s.meta(c, "Users", "users"), Roles: []string{store.RoleViewer, store.RoleOperator, store.RoleAdmin},
		UserForm: views.UserForm{Role: store.RoleViewer}}
	p.Self, _ = currentUser(c)
	for _, u := range us {
		p.Users = append(p.Users, views.UserRow{Name: u.Name, Role: u.Role, Created: stamp(u.Created)})
	}
	for _, t := range ts {
		row := views.TokenRow{ID: t.ID, User: t.User, Name: t.Name, Created: stamp(t.Created), LastUsed: "never"}
		if !t.LastUsed.IsZero() {
			row.LastUsed = stamp(t.LastUsed)
		}
		if !t.Revoked.IsZero() {
			row.Revoked = stamp(t.Revoked)
		}
		p.Tokens = append(p.Tokens, row)
	}
	return p, nil
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }
