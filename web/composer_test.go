package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/nwfilter-web/nwfilter-web/nwfilter"
)

// formValues collects what a browser would send for the form sel of the page: text, hidden
// and other inputs, checked checkboxes, the selected option of each select, textareas.
func formValues(t *testing.T, d *goquery.Document, sel string) url.Values {
	t.Helper()
	f := d.Find(sel)
	if f.Length() == 0 {
		t.Fatalf("no form %s in the page", sel)
	}
	v := url.Values{}
	f.Find("input, select, textarea").Each(func(_ int, s *goquery.Selection) {
		name, ok := s.Attr("name")
		if !ok || name == "" || name == "op" {
			return
		}
		switch goquery.NodeName(s) {
		case "input":
			typ, _ := s.Attr("type")
			if typ == "checkbox" {
				if _, on := s.Attr("checked"); on {
					val, _ := s.Attr("value")
					v.Add(name, val)
				}
				return
			}
			val, _ := s.Attr("value")
			v.Add(name, val)
		case "textarea":
			v.Add(name, s.Text())
		case "select":
			opt := s.Find("option[selected]").First()
			if opt.Length() == 0 {
				opt = s.Find("option").First()
			}
			val, _ := opt.Attr("value")
			v.Add(name, val)
		}
	})
	return v
}

// composerPost posts the form with op set and returns the answer as a document.
func composerPost(t *testing.T, s http.Handler, path string, v url.Values, op string, want int) *goquery.Document {
	t.Helper()
	body := url.Values{}
	for k, vs := range v {
		body[k] = append([]string(nil), vs...)
	}
	if op != "" {
		body.Set("op", op)
	}
	rec := do(t, s, "POST", path, body.Encode(), "HX-Request", "true")
	if rec.Code != want {
		t.Fatalf("POST %s op=%s: %d, want %d\n%s", path, op, rec.Code, want, rec.Body.String())
	}
	return doc(t, rec)
}

func TestComposerPages(t *testing.T) {
	s, _, _ := newTestServer(t)
	for _, c := range []struct{ path, name, title string }{
		{"/composer", "", "New filter"},
		{"/composer/clean-traffic/clone", "clean-traffic-copy", "New filter from clean-traffic"},
		{"/composer/no-arp-spoofing/clone", "no-arp-spoofing-copy", "New filter from no-arp-spoofing"}, // shipped, not in the fake
		{"/composer/clean-traffic", "clean-traffic", "Compose clean-traffic"},
	} {
		rec := do(t, s, "GET", c.path, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", c.path, rec.Code, rec.Body.String())
		}
		d := doc(t, rec)
		if got, _ := d.Find(`[data-testid="composer-name"]`).Attr("value"); got != c.name {
			t.Errorf("%s: name %q, want %q", c.path, got, c.name)
		}
		if got := strings.Join(strings.Fields(d.Find("h1").Text()), " "); got != c.title {
			t.Errorf("%s: title %q", c.path, got)
		}
	}
	if rec := do(t, s, "GET", "/composer/nope", ""); rec.Code != http.StatusNotFound {
		t.Errorf("unknown filter: %d", rec.Code)
	}
	// The links to the composer.
	d := doc(t, do(t, s, "GET", "/filters", ""))
	if d.Find(`a[href="/composer"]`).Length() != 1 || d.Find(`a[href="/composer/clean-traffic/clone"]`).Length() != 1 {
		t.Error("the filter list links neither the composer nor the clone")
	}
	d = doc(t, do(t, s, "GET", "/filters/clean-traffic", ""))
	if d.Find(`a[href="/composer/clean-traffic"]`).Length() != 1 {
		t.Error("the filter page does not link Edit in composer")
	}
}

