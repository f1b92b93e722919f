package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/nwfilter-web/nwfilter-web/store"
)

type testStore = store.Store

func openTestStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// do sends one request to the server and returns the recorder. It authenticates as the test
// admin unless hdr says otherwise ("As", "anonymous" / "viewer" / ...; see auth_helpers_test.go).
func do(t testing.TB, s http.Handler, method, target, body string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	authorizeTestRequest(t, s, req)
	if body != "" && req.Header.Get("Content-Type") == "" {
		switch {
		case strings.HasPrefix(body, "{"):
			req.Header.Set("Content-Type", "application/json")
		case strings.HasPrefix(body, "<"):
			req.Header.Set("Content-Type", "application/xml")
		default:
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

func doc(t *testing.T, rec *httptest.ResponseRecorder) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func auditRows(t *testing.T, st *store.Store) []store.AuditEntry {
	t.Helper()
	es, err := st.AuditEntries(context.Background(), store.AuditQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

const seedXML = `<filter name='test-filter' chain='root'><rule action='drop' direction='out'><tcp dstipaddr='192.168.122.1' dstportstart='22'/></rule></filter>`

func TestPages(t *testing.T) {
	s, fake, _ := newTestServer(t)
	fake.filters["test-filter"] = seedXML
	// A running NIC with a filter, and the binding libvirt makes for it.
	fake.domains[0].Interfaces[0].FilterRef = &refT{Filter: "test-filter"}
	fake.bindings["vnet0"] = fakeBinding("vnet0", "test-filter")
	fake.bindings["vnet9"] = fakeBinding("vnet9", "clean-traffic")
	for _, tt := range []struct {
		path, selector, want string
	}{
		{"/filters", `[data-testid="filter-clean-traffic"]`, "clean-traffic"},
		{"/filters", `[data-testid="filter-test-filter"]`, "kvmdom 52:54:00:00:00:01"},
		{"/filters", `[data-testid="filter-no-ip-spoofing"]`, "via clean-traffic"},
		{"/filters/test-filter", `[data-testid="filter-xml"]`, "dstportstart='22'"},
		{"/filters/test-filter", `[data-testid="chains-iptables"]`, "-A FI-vnet0 -d 192.168.122.1/32 -p tcp -m tcp --dport 22 -j DROP"},
		{"/filters/test-filter/chains?dev=vnet0", `[data-testid="chains-iptables"]`, "-A HI-vnet0 -d 192.168.122.1/32"},
		{"/filters/new", `[data-testid="xml-input"]`, "<filter"},
		{"/filters/test-filter/edit", `[data-testid="xml-input"]`, "dstportstart='22'"},
		{"/domains", `[data-testid="domain-kvmdom"]`, "52:54:00:00:00:01"},
		{"/bindings", `[data-testid="binding-vnet0"]`, "test-filter"},
		{"/bindings", `[data-testid="binding-vnet9"]`, "clean-traffic"},
		{"/audit", `h1`, "Audit history"},
		{"/filters", `[data-testid="connection"]`, "libvirt 9.0.0"},
	} {
		t.Run(tt.path+" "+tt.selector, func(t *testing.T) {
			rec := do(t, s, "GET", tt.path, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if got := doc(t, rec).Find(tt.selector).Text(); !strings.Contains(got, tt.want) {
				t.Errorf("%s: %q does not contain %q", tt.selector, got, tt.want)
			}
		})
	}
}

func fakeBinding(dev, filter string) (b bindingT) {
	b.PortDev, b.MAC, b.FilterRef.Filter, b.Owner = dev, "52:54:00:00:00:07", filter, "nwfilter-web"
	b.XML = "<filterbinding><portdev name='" + dev + "'/></filterbinding>"
	return b
}

func TestFilterDefineAndAudit(t *testing.T) {
	s, fake, st := newTestServer(t)

	// The editor defines a new filter and redirects to it.
	rec := do(t, s, "POST", "/filters", form("xml", seedXML))
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/filters/test-filter") {
		t.Fatalf("define: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	// Saving the edit form without a UUID redefines it in place.
	edited := strings.Replace(seedXML, "'22'", "'2222'", 1)
	rec = do(t, s, "POST", "/filters/test-filter", form("xml", edited))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("redefine: %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(fake.filters["test-filter"], "2222") || !strings.Contains(fake.filters["test-filter"], fakeUUID("test-filter")) {
		t.Errorf("after redefine: %s", fake.filters["test-filter"])
	}
	// A new filter with an existing name is refused, the text kept.
	rec = do(t, s, "POST", "/filters", form("xml", edited))
	if rec.Code != http.StatusConflict || !strings.Contains(doc(t, rec).Find(`[data-testid="xml-input"]`).Text(), "2222") {
		t.Errorf("new with an existing name: %d", rec.Code)
	}
	// libvirt's refusal is shown beside what was typed.
	bad := strings.Replace(seedXML, "drop", "explode", 1)
	rec = do(t, s, "POST", "/filters/test-filter", form("xml", bad))
	d := doc(t, rec)
	if rec.Code != http.StatusBadRequest || !strings.Contains(d.Find(`[data-testid="error"]`).Text(), "unknown rule action") ||
		!strings.Contains(d.Find(`[data-testid="xml-input"]`).Text(), "explode") {
		t.Errorf("refused define: %d %s", rec.Code, rec.Body)
	}

	es := auditRows(t, st)
	if len(es) != 3 {
		t.Fatalf("%d audit rows, want 3 (define, redefine, refused redefine): %+v", len(es), es)
	}
	if es[0].Result != store.ResultError || !strings.Contains(es[0].Error, "unknown rule action") || es[0].After != "" {
		t.Errorf("refused define's row: %+v", es[0])
	}
	if es[1].Result != store.ResultOK || !strings.Contains(es[1].Before, "'22'") || !strings.Contains(es[1].After, "2222") {
		t.Errorf("redefine's row: %+v", es[1])
	}
	if es[2].Action != actFilterDefine || es[2].Target != "test-filter" || es[2].Before != "" || es[2].URI != "qemu:///system" {
		t.Errorf("define's row: %+v", es[2])
	}
}

func TestAPI(t *testing.T) {
	s, fake, st := newTestServer(t)
	type step struct {
		name, method, path, body string
		status                   int
		want                     string // substring of the body
	}
	steps := []step{
		{"list", "GET", "/api/v1/filters", "", 200, `"name":"clean-traffic"`},
		{"unknown filter", "GET", "/api/v1/filters/nope", "", 404, `"field":"filter"`},
		{"put new", "PUT", "/api/v1/filters/test-filter", seedXML, 201, `dstportstart='22'`},
		{"put again", "PUT", "/api/v1/filters/test-filter", seedXML, 200, fakeUUID("test-filter")},
		{"put wrong name", "PUT", "/api/v1/filters/other", seedXML, 400, `"field":"name"`},
		{"put broken XML", "PUT", "/api/v1/filters/test-filter", "<filter name=", 400, `"field":"xml"`},
		{"put refused", "PUT", "/api/v1/filters/test-filter", strings.Replace(seedXML, "drop", "explode", 1), 400, `unknown rule action`},
		{"put other uuid", "PUT", "/api/v1/filters/test-filter", strings.Replace(seedXML, "chain='root'>", "chain='root'><uuid>11111111-2222-4333-8444-555555555555</uuid>", 1), 409, "already exists with uuid"},
		{"get xml", "GET", "/api/v1/filters/test-filter?format=xml", "", 200, "<filter name='test-filter'"},
		{"get json", "GET", "/api/v1/filters/test-filter", "", 200, `"xml":`},
		{"attach", "PUT", "/api/v1/domains/kvmdom/interfaces/52:54:00:00:00:01/filterref", `{"filter":"test-filter","parameters":[{"name":"IP","value":"10.0.0.1"},{"name":"IP","value":"10.0.0.2"}]}`, 200, `"filter":"test-filter"`},
		{"attach unknown filter", "PUT", "/api/v1/domains/kvmdom/interfaces/52:54:00:00:00:01/filterref", `{"filter":"nope"}`, 404, `"field":"filter"`},
		{"attach unknown domain", "PUT", "/api/v1/domains/nodom/interfaces/52:54:00:00:00:01/filterref", `{"filter":"test-filter"}`, 404, `"field":"domain"`},
		{"attach unknown nic", "PUT", "/api/v1/domains/kvmdom/interfaces/52:54:00:00:00:99/filterref", `{"filter":"test-filter"}`, 404, `"field":"mac"`},
		{"attach bad mac", "PUT", "/api/v1/domains/kvmdom/interfaces/zz/filterref", `{"filter":"test-filter"}`, 400, `"field":"mac"`},
		{"attach wrong type", "PUT", "/api/v1/domains/kvmdom/interfaces/52:54:00:00:00:01/filterref", `{"filter":7}`, 400, `"field":"filter"`},
		{"attach bad param", "PUT", "/api/v1/domains/kvmdom/interfaces/52:54:00:00:00:01/filterref", `{"filter":"test-filter","parameters":[{"name":"a b","value":"1"}]}`, 400, `"field":"parameters"`},
		{"domains", "GET", "/api/v1/domains", "", 200, `"value":"10.0.0.2"`},
		{"delete in use", "DELETE", "/api/v1/filters/test-filter", "", 409, "in use"},
		{"detach", "DELETE", "/api/v1/domains/kvmdom/interfaces/52:54:00:00:00:01/filterref", "", 204, ""},
		{"binding", "POST", "/api/v1/bindings", `{"portdev":"vnet7","mac":"52:54:00:AA:BB:CC","filter":"test-filter","parameters":[]}`, 201, `"mac":"52:54:00:aa:bb:cc"`},
		{"binding again", "POST", "/api/v1/bindings", `{"portdev":"vnet7","mac":"52:54:00:aa:bb:cc","filter":"test-filter"}`, 409, "already exists"},
		{"binding unknown filter", "POST", "/api/v1/bindings", `{"portdev":"vnet8","mac":"52:54:00:aa:bb:cc","filter":"nope"}`, 404, `"field":"filter"`},
		{"binding bad dev", "POST", "/api/v1/bindings", `{"portdev":"../etc","mac":"52:54:00:aa:bb:cc","filter":"test-filter"}`, 400, `"field":"portdev"`},
		{"binding unknown field", "POST", "/api/v1/bindings", `{"portdev":"vnet8","mac":"52:54:00:aa:bb:cc","filter":"test-filter","x":1}`, 400, `"error":`},
		{"bindings", "GET", "/api/v1/bindings", "", 200, `"portdev":"vnet7"`},
		{"chains of its port", "GET", "/api/v1/filters/test-filter/chains?dev=vnet7", "", 200, `"dev":"vnet7"`},
		{"chains of another port", "GET", "/api/v1/filters/test-filter/chains?dev=vnet0", "", 404, `not in effect on port vnet0`},
		{"chains bad dev", "GET", "/api/v1/filters/test-filter/chains?dev=a/b", "", 400, `"field":"dev"`},
		{"delete binding", "DELETE", "/api/v1/bindings/vnet7", "", 204, ""},
		{"delete binding again", "DELETE", "/api/v1/bindings/vnet7", "", 404, `"field":"portdev"`},
		{"delete", "DELETE", "/api/v1/filters/test-filter", "", 204, ""},
		{"delete again", "DELETE", "/api/v1/filters/test-filter", "", 404, ""},
		{"audit", "GET", "/api/v1/audit", "", 200, `"action":"filter.undefine"`},
	}
	for _, st := range steps {
		rec := do(t, s, st.method, st.path, st.body)
		if rec.Code != st.status || !strings.Contains(rec.Body.String(), st.want) {
			t.Errorf("%s: %s %s = %d %s; want %d with %q", st.name, st.method, st.path, rec.Code, rec.Body, st.status, st.want)
		}
		if rec.Code >= 400 {
			var e apiError
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Errorf("%s: error body is not {\"error\": ...}: %s", st.name, rec.Body)
			}
		}
	}
	// Every request that reached libvirt with a mutation is in the history, and so are the two
	// whose NIC could not be read (unknown domain, unknown MAC); refusals made before libvirt
	// (bad MAC, bad type, bad device) reach neither.
	var reached int
	for _, e := range auditRows(t, st) {
		if e.Result == store.ResultPending {
			t.Errorf("row %d left pending", e.ID)
		}
		reached++
	}
	if reached != fake.calls+2 {
		t.Errorf("%d audit rows for %d mutating libvirt calls", reached, fake.calls)
	}
}

func TestUnreachable(t *testing.T) {
	s, fake, st := newTestServer(t)
	fake.down = true
	for _, tt := range []struct{ method, path, body string }{
		{"GET", "/api/v1/filters", ""},
		{"GET", "/api/v1/domains", ""},
		{"PUT", "/api/v1/filters/test-filter", seedXML},
		{"DELETE", "/api/v1/bindings/vnet0", ""},
	} {
		rec := do(t, s, tt.method, tt.path, tt.body)
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "unreachable") {
			t.Errorf("%s %s: %d %s", tt.method, tt.path, rec.Code, rec.Body)
		}
	}
	rec := do(t, s, "GET", "/filters", "")
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(doc(t, rec).Find(`[data-testid="error"]`).Text(), "unreachable") {
		t.Errorf("page while unreachable: %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "goroutine") {
		t.Error("a stack trace leaked")
	}
	for _, e := range auditRows(t, st) {
		if e.Result != store.ResultError {
			t.Errorf("row %+v", e)
		}
	}
}

func TestDeleteInUseListsUsers(t *testing.T) {
	s, fake, _ := newTestServer(t)
	fake.filters["test-filter"] = seedXML
	fake.domains[0].Interfaces[0].FilterRef = &refT{Filter: "test-filter"}
	rec := do(t, s, "POST", "/filters/test-filter/delete", "")
	if rec.Code != http.StatusConflict {
		t.Fatalf("status %d", rec.Code)
	}
	d := doc(t, rec)
	if !strings.Contains(d.Find(`[data-testid="delete-refused"]`).Text(), "in use") || !strings.Contains(d.Text(), "kvmdom 52:54:00:00:00:01") {
		t.Errorf("refusal page: %s", rec.Body)
	}
	if _, ok := fake.filters["test-filter"]; !ok {
		t.Error("the filter was deleted")
	}
}

func TestNICFormFragment(t *testing.T) {
	s, fake, _ := newTestServer(t)
	fake.filters["test-filter"] = seedXML
	rec := do(t, s, "POST", "/domains/kvmdom/interfaces/52:54:00:00:00:01/filterref",
		form("filter", "test-filter", "params", "IP=10.0.0.1\nIP=10.0.0.2\n"), "HX-Request", "true")
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	d := doc(t, rec)
	if d.Find("html").Length() != 0 && d.Find("header").Length() != 0 {
		t.Error("an HTMX request got a whole page")
	}
	if got := d.Find(`[data-testid="nic-filter"]`).Text(); got != "test-filter" {
		t.Errorf("fragment shows filter %q", got)
	}
	ps := fake.domains[0].Interfaces[0].FilterRef.Parameters
	if len(ps) != 2 || ps[1].Value != "10.0.0.2" {
		t.Errorf("parameters %+v", ps)
	}
	// A refusal comes back on the NIC's row.
	rec = do(t, s, "POST", "/domains/kvmdom/interfaces/52:54:00:00:00:01/filterref",
		form("filter", "nope"), "HX-Request", "true")
	if rec.Code != http.StatusNotFound || !strings.Contains(doc(t, rec).Find(`[data-testid="error"]`).Text(), "nope") {
		t.Errorf("refusal: %d %s", rec.Code, rec.Body)
	}
}

func TestStaticAssets(t *testing.T) {
	s, _, _ := newTestServer(t)
	rec := do(t, s, "GET", assetURL("htmx.min.js"), "")
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") || rec.Body.Len() < 10000 {
		t.Errorf("htmx: %d %v", rec.Code, rec.Header())
	}
	if rec := do(t, s, "GET", "/static/nope.js", ""); rec.Code != 404 {
		t.Errorf("unknown asset: %d", rec.Code)
	}
}

// The editor's refusal of malformed XML says what the preview beside it says, with the line.
func TestMalformedXMLOneVerdict(t *testing.T) {
	s, _, _ := newTestServer(t)
	xml := "<filter name='x' chain='root'>\n  <rule action='drop' direction='out'>\n    <tcp dstportstart='22'>\n  </rule>\n</filter>"
	rec := do(t, s, "PUT", "/api/v1/filters/x", xml)
	want := "the filter XML is not well-formed: line 4: opening and ending tag mismatch: tcp and rule"
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), want) {
		t.Errorf("%d %s, want %q", rec.Code, rec.Body, want)
	}
}
