package web

// Hostile and broken requests, to the pages and to the API, against the real libvirtd: each gets
// a clear 4xx, and neither libvirt nor the history changes. Requests refused before libvirt (by
// validation, auth, CSRF or the version check) are not audited: they are not mutations, and an
// anonymous flood must not be able to fill the history. Only a request libvirt itself refuses
// leaves a row (result "error"), because it did reach the daemon.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
)

type hostileCase struct {
	name         string
	as           string // "admin", "operator", "viewer", "anonymous", "session" (admin's cookie + CSRF)
	method, path string
	body         string
	hdr          []string
	want         int
	audited      bool // reaches libvirt, which refuses it: one "error" row
}

func TestHostileInput(t *testing.T) {
	s, conn, st := liveServer(t)
	filter := libvirtxtest.UniqueName("test-hostile")
	domain := libvirtxtest.UniqueName("kvmdom-hostile")
	mac := libvirtxtest.RandomMAC()
	libvirtxtest.DefineTestFilter(t, conn, filter, "<rule action='drop' direction='out'><tcp dstportstart='22'/></rule>")
	libvirtxtest.DefineStoppedDomain(t, conn, domain, libvirtxtest.EthernetNIC(mac, nil))
	sess := login(t, s, "admin")
	viewerSess := login(t, s, "viewer")

	fx := func(body string) string { return "<filter name='" + filter + "' chain='root'>" + body + "</filter>" }
	nic := "/api/v1/domains/" + domain + "/interfaces/" + mac + "/filterref"
	gnic := "/domains/" + domain + "/interfaces/" + mac + "/filterref"
	laughs := `<?xml version="1.0"?><!DOCTYPE filter [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">` +
		`<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>` +
		`<filter name='` + filter + `'><rule action='drop' direction='out'><tcp comment='&d;'/></rule></filter>`
	external := `<!DOCTYPE filter [<!ENTITY x SYSTEM "file:///etc/shadow">]><filter name='` + filter + `'>&x;</filter>`
	deep := "<filter name='" + filter + "'>" + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + "</filter>"
	big := fx(strings.Repeat("<!-- padding padding padding padding -->", 8000))
	huge := strings.Repeat("x", 3<<20)
	stale := `"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"`
	jsonRef := func(ref string) string { return `{"filter":"` + filter + `"` + ref + `}` }
	binding := func(dev, m, f, params string) string {
		return `{"portdev":"` + dev + `","mac":"` + m + `","filter":"` + f + `","parameters":[` + params + `]}`
	}
	hostileNames := []string{"<script>alert(1)</script>", "a/b", "../etc", "..", "x\ny", strings.Repeat("n", 300)}

	cases := []hostileCase{
		// Filter XML through the API.
		{"XSS in a name breaks the XML", "admin", "PUT", "/api/v1/filters/" + filter, "<filter name='<script>'/>", nil, 400, false},
		{"billion laughs", "admin", "PUT", "/api/v1/filters/" + filter, laughs, nil, 400, false},
		{"external entity", "admin", "PUT", "/api/v1/filters/" + filter, external, nil, 400, false},
		{"bare DOCTYPE", "admin", "PUT", "/api/v1/filters/" + filter, "<!DOCTYPE filter>" + fx(""), nil, 400, false},
		{"undeclared entity", "admin", "PUT", "/api/v1/filters/" + filter, fx("&nope;"), nil, 400, false},
		{"nesting 100 deep", "admin", "PUT", "/api/v1/filters/" + filter, deep, nil, 400, false},
		{"XML over 256 KiB", "admin", "PUT", "/api/v1/filters/" + filter, big, nil, 413, false},
		{"body over 2 MiB", "admin", "PUT", "/api/v1/filters/" + filter, huge, []string{"Content-Type", "application/xml"}, 413, false},
		{"empty body", "admin", "PUT", "/api/v1/filters/" + filter, "", nil, 400, false},
		{"unclosed XML", "admin", "PUT", "/api/v1/filters/" + filter, "<filter name='" + filter + "'", nil, 400, false},
		{"two roots", "admin", "PUT", "/api/v1/filters/" + filter, fx("") + "<filter/>", nil, 400, false},
		{"name differs from the URL", "admin", "PUT", "/api/v1/filters/" + filter, "<filter name='other-" + filter + "'/>", nil, 400, false},
		{"slash in the name", "admin", "PUT", "/api/v1/filters/a%2Fb", "<filter name='a/b'/>", nil, 400, false},
		{"path traversal", "admin", "PUT", "/api/v1/filters/..%2F..%2Fetc", "<filter name='../../etc'/>", nil, 400, false},
		{"dot-dot name", "admin", "PUT", "/api/v1/filters/..", "<filter name='..'/>", nil, 400, false},
		{"newline in the name", "admin", "PUT", "/api/v1/filters/x%0Ay", "<filter name='x&#10;y'/>", nil, 400, false},
		{"name of 300 bytes", "admin", "PUT", "/api/v1/filters/" + strings.Repeat("n", 300), "<filter name='" + strings.Repeat("n", 300) + "'/>", nil, 400, false},
		{"processing instruction", "admin", "PUT", "/api/v1/filters/" + filter, "<?evil x?>" + fx(""), nil, 400, false},
		{"foreign encoding", "admin", "PUT", "/api/v1/filters/" + filter, `<?xml version="1.0" encoding="ISO-8859-1"?>` + fx(""), nil, 400, false},
		{"invalid UTF-8", "admin", "PUT", "/api/v1/filters/" + filter, fx("<!-- \xff\xfe -->"), nil, 400, false},
		{"port out of range (libvirt refuses)", "admin", "PUT", "/api/v1/filters/" + filter, fx("<rule action='drop' direction='out'><tcp dstportstart='99999'/></rule>"), nil, 400, true},
		{"bad IP in a rule (libvirt refuses)", "admin", "PUT", "/api/v1/filters/" + filter, fx("<rule action='drop' direction='out'><tcp dstipaddr='999.1.1.1'/></rule>"), nil, 400, true},
		{"stale If-Match", "admin", "PUT", "/api/v1/filters/" + filter, fx(""), []string{"If-Match", stale}, 412, false},
		{"If-Match on a missing filter", "admin", "PUT", "/api/v1/filters/" + filter + "-none", "<filter name='" + filter + "-none'/>", []string{"If-Match", "*"}, 412, false},
		{"viewer defines", "viewer", "PUT", "/api/v1/filters/" + filter, fx(""), nil, 403, false},
		{"operator defines", "operator", "PUT", "/api/v1/filters/" + filter, fx(""), nil, 403, false},
		{"operator undefines", "operator", "DELETE", "/api/v1/filters/" + filter, "", nil, 403, false},
		{"revoked or unknown token", "admin", "PUT", "/api/v1/filters/" + filter, fx(""), []string{"Authorization", "Bearer nwf_forged"}, 401, false},
		{"anonymous", "anonymous", "DELETE", "/api/v1/filters/" + filter, "", nil, 401, false},
		{"cookie API call without CSRF token", "session", "DELETE", "/api/v1/filters/" + filter, "", []string{"X-CSRF-Token", ""}, 403, false},
		{"cookie API call from another site", "session", "DELETE", "/api/v1/filters/" + filter, "", []string{"Sec-Fetch-Site", "cross-site"}, 403, false},
		// NIC filterrefs through the API.
		{"bad MAC in the URL", "operator", "PUT", "/api/v1/domains/" + domain + "/interfaces/zz/filterref", jsonRef(""), nil, 400, false},
		{"filter of the wrong type", "operator", "PUT", nic, `{"filter":7}`, nil, 400, false},
		{"parameters of the wrong type", "operator", "PUT", nic, jsonRef(`,"parameters":"x"`), nil, 400, false},
		{"array instead of an object", "operator", "PUT", nic, `[1,2]`, nil, 400, false},
		{"not JSON", "operator", "PUT", nic, `filter=x`, []string{"Content-Type", "application/json"}, 400, false},
		{"unknown field", "operator", "PUT", nic, jsonRef(`,"x":1`), nil, 400, false},
		{"bad IP parameter", "operator", "PUT", nic, jsonRef(`,"parameters":[{"name":"IP","value":"999.1.1.1"}]`), nil, 400, false},
		{"bad MAC parameter", "operator", "PUT", nic, jsonRef(`,"parameters":[{"name":"MAC","value":"zz"}]`), nil, 400, false},
		{"HTML in a parameter value", "operator", "PUT", nic, jsonRef(`,"parameters":[{"name":"X","value":"<script>"}]`), nil, 400, false},
		{"space in a parameter name", "operator", "PUT", nic, jsonRef(`,"parameters":[{"name":"a b","value":"1"}]`), nil, 400, false},
		{"path in the filter name", "operator", "PUT", nic, `{"filter":"../etc"}`, nil, 400, false},
		{"empty filter name", "operator", "PUT", nic, `{"filter":""}`, nil, 400, false},
		{"newline in a domain name", "operator", "PUT", "/api/v1/domains/a%0Ab/interfaces/" + mac + "/filterref", jsonRef(""), nil, 400, false},
		{"slash in a domain name", "operator", "PUT", "/api/v1/domains/a%2Fb/interfaces/" + mac + "/filterref", jsonRef(""), nil, 400, false},
		{"viewer starts a VM", "viewer", "POST", "/api/v1/domains/" + domain + "/start", "", nil, 403, false},
		// Bindings through the API.
		{"port device path", "operator", "POST", "/api/v1/bindings", binding("../etc", mac, filter, ""), nil, 400, false},
		{"port device too long", "operator", "POST", "/api/v1/bindings", binding(strings.Repeat("v", 20), mac, filter, ""), nil, 400, false},
		{"port device with a space", "operator", "POST", "/api/v1/bindings", binding("vnet 1", mac, filter, ""), nil, 400, false},
		{"bad binding MAC", "operator", "POST", "/api/v1/bindings", binding("nwtx1", "52:54:00:zz:00:01", filter, ""), nil, 400, false},
		{"binding filter with a slash", "operator", "POST", "/api/v1/bindings", binding("nwtx1", mac, "a/b", ""), nil, 400, false},
		{"bad binding parameter", "operator", "POST", "/api/v1/bindings", binding("nwtx1", mac, filter, `{"name":"IP","value":"1.2.3.4/24"}`), nil, 400, false},
		{"form body to the JSON API", "operator", "POST", "/api/v1/bindings", "portdev=x", []string{"Content-Type", "application/x-www-form-urlencoded"}, 400, false},
		{"delete binding with a slash", "operator", "DELETE", "/api/v1/bindings/a%2Fb", "", nil, 400, false},
		{"delete binding ..", "operator", "DELETE", "/api/v1/bindings/..", "", nil, 400, false},
		// Queries.
		{"chains of a bad device", "viewer", "GET", "/api/v1/filters/" + filter + "/chains?dev=a/b", "", nil, 400, false},
		{"audit cursor not a number", "viewer", "GET", "/api/v1/audit?before=x", "", nil, 400, false},
		{"audit limit too big", "viewer", "GET", "/api/v1/audit?limit=99999", "", nil, 400, false},
		// The pages' forms, with a browser session.
		{"editor with a DOCTYPE", "session", "POST", "/filters", form("xml", laughs), nil, 400, false},
		{"editor over 256 KiB", "session", "POST", "/filters/" + filter, form("xml", big), nil, 413, false},
		{"editor without CSRF token", "session", "POST", "/filters/" + filter, form("xml", fx("")), []string{"X-CSRF-Token", ""}, 403, false},
		{"editor with a wrong CSRF token", "session", "POST", "/filters/" + filter, form("xml", fx(""), "csrf_token", "forged"), []string{"X-CSRF-Token", ""}, 403, false},
		{"editor over a changed filter", "session", "POST", "/filters/" + filter, form("xml", fx(""), "digest", "0123456789abcdef0123456789abcdef"), nil, 409, false},
		{"editor with HTML for a name", "session", "POST", "/filters", form("xml", "<filter name='<b>x</b>'/>"), nil, 400, false},
		{"binding form with a bad MAC", "session", "POST", "/bindings", form("portdev", "nwtx1", "mac", "zz", "filter", filter), nil, 400, false},
		{"binding form with HTML for a device", "session", "POST", "/bindings", form("portdev", "<script>alert(1)</script>", "mac", mac, "filter", filter), nil, 400, false},
		{"NIC form with a bad IP", "session", "POST", gnic, form("filter", filter, "params", "IP=1.2.3.4.5"), nil, 400, false},
		{"NIC form with a line that is not NAME=VALUE", "session", "POST", gnic, form("filter", filter, "params", "junk"), nil, 400, false},
		{"NIC form from another site", "session", "POST", gnic, form("filter", filter), []string{"Origin", "https://evil.example"}, 403, false},
		{"viewer's session starts a VM", "viewer-session", "POST", "/domains/" + domain + "/start", "", nil, 403, false},
		{"delete from another site", "session", "POST", "/filters/" + filter + "/delete", "", []string{"Sec-Fetch-Site", "cross-site"}, 403, false},
		{"anonymous form post", "anonymous", "POST", "/filters/" + filter + "/delete", "", nil, 303, false},
		{"page for a name with a slash", "viewer", "GET", "/filters/a%2F..%2Fb", "", nil, 400, false},
		{"login without CSRF token", "anonymous", "POST", "/login", form("user", "admin", "password", testPassword), nil, 403, false},
	}

	hostileDevs := []string{"nwtx1", "vnet 1", "../etc", "<script>alert(1)</script>"}
	// Should a case get through after all, what it made is removed (these names are no one
	// else's): registered before the requests.
	t.Cleanup(func() {
		for _, n := range append(hostileNames, filter+"-none", "other-"+filter) {
			if conn.UndefineFilter(context.Background(), n) == nil {
				t.Errorf("cleanup: filter %q had been defined", n)
			}
		}
		for _, d := range hostileDevs {
			if conn.DeleteBinding(context.Background(), d) == nil {
				t.Errorf("cleanup: binding %q had been created", d)
			}
		}
	})
	before := snapshot(t, conn, filter, domain, mac, hostileNames, hostileDevs)
	rowsBefore := len(auditRows(t, st))
	audited := 0
	for _, tc := range cases {
		var hdr []string
		if tc.as != "session" && tc.as != "viewer-session" {
			hdr = append(hdr, "As", tc.as)
		}
		hdr = append(hdr, tc.hdr...)
		var rr *httptest.ResponseRecorder
		switch tc.as {
		case "session":
			rr = sess.do(t, s, tc.method, tc.path, tc.body, hdr...)
		case "viewer-session":
			rr = viewerSess.do(t, s, tc.method, tc.path, tc.body, hdr...)
		default:
			rr = do(t, s, tc.method, tc.path, tc.body, hdr...)
		}
		code, body, ctype := rr.Code, rr.Body.String(), rr.Header().Get("Content-Type")
		if code != tc.want {
			t.Errorf("%s: %s %s = %d, want %d: %.300s", tc.name, tc.method, tc.path, code, tc.want, body)
			continue
		}
		if strings.Contains(body, "goroutine ") || strings.Contains(body, ".go:") {
			t.Errorf("%s: the answer leaks internals: %.300s", tc.name, body)
		}
		if strings.Contains(body, "<script>") {
			t.Errorf("%s: the answer echoes unescaped HTML: %.300s", tc.name, body)
		}
		if strings.HasPrefix(tc.path, "/api/") && code != 303 {
			var e apiError
			if !strings.HasPrefix(ctype, "application/json") || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
				t.Errorf("%s: API error is not JSON with an error: %s %.300s", tc.name, ctype, body)
			}
		} else if code != 303 && !strings.Contains(body, `data-testid="error"`) && !strings.Contains(body, "error") {
			t.Errorf("%s: page without an error message: %.300s", tc.name, body)
		}
		if tc.audited {
			audited++
		}
	}
	if len(cases) < 50 {
		t.Errorf("only %d hostile cases", len(cases))
	}
	after := snapshot(t, conn, filter, domain, mac, hostileNames, hostileDevs)
	if before != after {
		t.Errorf("libvirt changed:\nbefore %s\nafter  %s", before, after)
	}
	rows := auditRows(t, st)
	if got := len(rows) - rowsBefore; got != audited {
		t.Errorf("%d new audit rows, want %d (the requests libvirt refused)", got, audited)
	}
	for _, e := range rows[:len(rows)-rowsBefore] {
		t.Logf("row %s %s %s %s", e.Action, e.Target, e.Result, e.Error)
		if e.Result != "error" || e.Actor != "admin" {
			t.Errorf("audit row %+v: want a failed define by admin", e)
		}
	}
}