// TestComposerSeedRule builds the seed's rule from the forms alone, watches the checks and the
// prediction, and defines it.
func TestComposerSeedRule(t *testing.T) {
	s, fake, st := newTestServer(t)
	d := doc(t, do(t, s, "GET", "/composer", ""))
	v := formValues(t, d, "#composer-form")
	v.Set("name", "seed")
	d = composerPost(t, s, "/composer/update", v, "add-rule", http.StatusOK)
	v = formValues(t, d, "#composer-form")
	// Choosing the protocol is a check like any other change; the answer is the composer
	// again, with the protocol's fields.
	v.Set("e0.proto", "tcp")
	body := url.Values{}
	for k, vs := range v {
		body[k] = vs
	}
	rec := do(t, s, "POST", "/composer/check", body.Encode(), "HX-Request", "true")
	if rec.Code != http.StatusOK || rec.Header().Get("HX-Retarget") != "#composer" || rec.Header().Get("HX-Reswap") != "outerHTML" {
		t.Fatalf("protocol change: %d %v", rec.Code, rec.Header())
	}
	d = doc(t, rec)
	if d.Find(`[data-testid="attr-dstportstart"]`).Length() != 1 || d.Find(`[data-testid="attr-flags"]`).Length() != 1 {
		t.Fatal("the tcp form lacks dstportstart or flags")
	}
	v = formValues(t, d, "#composer-form")
	v.Set("e0.action", "drop")
	v.Set("e0.direction", "out")
	v.Set("e0.a.dstipaddr", "192.168.122.1")
	v.Set("e0.a.dstportstart", "65536")

	// As typed: a port too large, in libvirt's words, on the field.
	d = composerPost(t, s, "/composer/check", v, "", http.StatusOK)
	msg := d.Find("#m-0-attr-dstportstart")
	if !strings.HasPrefix(msg.Text(), "internal error: dstportstart has illegal value 65536 (expected: 0-65535") || !msg.HasClass("bad") {
		t.Errorf("dstportstart's message: %q %v", msg.Text(), msg.AttrOr("class", ""))
	}
	if _, oob := msg.Attr("hx-swap-oob"); !oob {
		t.Error("the message is not swapped out of band")
	}
	// Define refuses to send it.
	calls := fake.calls
	composerPost(t, s, "/composer/define", v, "", http.StatusBadRequest)
	if fake.calls != calls {
		t.Error("a filter libvirt would refuse was sent")
	}

	v.Set("e0.a.dstportstart", "22")
	d = composerPost(t, s, "/composer/check", v, "", http.StatusOK)
	if txt := d.Find("#m-0-attr-dstportstart").Text(); txt != "" {
		t.Errorf("dstportstart still says %q", txt)
	}
	wantXML := "<filter name='seed' chain='root'>\n  <rule action='drop' direction='out' priority='500'>\n    <tcp dstipaddr='192.168.122.1' dstportstart='22'/>\n  </rule>\n</filter>\n"
	if got := d.Find("#composer-xml").Text(); got != wantXML {
		t.Errorf("XML:\n%s\nwant:\n%s", got, wantXML)
	}
	if d.Find(`[data-testid="preview"]`).Length() != 0 {
		t.Error("the check predicts: the preview panel asks for that itself")
	}
	// The preview panel posts the composer's form to its own endpoint.
	d = composerPost(t, s, "/composer/update", v, "", http.StatusOK)
	if got := d.Find(`[data-testid="preview-panel"] #preview-result`).AttrOr("hx-post", ""); got != composerPreviewEndpoint {
		t.Errorf("the composer's preview panel posts to %q", got)
	}
	v = formValues(t, d, "#composer-form")
	v.Set("dev", "vnet7")
	d = composerPost(t, s, composerPreviewEndpoint, v, "", http.StatusOK)
	ipt := d.Find(`[data-testid="preview-iptables"]`).Text()
	for _, line := range seedRules("vnet7") {
		if !strings.Contains(ipt, line) {
			t.Errorf("predicted iptables lacks %q:\n%s", line, ipt)
		}
	}
	// A change to the forms keeps the port the panel had.
	d = composerPost(t, s, "/composer/update", v, "", http.StatusOK)
	if got := d.Find(`[data-testid="preview-dev"]`).AttrOr("value", ""); got != "vnet7" {
		t.Errorf("the preview's device after an update: %q", got)
	}
	rec = do(t, s, "POST", "/composer/define", v.Encode())
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/filters/seed?done=Filter+seed+defined." {
		t.Fatalf("define: %d %s %s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	if !strings.Contains(fake.filters["seed"], "<tcp dstipaddr='192.168.122.1' dstportstart='22'/>") {
		t.Errorf("defined:\n%s", fake.filters["seed"])
	}
	if es := auditRows(t, st); len(es) != 1 || es[0].Action != actFilterDefine || es[0].Target != "seed" {
		t.Errorf("audit: %+v", es)
	}
}

