package web

// The composer and the save paths against the real libvirtd: a rich filter (every protocol,
// every attribute) composed from the forms alone, defined, read back and shown as forms again
// with nothing lost; and the GET/PUT identity: reading a filter and saving it unchanged, through
// the API, the XML editor or the composer, leaves libvirt's filter as it was.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
)

// richValues is a value libvirt takes unchanged for each kind of attribute.
var richValues = map[nwfilter.AttrKind]string{
	nwfilter.KindMAC: "52:54:00:aa:bb:cc", nwfilter.KindMACMask: "ff:ff:ff:00:00:00",
	nwfilter.KindIPv4: "10.1.2.3", nwfilter.KindIPv4Mask: "24",
	nwfilter.KindIPv6: "2001:db8::1", nwfilter.KindIPv6Mask: "64",
	nwfilter.KindUint8: "0x12", nwfilter.KindUint16: "1024", nwfilter.KindUint16Dec: "5", nwfilter.KindUint32: "0xabc",
	nwfilter.KindDSCP: "10", nwfilter.KindVLANID: "42", nwfilter.KindEthertype: "ipv4", nwfilter.KindVLANProto: "0x8000",
	nwfilter.KindARPOpcode: "Reply", nwfilter.KindIPProto: "tcp", nwfilter.KindState: "NEW,ESTABLISHED",
	nwfilter.KindTCPFlags: "SYN,ACK/SYN", nwfilter.KindIPSet: "myset", nwfilter.KindIPSetFlags: "src",
	nwfilter.KindComment: "rich & 'quoted'", nwfilter.KindBool: "true",
}

// richFilter has, for every protocol, a rule with every attribute set (every other protocol
// negated, and one rule with a variable in each attribute), and a reference with a list.
func richFilter(name string) *nwfilter.Filter {
	f := &nwfilter.Filter{Name: name, Chain: "ipv4-rich", Priority: "0"}
	actions := []string{"drop", "reject", "accept", "return", "continue"}
	dirs := []string{"in", "out", "inout"}
	for i, p := range nwfilter.Protocols() {
		r := &nwfilter.Rule{Action: actions[i%5], Direction: dirs[i%3], Priority: strconv.Itoa(i*10 - 100), Protocol: p.Name}
		if i%4 == 1 {
			r.StateMatch = "false"
		}
		for _, a := range p.Attrs {
			// Negating ipsetflags would not survive: libvirt gives ipset its own, plain one.
			r.Attrs = append(r.Attrs, nwfilter.Attr{Name: a.Name, Value: richValues[a.Kind], Neg: i%2 == 1 && a.Name != "ipsetflags"})
		}
		f.Entries = append(f.Entries, nwfilter.Entry{Rule: r})
	}
	vars := &nwfilter.Rule{Action: "accept", Direction: "in", Priority: "0", Protocol: "udp"}
	for j, a := range []string{"srcipaddr", "dstipaddr", "srcportstart", "dstportstart", "comment"} {
		ref := []string{"$IP", "$DST[@1]", "$PORTS[@2]", "$PORTS[1]", "$NOTE"}[j]
		vars.Attrs = append(vars.Attrs, nwfilter.Attr{Name: a, Value: ref})
	}
	f.Entries = append(f.Entries, nwfilter.Entry{Rule: vars},
		nwfilter.Entry{Ref: &nwfilter.Ref{Filter: "clean-traffic", Params: []nwfilter.Param{
			{Name: "IP", Value: "10.0.0.1"}, {Name: "IP", Value: "10.0.0.2"}, {Name: "CTRL_IP_LEARNING", Value: "none"}}}})
	return f
}

// postForm posts a form as a browser would (no HTMX) and returns the status and the body.
func postForm(t *testing.T, s http.Handler, path string, v url.Values) (int, string) {
	t.Helper()
	rec := do(t, s, "POST", path, v.Encode())
	return rec.Code, rec.Body.String()
}

