package web

// Test helpers for authentication. Every test server gets accounts on demand: `do` sends the
// admin's API token unless the request says otherwise, so handler tests written before accounts
// existed keep working. To send a request as someone else, add the pseudo-header "As":
//
//	do(t, s, "GET", "/filters", "", "As", "anonymous") // no credentials at all
//	do(t, s, "POST", "/bindings", body, "As", "viewer") // the viewer's API token
//
// Browser-like requests with a session cookie and its CSRF token: sess := login(t, s, "admin"),
// then sess.do(t, s, method, target, body, hdr...). Over a real socket: apiClient(t, s) is an
// *http.Client that sends the admin's token; loginBrowser(t, ctx, baseURL, s) logs Chromium in
// through the login page.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"github.com/nwfilter-web/nwfilter-web/store"
)

// testPassword is every test account's password.
const testPassword = "test password 1"

// testCreds are a server's test accounts: one user per role, named after it, each with a token.
type testCreds struct {
	mu     sync.Mutex
	tokens map[string]string // role -> API token
}

var testAccounts sync.Map // *Server -> *testCreds

// testToken is the API token of the test user with role (created on first use).
func testToken(t testing.TB, s *Server, role string) string {
	t.Helper()
	v, _ := testAccounts.LoadOrStore(s, &testCreds{tokens: map[string]string{}})
	cr := v.(*testCreds)
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if tok, ok := cr.tokens[role]; ok {
		return tok
	}
	st, ok := s.accounts.(*store.Store)
	if !ok {
		t.Fatalf("test server has no *store.Store for accounts (%T)", s.accounts)
	}
	ctx := context.Background()
	if _, err := st.UserByName(ctx, role); err != nil {
		if _, err := st.CreateUser(ctx, role, role, testPassword); err != nil {
			t.Fatalf("creating test user %s: %v", role, err)
		}
	}
	_, tok, err := st.CreateToken(ctx, role, "test")
	if err != nil {
		t.Fatalf("creating test token for %s: %v", role, err)
	}
	cr.tokens[role] = tok
	return tok
}

// authorizeTestRequest adds the credentials do sends: the admin's token by default, another
// role's with "As: ROLE", none with "As: anonymous" or when the request has an Authorization
// header or a session cookie of its own.
func authorizeTestRequest(t testing.TB, h http.Handler, req *http.Request) {
	t.Helper()
	as := req.Header.Get("As")
	req.Header.Del("As")
	s, ok := h.(*Server)
	if !ok || as == "anonymous" || req.Header.Get("Authorization") != "" || req.Header.Get("Cookie") != "" {
		return
	}
	if as == "" {
		as = store.RoleAdmin
	}
	req.Header.Set("Authorization", "Bearer "+testToken(t, s, as))
}

// testSession is a logged-in browser: its session cookie and CSRF token.
type testSession struct {
	cookie *http.Cookie
	csrf   string
}

// login logs the test user with role in through the login form, as a browser would.
func login(t testing.TB, s *Server, role string) *testSession {
	t.Helper()
	testToken(t, s, role) // makes the user
	return loginUser(t, s, role)
}

// loginUser logs in user (who must have the password testPassword) through the login form.
func loginUser(t testing.TB, s *Server, role string) *testSession {
	t.Helper()
	get := httptest.NewRequest("GET", "/login", nil)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, get)
	pre := cookieNamed(rec.Result().Cookies(), preLoginCookie)
	d, err := goquery.NewDocumentFromReader(rec.Body)
	if err != nil || pre == nil {
		t.Fatalf("login page: %v %d", err, rec.Code)
	}
	tok, _ := d.Find(`input[name="csrf_token"]`).Attr("value")
	body := url.Values{"user": {role}, "password": {testPassword}, "csrf_token": {tok}}.Encode()
	post := httptest.NewRequest("POST", "/login", strings.NewReader(body))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.AddCookie(pre)
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, post)
	sc := cookieNamed(rec.Result().Cookies(), sessionCookie)
	if rec.Code != http.StatusSeeOther || sc == nil {
		t.Fatalf("login as %s: %d %s", role, rec.Code, rec.Body)
	}
	// The session's CSRF token is on every page (<body hx-headers>, hidden fields).
	sess := &testSession{cookie: sc}
	page := sess.do(t, s, "GET", "/audit", "")
	d, _ = goquery.NewDocumentFromReader(page.Body)
	sess.csrf, _ = d.Find(`input[name="csrf_token"]`).First().Attr("value")
	if sess.csrf == "" {
		t.Fatalf("no CSRF token on the page after login: %s", page.Body)
	}
	return sess
}

// do sends a request with the session cookie and, for state-changing methods, the CSRF token
// in the X-CSRF-Token header (as HTMX does), unless hdr sets that header itself.
func (ts *testSession) do(t testing.TB, s http.Handler, method, target, body string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	if !isSafeMethod(method) && !hasHeader(hdr, "X-CSRF-Token") && ts.csrf != "" {
		hdr = append(hdr, "X-CSRF-Token", ts.csrf)
	}
	return do(t, s, method, target, body, append(hdr, "Cookie", ts.cookie.Name+"="+ts.cookie.Value)...)
}

func hasHeader(hdr []string, name string) bool {
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], name) {
			return true
		}
	}
	return false
}

func cookieNamed(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name && c.Value != "" {
			return c
		}
	}
	return nil
}

// tokenTransport adds a bearer token to every request.
type tokenTransport struct{ token string }

func (tt tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if r.Header.Get("Authorization") == "" {
		r.Header.Set("Authorization", "Bearer "+tt.token)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// apiClient is an HTTP client that sends the admin's API token of s (for httptest.NewServer(s)).
func apiClient(t testing.TB, s *Server) *http.Client {
	return apiClientAs(t, s, store.RoleAdmin)
}

// apiClientAs is apiClient with the token of the test user with role.
func apiClientAs(t testing.TB, s *Server, role string) *http.Client {
	return &http.Client{Transport: tokenTransport{token: testToken(t, s, role)}}
}

// loginBrowser logs Chromium in as the test admin through the login page of the server at
// baseURL (httptest.NewServer(s)).
func loginBrowser(t *testing.T, ctx context.Context, baseURL string, s *Server) {
	t.Helper()
	testToken(t, s, store.RoleAdmin) // makes the user
	browse(t, ctx, "log in through the login page",
		chromedp.Navigate(baseURL+"/filters"),
		chromedp.WaitVisible(css(`[data-testid="login-form"]`)),
		chromedp.SetValue(css(`[data-testid="login-user"]`), store.RoleAdmin),
		chromedp.SetValue(css(`[data-testid="login-password"]`), testPassword),
		chromedp.Click(css(`[data-testid="login-submit"]`)),
		chromedp.WaitVisible(css(`[data-testid="user-menu"]`)),
	)
}
