package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// varsXML uses $IP, a list and a filterref that gives a value.
const varsXML = `<filter name='vars'>
  <rule action='accept' direction='out'><tcp srcipaddr='$IP' dstipaddr='$SRV[@1]' dstportstart='443'/></rule>
  <filterref filter='allow-dhcp'/>
</filter>`

func TestPreviewEndpointIsTheRoute(t *testing.T) {
	s, _, _ := newTestServer(t)
	rec := do(t, s, "POST", views.PreviewEndpoint, form("xml", seedXML), "HX-Request", "true")
	if rec.Code != http.StatusOK {
		t.Fatalf("POST %s: %d", views.PreviewEndpoint, rec.Code)
	}
}

func TestPreviewFragment(t *testing.T) {
	s, _, _ := newTestServer(t)
	for _, tt := range []struct {
		name     string
		fields   []string
		selector string
		want     string
		oobVars  bool
	}{
		{"tables", []string{"xml", seedXML, "dev", "vnet4"}, `[data-testid="preview-iptables"]`,
			"-A FI-vnet4 -d 192.168.122.1/32 -p tcp -m tcp --dport 22 -j DROP", false},
		{"variables asked for", []string{"xml", varsXML, "vars", ""}, `[data-testid="preview-var-SRV"]`, "", true},
		{"refusal while a value is missing", []string{"xml", varsXML, "vars", "IP,SRV,+IP"}, `[data-testid="preview-refusal"]`,
			"unresolvable variables or unavailable list elements: SRV[@1]", false},
		{"typing: broken XML keeps the inputs", []string{"xml", "<filter name='x'><rule", "vars", "IP,SRV,+IP", "var.SRV", "1.2.3.4"}, `[data-testid="preview-refusal"]`,
			"XML error", false},
		{"values make lists", []string{"xml", varsXML, "vars", "IP,SRV,+IP", "var.IP", "10.0.0.5", "var.SRV", "192.0.2.1, 192.0.2.2"},
			`[data-testid="preview-iptables"]`, "-A FI-vnet0 -s 10.0.0.5/32 -d 192.0.2.2/32 -p tcp", false},
		{"learning", []string{"xml", varsXML, "vars", "IP,SRV,+IP", "var.SRV", "192.0.2.1"}, `[data-testid="preview-learning"]`,
			"libvirt learns it", false},
		{"learning none refuses", []string{"xml", varsXML, "vars", "IP,SRV,+IP", "var.SRV", "192.0.2.1", "var.CTRL_IP_LEARNING", "none"},
			`[data-testid="preview-refusal"]`, "unavailable list elements: IP", false},
		{"define refusal", []string{"xml", strings.Replace(seedXML, "drop", "explode", 1)}, `[data-testid="preview-refusal"]`,
			"libvirt would refuse to define this filter: unsupported configuration: unknown rule action attribute value", false},
		{"broken XML", []string{"xml", "<filter name='x'>\n<rule>"}, `[data-testid="preview-refusal"]`, "XML error: line 2", false},
		{"unknown filterref", []string{"xml", "<filter name='x'><filterref filter='nowhere'/></filter>"}, `[data-testid="preview-refusal"]`,
			"referenced filter 'nowhere' is missing", false},
		{"bad MAC", []string{"xml", seedXML, "mac", "52:54"}, `[data-testid="preview-error"]`, `"52:54" is not a MAC address`, false},
		{"bad device", []string{"xml", seedXML, "dev", "a/b"}, `[data-testid="preview-error"]`, "not a valid interface name", false},
		{"bad value", []string{"xml", varsXML, "vars", "IP,SRV,+IP", "var.SRV", "x&y"}, `[data-testid="preview-error"]`, "does not accept", false},
		{"empty", []string{"xml", " "}, `[data-testid="preview-error"]`, "Write a filter", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, s, "POST", "/preview", form(tt.fields...), "HX-Request", "true")
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			d := doc(t, rec)
			sel := d.Find(tt.selector)
			if sel.Length() == 0 || !strings.Contains(sel.Text(), tt.want) {
				t.Errorf("%s: %q does not contain %q\n%s", tt.selector, sel.Text(), tt.want, rec.Body)
			}
			if oob := d.Find(`[data-testid="preview-vars"][hx-swap-oob]`).Length() > 0; oob != tt.oobVars {
				t.Errorf("variables sent out of band: %v, want %v", oob, tt.oobVars)
			}
			if d.Find("header").Length() != 0 {
				t.Error("the fragment came with the page around it")
			}
		})
	}
}