// TestComposerOps: add, duplicate, move, delete, parameters, protocol change, and the switch
// between forms and XML, losing nothing the forms do not show.
func TestComposerOps(t *testing.T) {
	s, _, _ := newTestServer(t)
	start := `<filter name='ops' chain='ipv4-x' priority='0' odd='1'>
  <rule action='accept' direction='in' statematch='0' note='n'>
    <tcp match='no' srcipaddr='10.0.0.1' bogus='b'/>
    <tcp dstportstart='22' flags='SYN/SYN' comment=''/>
  </rule>
  <filterref filter='clean-traffic'>
    <parameter name='IP' value='10.0.0.1'/>
    <parameter name='IP' value='10.0.0.2'/>
  </filterref>
  <junk a='1'/>
</filter>`
	v := url.Values{"mode": {"xml"}, "xml": {start}}
	d := composerPost(t, s, "/composer/update", v, "view-form", http.StatusOK)
	v = formValues(t, d, "#composer-form")
	f0 := mustModel(t, s, v)

	// XML -> forms -> XML keeps everything.
	orig, _ := nwfilter.ParseFilter(start)
	if f0.XML() != orig.XML() {
		t.Fatalf("through the forms:\n%s\nwant:\n%s", f0.XML(), orig.XML())
	}
	if d.Find(`[data-testid="kept"]`).Length() != 2 {
		t.Errorf("kept things not listed: %d", d.Find(`[data-testid="kept"]`).Length())
	}

	step := func(op string) *nwfilter.Filter {
		t.Helper()
		d := composerPost(t, s, "/composer/update", v, op, http.StatusOK)
		v = formValues(t, d, "#composer-form")
		return mustModel(t, s, v)
	}
	f := step("dup.0")
	if len(f.Entries) != 3 || f.Entries[1].Rule == nil || f.Entries[0].Rule.Attrs[0] != f.Entries[1].Rule.Attrs[0] {
		t.Fatalf("dup: %s", f.XML())
	}
	f = step("down.0")
	if f.Entries[0].Rule == nil || f.Entries[2].Ref == nil {
		t.Fatalf("down: %s", f.XML())
	}
	f = step("up.2")
	if f.Entries[1].Ref == nil {
		t.Fatalf("up: %s", f.XML())
	}
	f = step("del.2")
	if len(f.Entries) != 2 {
		t.Fatalf("del: %s", f.XML())
	}
	f = step("addparam.1")
	if got := len(f.Entries[1].Ref.Params); got != 2 {
		t.Fatalf("an empty parameter row is not a parameter: %d", got)
	}
	v.Add("e1.pn", "DHCPSERVER") // what the new row sends once filled
	v.Add("e1.pv", "10.0.0.254")
	f = step("delparam.1.0")
	if ps := f.Entries[1].Ref.Params; len(ps) != 2 || ps[0].Value != "10.0.0.2" || ps[1].Name != "DHCPSERVER" {
		t.Fatalf("delparam: %+v", ps)
	}
	v.Set("e0.proto", "udp")
	d = composerPost(t, s, "/composer/update", v, "proto.0", http.StatusOK)
	if n := d.Find(`[data-testid="composer-notice"]`).Text(); !strings.Contains(n, "flags='SYN/SYN' (udp has no flags)") {
		t.Errorf("notice: %q", n)
	}
	v = formValues(t, d, "#composer-form")
	f = mustModel(t, s, v)
	if a, ok := f.Entries[0].Rule.Attr("dstportstart"); !ok || a.Value != "22" {
		t.Errorf("udp lost dstportstart: %s", f.XML())
	}
	if a, ok := f.Entries[0].Rule.Attr("bogus"); !ok || a.Value != "b" || !a.Neg {
		t.Errorf("the unknown attribute is gone: %s", f.XML())
	}
	// To XML and back.
	d = composerPost(t, s, "/composer/update", v, "view-xml", http.StatusOK)
	text := d.Find(`[data-testid="composer-xml-input"]`).Text()
	if text != f.XML() {
		t.Errorf("XML view:\n%s\nwant\n%s", text, f.XML())
	}
	v = formValues(t, d, "#composer-form")
	v.Set("xml", strings.Replace(text, "<junk a='1'/>", "<junk a='2'/>", 1))
	d = composerPost(t, s, "/composer/update", v, "view-form", http.StatusOK)
	v = formValues(t, d, "#composer-form")
	if f = mustModel(t, s, v); !strings.Contains(f.XML(), "<junk a='2'/>") {
		t.Errorf("the edit in XML did not come back: %s", f.XML())
	}
	// Broken XML stays in the XML view, as typed.
	v = url.Values{"mode": {"xml"}, "xml": {"<filter name='x'><rule>"}}
	d = composerPost(t, s, "/composer/update", v, "view-form", http.StatusOK)
	if d.Find(`[data-testid="composer-xml-input"]`).Text() != "<filter name='x'><rule>" || d.Find(`[data-testid="composer-xml-error"]`).Length() != 1 {
		t.Error("broken XML was not kept with its error")
	}
	composerPost(t, s, "/composer/update", url.Values{"n": {"1"}}, "dup.7", http.StatusBadRequest)
}