func getBody(t *testing.T, s http.Handler, path string) string {
	t.Helper()
	rec := do(t, s, "GET", path, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// TestComposerRichRoundTrip composes the rich filter from the forms alone, defines it, and
// finds libvirt's dumpxml to be the composer's XML, and the forms of the defined filter to be
// the ones it was composed with.
func TestComposerRichRoundTrip(t *testing.T) {
	s, conn, _ := liveServer(t)
	name := libvirtxtest.UniqueName("nwc-rich")
	cleanupFilter(t, conn, name)
	want := richFilter(name)
	if ps := want.Check(); len(ps) > 0 {
		t.Fatalf("the rich filter has problems: %v", ps)
	}

	// Compose it, one form change at a time.
	d := doc(t, do(t, s, "GET", "/composer", ""))
	v := formValues(t, d, "#composer-form")
	v.Set("name", name)
	v.Set("chain", want.Chain)
	v.Set("priority", want.Priority)
	for i, e := range want.Entries {
		if e.Ref != nil {
			d = composerPost(t, s, "/composer/update", v, "add-ref", http.StatusOK)
			v = formValues(t, d, "#composer-form")
			v.Set(fmt.Sprintf("e%d.filter", i), e.Ref.Filter)
			for _, p := range e.Ref.Params {
				v.Add(fmt.Sprintf("e%d.pn", i), p.Name)
				v.Add(fmt.Sprintf("e%d.pv", i), p.Value)
			}
			continue
		}
		r := e.Rule
		d = composerPost(t, s, "/composer/update", v, "add-rule", http.StatusOK)
		v = formValues(t, d, "#composer-form")
		v.Set(fmt.Sprintf("e%d.proto", i), r.Protocol)
		d = composerPost(t, s, "/composer/update", v, "proto."+strconv.Itoa(i), http.StatusOK)
		v = formValues(t, d, "#composer-form")
		set := func(field, value string) { v.Set(fmt.Sprintf("e%d.%s", i, field), value) }
		set("action", r.Action)
		set("direction", r.Direction)
		set("priority", r.Priority)
		set("statematch", r.StateMatch)
		for _, a := range r.Attrs {
			if d.Find(fmt.Sprintf(`[data-testid="entry-%d"] [data-testid="attr-%s"]`, i, a.Name)).Length() != 1 {
				t.Fatalf("rule %d (%s) offers no %s", i, r.Protocol, a.Name)
			}
			set("a."+a.Name, a.Value)
			if a.Neg {
				set("n."+a.Name, "no")
			}
		}
	}
	d = composerPost(t, s, "/composer/check", v, "", http.StatusOK)
	composed := d.Find("#composer-xml").Text()
	if composed != want.XML() {
		t.Fatalf("the forms make\n%s\nwant\n%s", composed, want.XML())
	}
	if n := d.Find(".fieldmsg.bad, .fieldmsg.warn").Length(); n != 0 {
		t.Errorf("%d fields have messages", n)
	}

	if code, body := postForm(t, s, "/composer/define", v); code != http.StatusSeeOther {
		t.Fatalf("define: %d %s", code, body)
	}
	dump, err := conn.FilterXML(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	back, _ := nwfilter.FromLibvirt(dump)
	want.UUID = back.UUID
	// Byte for byte, but for the chain priority of 0, which dumpxml leaves out (and the
	// composer writes: without it the text would mean the chain's default).
	if fixed := strings.Replace(dump, "chain='ipv4-rich'>", "chain='ipv4-rich' priority='0'>", 1); fixed != want.XML() || back.XML() != want.XML() {
		t.Errorf("libvirt's dumpxml\n%s\nthe composer's XML\n%s", dump, want.XML())
	}

	// The defined filter, shown as forms again: the same forms.
	d = doc(t, do(t, s, "GET", "/composer/"+name, ""))
	again := formValues(t, d, "#composer-form")
	if got := mustModel(t, s, again).XML(); got != want.XML() {
		t.Errorf("the forms of the defined filter make\n%s\nwant\n%s", got, want.XML())
	}
	for i, e := range want.Entries {
		if e.Rule == nil {
			continue
		}
		for _, a := range e.Rule.Attrs {
			norm, _, _ := nwfilter.CheckAttr(e.Rule.Protocol, a.Name, a.Value)
			if got := again.Get(fmt.Sprintf("e%d.a.%s", i, a.Name)); got != norm {
				t.Errorf("rule %d %s: the form shows %q, want %q", i, a.Name, got, norm)
			}
		}
	}
}

// identityCases are filters as they may be in libvirt, each with what makes it a trap for a
// read-modify-write (trap: defining libvirt's own dumpxml of it again changes it).
var identityCases = []struct {
	label, body, attrs string
	trap               bool
}{
	{"mac chain at 0", "<rule action='accept' direction='in'><mac protocolid='ipv4'/></rule>", "chain='mac' priority='0'", true},
	{"mac chain default", "<rule action='accept' direction='in'><mac/></rule>", "chain='mac'", false},
	{"mac chain at -300", "<rule action='accept' direction='in'><mac/></rule>", "chain='mac' priority='-300'", false},
	{"vlan chain at 0", "<rule action='accept' direction='in'><vlan vlanid='5'/></rule>", "chain='vlan' priority='0'", true},
	{"arp chain at 0", "<rule action='accept' direction='in'><arp/></rule>", "chain='arp' priority='0'", true},
	{"rarp chain at 0", "<rule action='accept' direction='in'><rarp/></rule>", "chain='rarp' priority='0'", true},
	{"ipv4 chain at 0", "<rule action='accept' direction='in'><ip/></rule>", "chain='ipv4' priority='0'", true},
	{"ipv6 chain at 0", "<rule action='accept' direction='in'><ipv6/></rule>", "chain='ipv6' priority='0'", true},
	{"custom chain at 0", "<rule action='accept' direction='in'><ip/></rule>", "chain='ipv4-ssh' priority='0'", true},
	{"stp chain at 0", "<rule action='accept' direction='in'><stp/></rule>", "chain='stp' priority='0'", false},
	{"stp chain at 10", "<rule action='accept' direction='in'><stp/></rule>", "chain='stp' priority='10'", false},
	{"root chain", "<rule action='accept' direction='in'><all/></rule>", "chain='root'", false},
	{"no chain", "<rule action='accept' direction='in'><all/></rule>", "priority='10'", false},
	{"rule priorities 0, -1000, 1000", "<rule action='accept' direction='in' priority='0'><tcp/></rule><rule action='drop' direction='out' priority='-1000'><udp/></rule><rule action='drop' direction='out' priority='1000'><icmp/></rule>", "chain='root'", false},
	{"ipset", "<rule action='accept' direction='in'><tcp ipset='myset'/></rule><rule action='accept' direction='in'><udp match='no' ipset='other'/></rule>", "chain='root'", true},
	{"ipset on all", "<rule action='accept' direction='in'><all ipset='myset' ipsetflags='dst,src'/></rule>", "chain='root'", false},
	{"comment with a line break", "<rule action='accept' direction='in'><tcp comment='two&#10;lines&#9;tabbed'/></rule>", "chain='root'", true},
	{"match no, mixed", "<rule action='accept' direction='in'><tcp match='no' srcipaddr='10.0.0.1' srcportstart='80'/><tcp dstportstart='22' dstipaddr='10.0.0.2'/></rule>", "chain='root'", false},
	{"statematch", "<rule action='accept' direction='in' statematch='false'><tcp state='NEW'/></rule>", "chain='root'", false},
	{"variables", "<rule action='accept' direction='in'><udp srcipaddr='$IP' dstportstart='$P[@1]' srcportstart='$P[0]'/></rule>", "chain='root'", false},
	{"filterref with a list", "<filterref filter='clean-traffic'><parameter name='IP' value='10.0.0.2'/><parameter name='IP' value='10.0.0.1'/><parameter name='A' value='x'/></filterref>", "chain='root'", false},
}

// TestGetPutIdentity: a filter read and saved again unchanged, through the API (GET then PUT),
// the XML editor or the composer, is in libvirt exactly as before. For the traps, defining
// libvirt's dumpxml directly (what a naive read-modify-write does) is shown to change it.
func TestGetPutIdentity(t *testing.T) {
	s, conn, _ := liveServer(t)
	ctx := context.Background()

	paths := map[string]func(t *testing.T, name string){
		"api": func(t *testing.T, name string) {
			body := getBody(t, s, "/api/v1/filters/"+url.PathEscape(name)+"?format=xml")
			if rec := do(t, s, "PUT", "/api/v1/filters/"+url.PathEscape(name), body); rec.Code != http.StatusOK {
				t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
			}
		},
		"editor": func(t *testing.T, name string) {
			d := doc(t, do(t, s, "GET", "/filters/"+url.PathEscape(name)+"/edit", ""))
			v := formValues(t, d, `[data-testid="filter-form"]`)
			if code, body := postForm(t, s, "/filters/"+url.PathEscape(name), v); code != http.StatusSeeOther {
				t.Fatalf("editor save: %d %s", code, body)
			}
		},
		"composer": func(t *testing.T, name string) {
			d := doc(t, do(t, s, "GET", "/composer/"+url.PathEscape(name), ""))
			v := formValues(t, d, "#composer-form")
			if code, body := postForm(t, s, "/composer/define", v); code != http.StatusSeeOther {
				t.Fatalf("composer define: %d %s", code, body)
			}
		},
		"composer via XML": func(t *testing.T, name string) {
			d := doc(t, do(t, s, "GET", "/composer/"+url.PathEscape(name), ""))
			v := formValues(t, d, "#composer-form")
			d = composerPost(t, s, "/composer/update", v, "view-xml", http.StatusOK)
			v = formValues(t, d, "#composer-form")
			if code, body := postForm(t, s, "/composer/define", v); code != http.StatusSeeOther {
				t.Fatalf("composer define: %d %s", code, body)
			}
		},
	}
	cases := append([]struct {
		label, body, attrs string
		trap               bool
	}{}, identityCases...)
	rich := richFilter("x")
	var richBody strings.Builder
	for _, e := range rich.Entries {
		g := &nwfilter.Filter{Name: "x", Chain: "root", Entries: []nwfilter.Entry{e}}
		x := g.XML()
		richBody.WriteString(x[strings.Index(x, ">\n")+2 : strings.LastIndex(x, "</filter>")])
	}
	// The rich filter has an ipset (the trap) and a chain at 0.
	cases = append(cases, struct {
		label, body, attrs string
		trap               bool
	}{"rich", richBody.String(), "chain='ipv4-rich' priority='0'", true})

	for _, c := range cases {
		t.Run(c.label, func(t *testing.T) {
			for _, path := range []string{"api", "editor", "composer", "composer via XML", "naive"} {
				name := libvirtxtest.UniqueName("nwc-id")
				cleanupFilter(t, conn, name)
				if _, err := conn.DefineFilter(ctx, fmt.Sprintf("<filter name='%s' %s>%s</filter>", name, c.attrs, c.body)); err != nil {
					t.Fatalf("define %s: %v", c.label, err)
				}
				before, err := conn.FilterXML(ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				if path == "naive" {
					if _, err := conn.DefineFilter(ctx, before); err != nil {
						t.Fatalf("naive redefine: %v", err)
					}
				} else {
					paths[path](t, name)
				}
				after, err := conn.FilterXML(ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case path != "naive" && after != before:
					t.Errorf("%s: saved unchanged, the filter changed from\n%s\nto\n%s", path, before, after)
				case path == "naive" && c.trap && after == before:
					t.Errorf("not a trap: libvirt's dumpxml defined again leaves it as it was")
				case path == "naive" && !c.trap && after != before:
					t.Errorf("a trap not marked as one: libvirt's dumpxml defined again changes\n%s\nto\n%s", before, after)
				}
				_ = conn.UndefineFilter(ctx, name)
			}
		})
	}
}