// TestPreviewMarksTies: lines whose order libvirt leaves to its hash seed are marked, and the
// page says why.
func TestPreviewMarksTies(t *testing.T) {
	s, fake, _ := newTestServer(t)
	fake.filters["tie-a"] = `<filter name='tie-a' chain='arp-a' priority='-600'><rule action='accept' direction='out'/></filter>`
	fake.filters["tie-b"] = `<filter name='tie-b' chain='rarp-b' priority='-600'><rule action='drop' direction='out'/></filter>`
	rec := do(t, s, "POST", "/preview", form("xml", "<filter name='t'><filterref filter='tie-a'/><filterref filter='tie-b'/></filter>"), "HX-Request", "true")
	d := doc(t, rec)
	if n := d.Find(`[data-testid="preview-ebtables"] [data-testid="preview-tied-line"]`).Length(); n != 2 {
		t.Errorf("%d tied lines marked, want 2:\n%s", n, rec.Body)
	}
	if note := d.Find(`[data-testid="preview-tie"]`).Text(); !strings.Contains(note, "seeds at random") || !strings.Contains(note, "libvirt-I-vnet0") {
		t.Errorf("tie note %q", note)
	}
}

func TestEditorShowsPreview(t *testing.T) {
	s, fake, _ := newTestServer(t)
	fake.filters["vars"] = varsXML
	rec := do(t, s, "GET", "/filters/new", "")
	d := doc(t, rec)
	if got := d.Find(`[data-testid="preview-iptables"]`).Text(); !strings.Contains(got, "-A FI-vnet0 -d 192.168.122.1/32 -p tcp -m tcp --dport 22 -j DROP") {
		t.Errorf("new filter's preview: %q", got)
	}
	if got := d.Find(`[data-testid="preview-model"]`).Text(); !strings.Contains(got, "libvirt 9.0 (Debian 12), iptables/ebtables 1.8.9 nf_tables") {
		t.Errorf("model note %q", got)
	}
	if d.Find(`form[data-testid="filter-form"] #preview-result[hx-post="/preview"][hx-trigger*="delay:300ms"]`).Length() != 1 {
		t.Error("the preview does not post the editor's form as the user types")
	}
	rec = do(t, s, "GET", "/filters/vars/edit", "")
	d = doc(t, rec)
	if d.Find(`[data-testid="preview-var-SRV"]`).Length() != 1 || d.Find(`[data-testid="preview-var-CTRL_IP_LEARNING"]`).Length() != 1 {
		t.Errorf("the editor does not ask for the variables:\n%s", d.Find(`[data-testid="preview-vars"]`).Text())
	}
	// A refused define keeps the preview with the port the user had chosen.
	rec = do(t, s, "POST", "/filters/vars", form("xml", strings.Replace(varsXML, "accept", "explode", 1), "dev", "tap9", "var.SRV", "192.0.2.9"))
	d = doc(t, rec)
	if rec.Code != http.StatusBadRequest || d.Find(`[data-testid="preview-dev"]`).AttrOr("value", "") != "tap9" ||
		d.Find(`[data-testid="preview-var-SRV"]`).AttrOr("value", "") != "192.0.2.9" {
		t.Errorf("refused define: %d, dev %q", rec.Code, d.Find(`[data-testid="preview-dev"]`).AttrOr("value", ""))
	}
}