func mustModel(t *testing.T, s http.Handler, v url.Values) *nwfilter.Filter {
	t.Helper()
	st, err := parseComposerForm(v)
	if err != nil || st.f == nil {
		t.Fatalf("form: %v %+v", err, st)
	}
	return st.f
}

func TestAPICheckFilter(t *testing.T) {
	s, fake, _ := newTestServer(t)
	calls := fake.calls
	rec := do(t, s, "POST", "/api/v1/filters/check", "<filter name='x' chain='mac'><rule action='drop' direction='out'><tcp dstportstart='65536' flags='SYN'/><udp/></rule></filter>")
	var got apiCheckResult
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("%d %s %v", rec.Code, rec.Body, err)
	}
	wantXML := "<filter name='x' chain='mac' priority='-800'>\n  <rule action='drop' direction='out' priority='500'>\n    <tcp dstportstart='65536' flags='SYN'/>\n    <udp/>\n  </rule>\n</filter>\n"
	want := []apiProblem{
		{0, "extra", "libvirt ignores <udp> in a rule", true},
		{0, "attr.dstportstart", "internal error: dstportstart has illegal value 65536", false},
		{0, "attr.flags", "internal error: flags has illegal value SYN", false},
	}
	if got.OK || got.XML != wantXML || !slices.Equal(got.Problems, want) {
		t.Errorf("got %+v", got)
	}
	if rec := do(t, s, "POST", "/api/v1/filters/check", "<filter"); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"field":"xml"`) {
		t.Errorf("broken XML: %d %s", rec.Code, rec.Body)
	}
	if fake.calls != calls {
		t.Error("the check sent something to libvirt")
	}
}

// TestComposerCheckTargets: every slot a check swaps in out of band is on the page the check
// is made from (htmx logs htmx:oobErrorNoTarget for one that is not), for the forms and for
// the XML view, with rules of every shape: no protocol, one libvirt does not have, attributes
// the protocol does not have, a port error that involves the whole element, a reference.
func TestComposerCheckTargets(t *testing.T) {
	s, _, _ := newTestServer(t)
	start := `<filter name='shapes' chain='ipv4-x' odd='1'>
  <rule action='accept' direction='in' note='n'>
    <tcp srcipaddr='10.0.0.1' bogus='b'/>
  </rule>
  <rule action='drop' direction='out'/>
  <rule action='drop' direction='out'><frob a='1'/></rule>
  <rule action='drop' direction='out'><ip dstportstart='22'/></rule>
  <filterref filter='clean-traffic'><parameter name='IP' value='10.0.0.1'/></filterref>
  <junk a='1'/>
