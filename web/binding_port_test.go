package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBindingOnMissingDevice: a binding on a port this host has no device for is created (libvirt
// allows it) with a warning; an existing device, or a connection to another host, gets none.
func TestBindingOnMissingDevice(t *testing.T) {
	s, fake, _ := newTestServer(t)
	s.netDevDir = t.TempDir()
	if err := os.WriteFile(filepath.Join(s.netDevDir, "vnet7"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	create := func(dev string) (string, string) {
		t.Helper()
		rec := do(t, s, "POST", "/bindings", form("portdev", dev, "mac", "52:54:00:aa:bb:cc", "filter", "allow-dhcp"))
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("create on %s: %d %s", dev, rec.Code, rec.Body)
		}
		u, _ := url.Parse(rec.Header().Get("Location"))
		return u.Query().Get("done"), u.Query().Get("warn")
	}
	if done, warn := create("vnet7"); done == "" || warn != "" {
		t.Errorf("an existing device: done %q, warn %q", done, warn)
	}
	done, warn := create("vnet8")
	if done == "" || !strings.Contains(warn, "no network device vnet8") {
		t.Errorf("a missing device: done %q, warn %q", done, warn)
	}
	if _, ok := fake.bindings["vnet8"]; !ok {
		t.Error("the warning refused the binding")
	}
	// The page shows the warning beside the message.
	rec := do(t, s, "GET", "/bindings?"+url.Values{"done": {done}, "warn": {warn}}.Encode(), "")
	var ck string
	for _, c := range rec.Result().Cookies() {
		if c.Name == flashCookie {
			ck = c.Name + "=" + c.Value
		}
	}
	d := doc(t, do(t, s, "GET", "/bindings", "", "Cookie", ck, "Authorization", "Bearer "+testToken(t, s, "admin")))
	if got := d.Find(`[data-testid="flash-warn"]`).Text(); !strings.Contains(got, "vnet8") {
		t.Errorf("the page's warning: %q", got)
	}

	// The API says it in warnings.
	rec = do(t, s, "POST", "/api/v1/bindings", `{"portdev":"vnet9","mac":"52:54:00:aa:bb:cd","filter":"allow-dhcp"}`)
	var out struct {
		PortDev  string   `json:"portdev"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != http.StatusCreated || out.PortDev != "vnet9" ||
		len(out.Warnings) != 1 || !strings.Contains(out.Warnings[0], "vnet9") {
		t.Errorf("API: %d %s", rec.Code, rec.Body)
	}

	// Another host's devices cannot be seen from here: no warning.
	fake.local = false
	if _, warn := create("vnet10"); warn != "" {
		t.Errorf("a remote connection warns: %q", warn)
	}
}