func TestAPIPreview(t *testing.T) {
	s, _, _ := newTestServer(t)
	q := url.Values{"dev": {"vnet3"}, "mac": {"52:54:00:AB:CD:EF"}, "param": {"IP=10.0.0.5", "SRV=192.0.2.1", "SRV=192.0.2.2"}}
	for _, tt := range []struct {
		name, path, body string
		status           int
		want             string
	}{
		{"XML body, query", "/api/v1/preview?" + q.Encode(), varsXML, 200, `-A FI-vnet3 -s 10.0.0.5/32 -d 192.0.2.2/32 -p tcp -m tcp --dport 443`},
		{"JSON", "/api/v1/preview", `{"xml":` + jsonString(seedXML) + `,"dev":"tap1"}`, 200, `-A HI-tap1 -d 192.168.122.1/32`},
		{"JSON with parameters", "/api/v1/preview", `{"xml":` + jsonString(varsXML) + `,"parameters":[{"name":"SRV","value":"192.0.2.7"}]}`, 200, `"learning":true`},
		{"refused instantiation", "/api/v1/preview", varsXML, 422, `"field":"parameters"`},
		{"refused definition", "/api/v1/preview", strings.Replace(seedXML, "drop", "explode", 1), 422, `unknown rule action attribute value`},
		{"empty", "/api/v1/preview", "", 400, `"field":"xml"`},
		{"bad MAC", "/api/v1/preview?mac=zz", seedXML, 400, `"field":"mac"`},
		{"bad dev", "/api/v1/preview?dev=a/b", seedXML, 400, `"field":"dev"`},
		{"bad param", "/api/v1/preview?param=IP", seedXML, 400, `"field":"param"`},
		{"bad param value", "/api/v1/preview?param=IP=1%262", seedXML, 400, `"field":"parameters"`},
		{"unknown JSON field", "/api/v1/preview", `{"xml":"x","port":1}`, 400, `"error":`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, s, "POST", tt.path, tt.body)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
				t.Errorf("%d %s; want %d with %q", rec.Code, rec.Body, tt.status, tt.want)
			}
		})
	}
	rec := do(t, s, "POST", "/api/v1/preview?"+q.Encode(), varsXML)
	var out apiPreview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.MAC != "52:54:00:ab:cd:ef" || out.Model == "" || len(out.Parameters) != 3 || out.Learning || len(out.Ties) != 0 {
		t.Errorf("answer %+v", out)
	}
	names := []string{}
	for _, v := range out.Variables {
		names = append(names, v.Name)
	}
	if strings.Join(names, ",") != "IP,SRV" {
		t.Errorf("variables %v", names)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// driftServer is a server over the fake with test-filter bound to vnet0 and a host whose
// tables are host.
func driftServer(t *testing.T, host func(context.Context) (libvirtx.HostTables, error)) *Server {
	t.Helper()
	fake := newFake()
	fake.filters["test-filter"] = seedXML
	fake.bindings["vnet0"] = fakeBinding("vnet0", "test-filter")
	return New(Deps{Libvirt: fake, Store: openTestStore(t), HostTables: host})
}

func withRule(line string) func(context.Context) (libvirtx.HostTables, error) {
	return func(ctx context.Context) (libvirtx.HostTables, error) {
		t, err := fakeTables(ctx)
		t.IPTables = strings.Replace(t.IPTables, "-A FI-vnet0 ", line+"\n-A FI-vnet0 ", 1)
		return t, err
	}
}

func TestFilterChainsDrift(t *testing.T) {
	const inserted = "-A FI-vnet0 -p udp -m udp --dport 9 -j DROP"
	for _, tt := range []struct {
		name   string
		host   func(context.Context) (libvirtx.HostTables, error)
		state  string
		diff   string
		notice string
	}{
		{"as predicted", fakeTables, "match", "", ""},
		{"a rule added by hand", withRule(inserted), "drift", "+ " + inserted, ""},
		{"no chains at all", func(context.Context) (libvirtx.HostTables, error) { return libvirtx.HostTables{}, nil }, "missing",
			"- -A FI-vnet0 -d 192.168.122.1/32 -p tcp -m tcp --dport 22 -j DROP", ""},
		{"tables unreadable", func(context.Context) (libvirtx.HostTables, error) {
			return libvirtx.HostTables{}, errors.New("iptables-save is not permitted")
		}, "", "", "cannot be read"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := driftServer(t, tt.host)
			rec := do(t, s, "GET", "/api/v1/filters/test-filter/chains?dev=vnet0", "")
			var out apiChains
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != 200 {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if out.Predicted == nil || !strings.Contains(out.Predicted.IPTables, "-A FI-vnet0 -d 192.168.122.1/32 -p tcp -m tcp --dport 22 -j DROP") {
				t.Errorf("predicted %+v", out.Predicted)
			}
			if out.Prediction.Filter != "test-filter" || out.Prediction.MAC != "52:54:00:00:00:07" {
				t.Errorf("prediction %+v", out.Prediction)
			}
			if tt.notice != "" {
				if out.Drift != nil || out.Actual != nil || !strings.Contains(out.Notice, tt.notice) {
					t.Errorf("unreadable host: %s", rec.Body)
				}
			} else if out.Drift == nil || out.Drift.State != tt.state || !strings.Contains(out.Drift.Diff["iptables"], tt.diff) {
				t.Errorf("drift %+v, want state %s with %q", out.Drift, tt.state, tt.diff)
			}

			// The page says the same.
			page := doc(t, do(t, s, "GET", "/filters/test-filter?dev=vnet0", ""))
			if tt.notice != "" {
				if !strings.Contains(page.Find(`[data-testid="chains-notice"]`).Text(), tt.notice) ||
					!strings.Contains(page.Find(`[data-testid="predicted"] [data-testid="preview-iptables"]`).Text(), "--dport 22 -j DROP") {
					t.Error("an unreadable host's page does not show the prediction with the notice")
				}
				return
			}
			if got := page.Find(`[data-testid="drift"]`).AttrOr("data-state", ""); got != tt.state {
				t.Errorf("page drift state %q, want %q", got, tt.state)
			}
			if tt.diff != "" && !strings.Contains(page.Find(`[data-testid="drift-iptables"]`).Text(), tt.diff) {
				t.Errorf("page diff %q lacks %q", page.Find(`[data-testid="drift-iptables"]`).Text(), tt.diff)
			}
		})
	}
}

func TestFilterWithoutPortsShowsPreview(t *testing.T) {
	s, fake, _ := newTestServer(t)
	fake.filters["test-filter"] = seedXML
	d := doc(t, do(t, s, "GET", "/filters/test-filter", ""))
	if d.Find(`[data-testid="no-ports"]`).Length() != 1 {
		t.Fatal("the filter is in use?")
	}
	if got := d.Find(`[data-testid="preview-form"] [data-testid="preview-iptables"]`).Text(); !strings.Contains(got, "-A FI-vnet0 -d 192.168.122.1/32") {
		t.Errorf("no preview for a filter no port uses: %q", got)
	}
	if d.Find(`[data-testid="preview-form"] input[name="xml"]`).AttrOr("value", "") != seedXML {
		t.Error("the preview form does not carry the filter's XML")
	}
	// The API says to preview it.
	rec := do(t, s, "GET", "/api/v1/filters/test-filter/chains", "")
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "/api/v1/preview") {
		t.Errorf("chains without a port: %d %s", rec.Code, rec.Body)
	}
}

func TestFilterChainsRefusedAndUnbound(t *testing.T) {
	s, fake, _ := newTestServer(t)
	fake.filters["needs-ip"] = `<filter name='needs-ip'><rule action='accept' direction='out'><tcp srcipaddr='$X'/></rule></filter>`
	fake.bindings["vnet0"] = fakeBinding("vnet0", "needs-ip")
	rec := do(t, s, "GET", "/api/v1/filters/needs-ip/chains?dev=vnet0", "")
	var out apiChains
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	if out.Predicted != nil || !strings.Contains(out.Prediction.Refusal, "unresolvable variables") || out.Drift == nil || out.Drift.State != "refused" {
		t.Errorf("refused port: %s", rec.Body)
	}
	// A port the filter is not in effect on has none of its chains to show.
	rec = do(t, s, "GET", "/api/v1/filters/needs-ip/chains?dev=vnet8", "")
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), "not in effect on port vnet8") || !strings.Contains(rec.Body.String(), `"field":"dev"`) {
		t.Errorf("unbound port: %d %s", rec.Code, rec.Body)
	}
}
