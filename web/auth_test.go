package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nwfilter-web/nwfilter-web/store"
)

// TestNothingAnswersWithoutLogin walks the whole route table: without credentials, every
// route but the public ones redirects pages to the login page and answers the API with 401.
func TestNothingAnswersWithoutLogin(t *testing.T) {
	s, fake, st := newTestServer(t)
	fake.filters["test-filter"] = seedXML
	n := 0
	for _, r := range s.echo.Routes() {
		if s.public[r.Path] {
			continue
		}
		path := strings.NewReplacer(":name", "test-filter", ":mac", "52:54:00:00:00:01", ":dev", "vnet0", ":file", "x").Replace(r.Path)
		rec := do(t, s, r.Method, path, "", "As", "anonymous")
		n++
		if strings.HasPrefix(r.Path, "/api/") {
			var e apiError
			if rec.Code != http.StatusUnauthorized || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error == "" ||
				rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s: %d %s, want 401 JSON", r.Method, path, rec.Code, rec.Body)
			}
			continue
		}
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
			t.Errorf("%s %s: %d %q, want a redirect to /login", r.Method, path, rec.Code, rec.Header().Get("Location"))
		}
		if strings.Contains(rec.Body.String(), "test-filter") {
			t.Errorf("%s %s leaked data", r.Method, path)
		}
	}
	if n < 25 {
		t.Errorf("only %d routes checked", n)
	}
	if fake.calls != 0 || len(auditRows(t, st)) != 0 {
		t.Errorf("anonymous requests reached libvirt (%d calls) or the history", fake.calls)
	}
	// What does answer: the login page and the static files, without saying anything of libvirt.
	rec := do(t, s, "GET", "/login", "", "As", "anonymous")
	if rec.Code != 200 || doc(t, rec).Find(`[data-testid="login-form"]`).Length() != 1 || strings.Contains(rec.Body.String(), "qemu:///") {
		t.Errorf("login page: %d", rec.Code)
	}
	if rec := do(t, s, "GET", assetURL("htmx.min.js"), "", "As", "anonymous"); rec.Code != 200 {
		t.Errorf("static file: %d", rec.Code)
	}
	// HTMX requests are told to go to the login page.
	rec = do(t, s, "POST", "/domains/kvmdom/start", "", "As", "anonymous", "HX-Request", "true")
	if rec.Code != http.StatusUnauthorized || rec.Header().Get("HX-Redirect") != "/login" {
		t.Errorf("HTMX without login: %d %v", rec.Code, rec.Header())
	}
	// A bad token is refused, even on a page.
	for _, h := range []string{"Bearer nwf_nope", "Basic YWRtaW46eA==", "Bearer "} {
		if rec := do(t, s, "GET", "/filters", "", "Authorization", h); rec.Code != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d", h, rec.Code)
		}
	}
}

func TestRoles(t *testing.T) {
	s, fake, _ := newTestServer(t)
	fake.filters["test-filter"] = seedXML
	attach := `{"filter":"test-filter"}`
	for _, tt := range []struct {
		role, method, path, body string
		want                     int
	}{
		{"viewer", "GET", "/api/v1/filters", "", 200},
		{"viewer", "GET", "/filters", "", 200},
		{"viewer", "PUT", "/api/v1/domains/kvmdom/interfaces/52:54:00:00:00:01/filterref", attach, 403},
		{"viewer", "POST", "/api/v1/domains/kvmdom/stop", "", 403},
		{"viewer", "PUT", "/api/v1/filters/test-filter", seedXML, 403},
		{"viewer", "POST", "/bindings", form("portdev", "vnet5", "mac", "52:54:00:00:00:05", "filter", "test-filter"), 403},
		{"operator", "PUT", "/api/v1/domains/kvmdom/interfaces/52:54:00:00:00:01/filterref", attach, 200},
		{"operator", "DELETE", "/api/v1/domains/kvmdom/interfaces/52:54:00:00:00:01/filterref", "", 204},
		{"operator", "POST", "/api/v1/bindings", `{"portdev":"vnet5","mac":"52:54:00:00:00:05","filter":"test-filter"}`, 201},
		{"operator", "DELETE", "/api/v1/bindings/vnet5", "", 204},
		{"operator", "PUT", "/api/v1/filters/test-filter", seedXML, 403},
		{"operator", "DELETE", "/api/v1/filters/test-filter", "", 403},
		{"operator", "POST", "/filters", form("xml", seedXML), 403},
		{"admin", "PUT", "/api/v1/filters/test-filter", seedXML, 200},
	} {
		rec := do(t, s, tt.method, tt.path, tt.body, "As", tt.role)
		if rec.Code != tt.want {
			t.Errorf("%s %s %s: %d %s, want %d", tt.role, tt.method, tt.path, rec.Code, rec.Body, tt.want)
		}
		if tt.want == 403 && !strings.Contains(rec.Body.String(), "your role ("+tt.role+")") {
			t.Errorf("%s %s %s: refusal does not name the role: %s", tt.role, tt.method, tt.path, rec.Body)
		}
	}
}

