package web

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nwfilter-web/nwfilter-web/store"
)

// TestUsersBrowser adds a user on the Users page in real Chromium, changes their role, and
// deletes them after the page asks (hx-confirm: the test answers the browser's confirm).
func TestUsersBrowser(t *testing.T) {
	ctx := newBrowser(t)
	s, _, st := newTestServer(t)
	srv := httptest.NewServer(s)
	defer srv.Close()
	loginBrowser(t, ctx, srv.URL, s)
	row := `[data-testid="user-dora"] `
	browse(t, ctx, "add dora as a viewer",
		chromedp.Click(css(`nav a[href="/users"]`)),
		chromedp.WaitVisible(css(`[data-testid="user-form"]`)),
		htmxSettled(),
		chromedp.SetValue(css(`[data-testid="new-user-name"]`), "dora"),
		chromedp.SetValue(css(`[data-testid="user-password"]`), "dora's password"),
		chromedp.SetValue(css(`[data-testid="user-password2"]`), "dora's password"),
		chromedp.Click(css(`[data-testid="user-create"]`)),
		waitText(`[data-testid="flash"]`, "User dora created with role viewer."),
		chromedp.WaitVisible(css(row+`[data-testid="user-role"]`)),
		htmxSettled(),
	)
	browse(t, ctx, "make dora an operator",
		pick(row+`[data-testid="user-role"]`, "operator"),
		chromedp.Click(css(row+`[data-testid="user-role-save"]`)),
		waitText(`[data-testid="flash"]`, "dora is now operator."),
		htmxSettled(),
	)
	if u, err := st.UserByName(context.Background(), "dora"); err != nil || u.Role != store.RoleOperator {
		t.Fatalf("dora: %+v %v", u, err)
	}
	browse(t, ctx, "create a token for dora: shown once, the address bar stays on /users",
		chromedp.Click(css(`[data-testid="token-create"]`)),
		chromedp.WaitVisible(css(`[data-testid="new-token-value"]`)),
		htmxSettled(),
		chromedp.Poll[chromedp.Void](`location.pathname === '/users'`),
	)
	var asked bool
	browse(t, ctx, "delete dora, confirming",
		chromedp.Evaluate[chromedp.Void](`window.confirmed = ''; window.confirm = (m) => { window.confirmed = m; return true; }`),
		chromedp.Click(css(row+`[data-testid="user-delete"]`)),
		waitText(`[data-testid="flash"]`, "User dora deleted"),
	)
	asked = read(t, ctx, "the question", chromedp.Evaluate[bool](`(window.confirmed || '').includes('dora')`))
	if !asked {
		t.Error("the page did not ask before deleting dora")
	}
	if _, err := st.UserByName(context.Background(), "dora"); err == nil {
		t.Error("dora is still there")
	}
}