// snapshot is what the hostile requests must not change: the test's filter and NIC, the
// bindings on the devices they name, and the absence of filters with hostile names.
func snapshot(t *testing.T, conn *libvirtx.Conn, filter, domain, mac string, names, devs []string) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	x, err := conn.FilterXML(ctx, filter)
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString(x)
	nic, err := conn.InterfaceXML(ctx, domain, mac)
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString(nic)
	d, err := conn.Domain(ctx, domain)
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString(d.State)
	for _, dev := range devs {
		_, err := conn.BindingXML(ctx, dev)
		b.WriteString(" binding " + url.PathEscape(dev) + "=" + errKind(err))
	}
	for _, n := range append(names, filter+"-none", "other-"+filter) {
		_, err := conn.FilterXML(ctx, n)
		b.WriteString(" filter " + url.PathEscape(n) + "=" + errKind(err))
	}
	return b.String()
}

func errKind(err error) string {
	switch {
	case err == nil:
		return "exists"
	case errors.Is(err, libvirtx.ErrNoFilter), errors.Is(err, libvirtx.ErrNoBinding):
		return "absent"
	}
	return "error: " + err.Error()
}

// TestHTMLInNamesShownAsText: libvirt takes HTML in filter names and comments; the pages show
// it as text, and links built from such a name stay one escaped path segment.
func TestHTMLInNamesShownAsText(t *testing.T) {
	s, fake, _ := newTestServer(t)
	name := `x"><img src=x onerror=alert(1)>?#%`
	fake.filters[name] = `<filter name='x"&gt;&lt;img src=x onerror=alert(1)&gt;?#%' chain='root'>` +
		`<rule action='drop' direction='out'><tcp comment='&lt;script&gt;alert(2)&lt;/script&gt;'/></rule></filter>`
	fake.domains[0].Interfaces[0].FilterRef = &refT{Filter: name}
	for _, page := range []string{"/filters", "/filters/" + url.PathEscape(name), "/domains"} {
		rec := do(t, s, "GET", page, "")
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", page, rec.Code, rec.Body)
		}
		body := rec.Body.String()
		if strings.Contains(body, "<img") || strings.Contains(body, "<script>alert") {
			t.Errorf("%s renders HTML from a name or comment", page)
		}
		d := doc(t, rec)
		d.Find("a[href], form[action], [hx-get]").Each(func(_ int, sel *goquery.Selection) {
			for _, attr := range []string{"href", "action", "hx-get"} {
				v, ok := sel.Attr(attr)
				if ok && strings.Contains(v, "img") && !strings.Contains(v, url.PathEscape(name)) {
					t.Errorf("%s: %s=%q is not the escaped name", page, attr, v)
				}
			}
		})
	}
	// The escaped link leads back to the filter.
	if rec := do(t, s, "GET", "/filters/"+url.PathEscape(name)+"/edit", ""); rec.Code != 200 || !strings.Contains(doc(t, rec).Find(`[data-testid="xml-input"]`).Text(), "alert(2)") {
		t.Errorf("editor of the odd name: %d", rec.Code)
	}
}