func TestLoginSessionAndCSRF(t *testing.T) {
	s, fake, st := newTestServer(t)
	fake.filters["test-filter"] = seedXML
	sess := login(t, s, "operator")
	if !sess.cookie.HttpOnly || sess.cookie.SameSite != http.SameSiteStrictMode || sess.cookie.Secure {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, not Secure without TLS", sess.cookie)
	}
	page := sess.do(t, s, "GET", "/domains", "")
	d := doc(t, page)
	if d.Find(`[data-testid="user-name"]`).Text() != "operator" || !strings.Contains(d.Find("body").AttrOr("hx-headers", ""), sess.csrf) {
		t.Errorf("page after login: user %q, hx-headers %q", d.Find(`[data-testid="user-name"]`).Text(), d.Find("body").AttrOr("hx-headers", ""))
	}
	if n := d.Find(`form[method="post"] input[name="csrf_token"]`).Length(); n < d.Find(`form[method="post"]`).Length() {
		t.Errorf("%d of %d forms carry the CSRF token", n, d.Find(`form[method="post"]`).Length())
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"} {
		if page.Header().Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	if csp := page.Header().Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	start := "/domains/kvmdom/interfaces/52:54:00:00:00:01/filterref"
	body := form("filter", "test-filter")
	// Without the token, with a wrong one, or from another site: refused before libvirt.
	for name, hdr := range map[string][]string{
		"no token":     {"X-CSRF-Token", ""},
		"wrong token":  {"X-CSRF-Token", "x" + sess.csrf},
		"cross-site":   {"Sec-Fetch-Site", "cross-site"},
		"other origin": {"Origin", "https://evil.example"},
	} {
		rec := sess.do(t, s, "POST", start, body, hdr...)
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s: %d %s", name, rec.Code, rec.Body)
		}
	}
	if fake.calls != 0 || len(auditRows(t, st)) != 0 {
		t.Fatalf("a refused request reached libvirt or the history")
	}
	// With the header (HTMX) and with the hidden field (a plain form), it goes through.
	if rec := sess.do(t, s, "POST", start, body); rec.Code != http.StatusSeeOther {
		t.Errorf("with the header: %d %s", rec.Code, rec.Body)
	}
	if rec := sess.do(t, s, "POST", start, body+"&csrf_token="+url.QueryEscape(sess.csrf), "X-CSRF-Token", ""); rec.Code != http.StatusSeeOther {
		t.Errorf("with the form field: %d %s", rec.Code, rec.Body)
	}
	if es := auditRows(t, st); len(es) != 2 || es[0].Actor != "operator" {
		t.Errorf("audit rows %+v, want 2 by operator", es)
	}
	// A cookie-authenticated API mutation needs the token too.
	if rec := sess.do(t, s, "DELETE", "/api/v1/domains/kvmdom/interfaces/52:54:00:00:00:01/filterref", "", "X-CSRF-Token", ""); rec.Code != http.StatusForbidden {
		t.Errorf("cookie API call without CSRF token: %d", rec.Code)
	}
	// Logging out ends the session.
	if rec := sess.do(t, s, "POST", "/logout", ""); rec.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", rec.Code)
	}
	if rec := sess.do(t, s, "GET", "/filters", ""); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("after logout: %d", rec.Code)
	}
}

