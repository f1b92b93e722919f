package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/nwfilter-web/nwfilter-web/store"
)

// An admin manages accounts and tokens from the Users page; nobody else sees it.
func TestUsersPage(t *testing.T) {
	s, _, st := newTestServer(t)
	admin := login(t, s, store.RoleAdmin)
	ctx := context.Background()

	for _, role := range []string{store.RoleViewer, store.RoleOperator} {
		if rec := login(t, s, role).do(t, s, "GET", "/users", ""); rec.Code != http.StatusForbidden {
			t.Errorf("GET /users as %s: %d", role, rec.Code)
		}
		if rec := do(t, s, "POST", "/users", form("user", "mallory", "role", "admin", "password", "long enough", "password2", "long enough"), "As", role); rec.Code != http.StatusForbidden {
			t.Errorf("POST /users as %s: %d", role, rec.Code)
		}
	}
	if rec := login(t, s, store.RoleViewer).do(t, s, "GET", "/filters", ""); strings.Contains(rec.Body.String(), `href="/users"`) {
		t.Error("a viewer's pages link to Users")
	}
	page := admin.do(t, s, "GET", "/users", "")
	if page.Code != http.StatusOK || doc(t, page).Find(`[data-testid="user-list"]`).Length() != 1 || !strings.Contains(page.Body.String(), `href="/users"`) {
		t.Fatalf("the Users page: %d\n%s", page.Code, page.Body)
	}

	// Refusals name the field, keep what was typed, and change nothing.
	for _, tt := range []struct {
		form  string
		code  int
		field string
		want  string
	}{
		{form("user", "<b>x</b>", "role", "viewer", "password", "long enough", "password2", "long enough"), 400, "user", "letters, digits"},
		{form("user", "carol", "role", "viewer", "password", "long enough", "password2", "different"), 400, "password2", "differ"},
		{form("user", "carol", "role", "viewer", "password", "short", "password2", "short"), 400, "password", "8 to 1024"},
		{form("user", "carol", "role", "root", "password", "long enough", "password2", "long enough"), 400, "role", "viewer, operator or admin"},
		{form("user", "admin", "role", "viewer", "password", "long enough", "password2", "long enough"), 409, "user", "exists already"},
	} {
		rec := admin.do(t, s, "POST", "/users", tt.form)
		d := doc(t, rec)
		if rec.Code != tt.code || !strings.Contains(d.Find(`[data-testid="user-form"] [data-testid="error"]`).Text(), tt.want) {
			t.Errorf("%s: %d %q", tt.form, rec.Code, d.Find(`[data-testid="error"]`).Text())
		}
		if d.Find(`[data-testid="user-password"]`).AttrOr("value", "") != "" {
			t.Errorf("%s: the password came back in the page", tt.form)
		}
	}
	if us, _ := st.Users(ctx); len(us) != 3 {
		t.Errorf("refused forms made users: %v", us)
	}

	rec := admin.do(t, s, "POST", "/users", form("user", "carol", "role", "operator", "password", "long enough", "password2", "long enough"))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create carol: %d %s", rec.Code, rec.Body)
	}
	if u, err := st.Authenticate(ctx, "carol", "long enough"); err != nil || u.Role != store.RoleOperator {
		t.Errorf("carol: %+v %v", u, err)
	}
	if rec := admin.do(t, s, "POST", "/users/carol/role", form("role", "viewer")); rec.Code != http.StatusSeeOther {
		t.Errorf("carol to viewer: %d %s", rec.Code, rec.Body)
	}
	if u, _ := st.UserByName(ctx, "carol"); u.Role != store.RoleViewer {
		t.Errorf("carol's role: %s", u.Role)
	}

	// A token is shown once, on the page, never in a URL.
	rec = admin.do(t, s, "POST", "/tokens", form("user", "carol", "name", "backup"))
	tok := doc(t, rec).Find(`[data-testid="new-token-value"]`).Text()
	if rec.Code != http.StatusOK || !strings.HasPrefix(tok, store.TokenPrefix) || rec.Header().Get("Location") != "" {
		t.Fatalf("create token: %d %q", rec.Code, tok)
	}
	if u, err := st.TokenUser(ctx, tok); err != nil || u.Name != "carol" {
		t.Errorf("the new token: %+v %v", u, err)
	}
	if rec := admin.do(t, s, "POST", "/tokens", form("user", "carol", "name", strings.Repeat("x", 101))); rec.Code != http.StatusBadRequest {
		t.Errorf("a long label: %d", rec.Code)
	}
	ts, _ := st.Tokens(ctx)
	var id string
	for _, tk := range ts {
		if tk.User == "carol" {
			id = strconv.FormatInt(tk.ID, 10)
		}
	}
	if rec := admin.do(t, s, "POST", "/tokens/"+id+"/revoke", ""); rec.Code != http.StatusSeeOther {
		t.Errorf("revoke: %d %s", rec.Code, rec.Body)
	}
	if _, err := st.TokenUser(ctx, tok); err == nil {
		t.Error("the revoked token still works")
	}
	if rec := admin.do(t, s, "POST", "/tokens/x/revoke", ""); rec.Code != http.StatusBadRequest {
		t.Errorf("revoke x: %d", rec.Code)
	}

	// Not oneself, and never the last admin.
	if rec := admin.do(t, s, "POST", "/users/admin/delete", ""); rec.Code != http.StatusBadRequest ||
		!strings.Contains(rec.Body.String(), "your own account") {
		t.Errorf("deleting oneself: %d", rec.Code)
	}
	if rec := admin.do(t, s, "POST", "/users/admin/role", form("role", "viewer")); rec.Code != http.StatusConflict ||
		!strings.Contains(rec.Body.String(), "last admin") {
		t.Errorf("demoting the last admin: %d", rec.Code)
	}
	if rec := admin.do(t, s, "POST", "/users/nobody/delete", ""); rec.Code != http.StatusNotFound {
		t.Errorf("deleting nobody: %d", rec.Code)
	}
	if rec := admin.do(t, s, "POST", "/users/carol/delete", ""); rec.Code != http.StatusSeeOther {
		t.Errorf("deleting carol: %d %s", rec.Code, rec.Body)
	}
	if _, err := st.UserByName(ctx, "carol"); err == nil {
		t.Error("carol is still there")
	}
}
