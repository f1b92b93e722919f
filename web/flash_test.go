package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestFlashLeavesNoDoneInURL: a redirect after a change shows its message once; done= does not
// stay in the address bar, so a reload says nothing.
func TestFlashLeavesNoDoneInURL(t *testing.T) {
	s, _, _ := newTestServer(t)
	rec := do(t, s, "POST", "/filters", form("xml", seedXML))
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !strings.Contains(loc, "done=") {
		t.Fatalf("define: %d %q", rec.Code, loc)
	}
	// The first GET moves the message into a cookie and drops it from the URL.
	rec = do(t, s, "GET", loc, "")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/filters/test-filter" {
		t.Fatalf("GET %s: %d %q", loc, rec.Code, rec.Header().Get("Location"))
	}
	var ck *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == flashCookie {
			ck = c
		}
	}
	if ck == nil || !ck.HttpOnly || ck.MaxAge <= 0 {
		t.Fatalf("flash cookie %+v", ck)
	}
	// The page shows it and clears it.
	rec = do(t, s, "GET", "/filters/test-filter", "", "Cookie", ck.Name+"="+ck.Value,
		"Authorization", "Bearer "+testToken(t, s, "admin"))
	if got := doc(t, rec).Find(`[data-testid="flash"]`).Text(); got != "Filter test-filter defined." {
		t.Errorf("flash %q", got)
	}
	cleared := false
	for _, c := range rec.Result().Cookies() {
		cleared = cleared || (c.Name == flashCookie && c.MaxAge < 0)
	}
	if !cleared {
		t.Error("the flash cookie is not cleared once shown")
	}
	// A reload (no cookie any more) says nothing.
	if n := doc(t, do(t, s, "GET", "/filters/test-filter", "")).Find(`[data-testid="flash"]`).Length(); n != 0 {
		t.Error("the reload shows the flash again")
	}

	for _, tt := range []struct{ target, want string }{
		{"/filters/test-filter/history?before=7&done=Restored.", "/filters/test-filter/history?before=7"},
		{"/bindings?warn=careful", "/bindings"},
		{"/filters/a%20b?done=x&dev=vnet0", "/filters/a%20b?dev=vnet0"},
	} {
		rec := do(t, s, "GET", tt.target, "")
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != tt.want {
			t.Errorf("GET %s: %d %q, want a redirect to %s", tt.target, rec.Code, rec.Header().Get("Location"), tt.want)
		}
	}
	// Never a redirect to another host.
	if rec := do(t, s, "GET", "//evil.example/x?done=hi", ""); strings.Contains(rec.Header().Get("Location"), "evil") {
		t.Errorf("redirected to %q", rec.Header().Get("Location"))
	}
	// The API keeps its query as it is.
	if rec := do(t, s, "GET", "/api/v1/filters?done=x", ""); rec.Code != http.StatusOK {
		t.Errorf("API: %d", rec.Code)
	}
}

// A boosted form answered with a page (a refusal, a token shown once) keeps the address bar
// where it was; answered with a redirect, htmx follows it and shows the new URL.
func TestBoostedAnswerKeepsURL(t *testing.T) {
	s, _, _ := newTestServer(t)
	sess := login(t, s, "admin")
	rec := sess.do(t, s, "POST", "/filters", form("xml", "<filter"), "HX-Request", "true", "HX-Boosted", "true")
	if rec.Code != http.StatusBadRequest || rec.Header().Get("HX-Push-Url") != "false" {
		t.Errorf("a refused define: %d, HX-Push-Url %q", rec.Code, rec.Header().Get("HX-Push-Url"))
	}
	rec = sess.do(t, s, "POST", "/tokens", form("user", "admin", "name", "x"), "HX-Request", "true", "HX-Boosted", "true")
	if rec.Code != http.StatusOK || rec.Header().Get("HX-Push-Url") != "false" {
		t.Errorf("a token shown once: %d, HX-Push-Url %q", rec.Code, rec.Header().Get("HX-Push-Url"))
	}
	rec = sess.do(t, s, "POST", "/users", form("user", "zed", "role", "viewer", "password", "long enough", "password2", "long enough"), "HX-Request", "true", "HX-Boosted", "true")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("HX-Push-Url") != "" {
		t.Errorf("a redirect: %d, HX-Push-Url %q", rec.Code, rec.Header().Get("HX-Push-Url"))
	}
}