</filter>`
	pages := map[string]*goquery.Document{"new": doc(t, do(t, s, "GET", "/composer", ""))}
	d := composerPost(t, s, "/composer/update", url.Values{"mode": {"xml"}, "xml": {start}}, "view-form", http.StatusOK)
	pages["forms"] = d
	pages["xml"] = composerPost(t, s, "/composer/update", formValues(t, d, "#composer-form"), "view-xml", http.StatusOK)
	for name, page := range pages {
		t.Run(name, func(t *testing.T) {
			check := composerPost(t, s, "/composer/check", formValues(t, page, "#composer-form"), "", http.StatusOK)
			oob := check.Find("[hx-swap-oob]")
			if oob.Length() == 0 {
				t.Fatal("the check swaps nothing in")
			}
			oob.Each(func(_ int, el *goquery.Selection) {
				id := el.AttrOr("id", "")
				if id == "" || page.Find("#"+id).Length() != 1 {
					t.Errorf("the check swaps into #%s, which the page has %d times", id, page.Find("#"+id).Length())
				}
			})
		})
	}
	// The messages that have no field of their own are still said: beside what is kept.
	if got := pages["forms"].Find("#m-0-extra").Text(); !strings.Contains(got, "bogus") || !strings.Contains(got, "note") {
		t.Errorf("rule 1's kept message: %q", got)
	}
	if got := pages["forms"].Find("#m-3-element").Text(); !strings.Contains(got, "requires protocol specification") {
		t.Errorf("rule 4's element message: %q", got)
	}
}

// TestComposerNameHint: a new filter's missing name is a hint on the name field until the user
// tries to define it; then it is libvirt's refusal, and stays one until the filter is named.
func TestComposerNameHint(t *testing.T) {
	s, fake, _ := newTestServer(t)
	d := doc(t, do(t, s, "GET", "/composer", ""))
	msg := d.Find("#m-f-name")
	if !strings.HasPrefix(msg.Text(), "Name the filter: ") || !msg.HasClass("hint") || msg.HasClass("bad") {
		t.Errorf("the empty composer's name message: %q %q", msg.Text(), msg.AttrOr("class", ""))
	}
	if body := d.Find("#composer").Text(); strings.Contains(body, "internal error") || strings.Contains(body, "libvirt would refuse") {
		t.Errorf("the empty composer says it is wrong:\n%s", d.Find("#composer").Text())
	}
	if got := d.Find(`[data-testid="composer-summary"]`).Text(); !strings.Contains(got, "name it to define it") || strings.Contains(got, "as written") {
		t.Errorf("summary %q", got)
	}
	if d.Find(`[data-testid="composer-problems"] li`).Length() != 0 {
		t.Error("the missing name is listed as a problem")
	}
	v := formValues(t, d, "#composer-form")
	d = composerPost(t, s, "/composer/check", v, "", http.StatusOK)
	if msg := d.Find("#m-f-name"); !msg.HasClass("hint") {
		t.Errorf("a check's name message: %q %q", msg.Text(), msg.AttrOr("class", ""))
	}

	// Define: refused, nothing sent, and now in libvirt's words.
	calls := fake.calls
	d = composerPost(t, s, "/composer/define", v, "", http.StatusBadRequest)
	if fake.calls != calls {
		t.Error("an unnamed filter was sent")
	}
	if msg := d.Find("#m-f-name"); msg.Text() != "internal error: filter has no name" || !msg.HasClass("bad") {
		t.Errorf("after define, the name message: %q %q", msg.Text(), msg.AttrOr("class", ""))
	}
	v = formValues(t, d, "#composer-form")
	d = composerPost(t, s, "/composer/check", v, "", http.StatusOK)
	if msg := d.Find("#m-f-name"); !msg.HasClass("bad") {
		t.Errorf("a check after define forgets the refusal: %q %q", msg.Text(), msg.AttrOr("class", ""))
	}
	v.Set("name", "named")
	d = composerPost(t, s, "/composer/check", v, "", http.StatusOK)
	if msg := d.Find("#m-f-name"); msg.Text() != "" {
		t.Errorf("named, the name message: %q", msg.Text())
	}
	if got := d.Find(`[data-testid="composer-summary"]`).Text(); !strings.Contains(got, "libvirt would take it as written") {
		t.Errorf("named, summary %q", got)
	}
}