func TestLoginRateLimit(t *testing.T) {
	s, _, _ := newTestServer(t)
	testToken(t, s, "viewer")
	post := func(user, pw, addr string) *httptest.ResponseRecorder {
		get := httptest.NewRequest("GET", "/login", nil)
		get.RemoteAddr = addr
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, get)
		pre := cookieNamed(rec.Result().Cookies(), preLoginCookie)
		tok, _ := doc(t, rec).Find(`input[name="csrf_token"]`).Attr("value")
		req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"user": {user}, "password": {pw}, "csrf_token": {tok}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = addr
		req.AddCookie(pre)
		rec = httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec
	}
	for i := range loginFailures {
		// Different addresses: the limit per user name holds across them.
		if rec := post("viewer", "wrong", "192.0.2."+string(rune('1'+i))+":1"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, rec.Code)
		}
	}
	rec := post("viewer", testPassword, "192.0.2.9:1")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" ||
		!strings.Contains(doc(t, rec).Find(`[data-testid="error"]`).Text(), "try again in") {
		t.Errorf("after %d failures: %d %s", loginFailures, rec.Code, rec.Body)
	}
	// Time passes: the window moves on.
	s.logins.now = func() time.Time { return time.Now().Add(loginWindow) }
	if rec := post("viewer", testPassword, "192.0.2.9:1"); rec.Code != http.StatusSeeOther {
		t.Errorf("after the window: %d", rec.Code)
	}
}

func TestFirstRunPage(t *testing.T) {
	s, _, st := newTestServer(t)
	req := func(method, target, body, addr string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		r.RemoteAddr = addr
		if body != "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for _, c := range cookies {
			r.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		return rec
	}
	// From another host: no such page, and X-Forwarded-For does not make it local.
	if rec := req("GET", "/setup", "", "192.0.2.1:5"); rec.Code != http.StatusNotFound {
		t.Errorf("setup from afar: %d", rec.Code)
	}
	r := httptest.NewRequest("GET", "/setup", nil)
	r.Header.Set("X-Forwarded-For", "127.0.0.1")
	if rec := httptest.NewRecorder(); func() int { s.ServeHTTP(rec, r); return rec.Code }() != http.StatusNotFound {
		t.Errorf("setup with a forged X-Forwarded-For: %d", rec.Code)
	}
	// From this host, the login page sends there while no account exists.
	if rec := req("GET", "/login", "", "127.0.0.1:5"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/setup" {
		t.Errorf("login with no users: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	rec := req("GET", "/setup", "", "127.0.0.1:5")
	pre := cookieNamed(rec.Result().Cookies(), preLoginCookie)
	tok, _ := doc(t, rec).Find(`input[name="csrf_token"]`).Attr("value")
	if rec.Code != 200 || pre == nil || tok == "" {
		t.Fatalf("setup page: %d", rec.Code)
	}
	if rec := req("POST", "/setup", form("user", "root", "password", "correct horse", "password2", "correct horse"), "127.0.0.1:5", pre); rec.Code != http.StatusForbidden {
		t.Errorf("setup without CSRF token: %d", rec.Code)
	}
	if rec := req("POST", "/setup", form("user", "root", "password", "correct horse", "password2", "other", "csrf_token", tok), "127.0.0.1:5", pre); rec.Code != 400 {
		t.Errorf("differing passwords: %d", rec.Code)
	}
	rec = req("POST", "/setup", form("user", "root", "password", "correct horse", "password2", "correct horse", "csrf_token", tok), "127.0.0.1:5", pre)
	if rec.Code != http.StatusSeeOther || cookieNamed(rec.Result().Cookies(), sessionCookie) == nil {
		t.Fatalf("setup: %d %s", rec.Code, rec.Body)
	}
	if u, err := st.UserByName(context.Background(), "root"); err != nil || u.Role != store.RoleAdmin {
		t.Errorf("first admin: %+v %v", u, err)
	}
	// Once an account exists the page is gone.
	if rec := req("GET", "/setup", "", "127.0.0.1:5"); rec.Code != http.StatusNotFound {
		t.Errorf("setup after the first admin: %d", rec.Code)
	}
}
