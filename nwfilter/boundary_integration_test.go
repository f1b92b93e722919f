package nwfilter_test

// The boundary tables of the composer's validation, run against the real libvirtd: for every
// protocol, every attribute and every kind of value, the last good value and the first bad one
// (and the quirks between). Each row records what libvirt 9.0 was measured to do with the value
// (accept it as written, accept it but change or ignore it, or refuse the filter); the test
// checks that the daemon still does that and that nwfilter's Check says the same: no error for
// what libvirt accepts, a warning for what it changes, an error (in libvirt's words) for what it
// refuses. For what libvirt accepts unchanged, the composer's XML must also be, byte for byte,
// what libvirt's dumpxml returns after the define.
//
// It talks to libvirtd through libvirtx (hence the external test package: nwfilter itself
// imports none of the project's other packages).

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
)

// outcome is what libvirt does with a value.
type outcome int

const (
	accepted outcome = iota // stored as written (up to libvirt's normal form)
	changed                 // accepted, but ignored or changed: Check warns
	refused                 // the define fails: Check errs
)

func (o outcome) String() string { return [...]string{"accepted", "changed", "refused"}[o] }

type boundary struct {
	value string
	want  outcome
}

var long31 = strings.Repeat("s", 31)

// kindBoundaries are the rows of each kind of value.
var kindBoundaries = map[nwfilter.AttrKind][]boundary{
	nwfilter.KindUint8:     {{"0", accepted}, {"255", accepted}, {"256", refused}, {"0xff", accepted}, {"0x100", refused}, {"-1", refused}, {"12a", refused}, {"", refused}},
	nwfilter.KindUint16:    {{"0", accepted}, {"65535", accepted}, {"65536", refused}, {"0xffff", accepted}, {"0x10000", refused}, {"0XAB", accepted}, {"-1", refused}, {"x", refused}},
	nwfilter.KindUint16Dec: {{"0", accepted}, {"65535", accepted}, {"65536", refused}, {"0x10", refused}, {"-1", refused}},
	nwfilter.KindUint32:    {{"0", accepted}, {"4294967295", accepted}, {"4294967296", refused}, {"0xffffffff", accepted}, {"0x100000000", refused}, {"-1", accepted}, {"1.5", refused}},
	nwfilter.KindDSCP:      {{"0", accepted}, {"63", accepted}, {"64", refused}, {"0x3f", accepted}, {"0x40", refused}},
	nwfilter.KindVLANID:    {{"0", accepted}, {"4095", accepted}, {"4096", refused}, {"0xfff", accepted}, {"0x1000", refused}},
	nwfilter.KindEthertype: {{"0x600", accepted}, {"0x5ff", refused}, {"1536", accepted}, {"1535", refused}, {"0xffff", accepted}, {"0x10000", refused}, {"ipv4", accepted}, {"IPv6", accepted}, {"arp", accepted}, {"2048", accepted}, {"ipx", refused}},
	nwfilter.KindVLANProto: {{"0x3c", accepted}, {"0x3b", refused}, {"60", accepted}, {"59", refused}, {"0xffff", accepted}, {"0x10000", refused}, {"ipv4", accepted}, {"vlan", accepted}, {"ipx", refused}},
	nwfilter.KindARPOpcode: {{"Request", accepted}, {"reply", accepted}, {"ARP_NAK", accepted}, {"Bogus", refused}, {"0", accepted}, {"9", accepted}, {"65535", accepted}, {"65536", refused}, {"0x10", accepted}},
	nwfilter.KindIPProto:   {{"tcp", accepted}, {"ICMPv6", accepted}, {"udplite", accepted}, {"gre", refused}, {"0", accepted}, {"255", accepted}, {"256", refused}, {"0xff", accepted}, {"0x100", refused}, {"47", accepted}},
	nwfilter.KindState:     {{"NEW", accepted}, {"new,established related", accepted}, {"RELATED,INVALID", accepted}, {"NONE", accepted}, {"NEW,NONE", accepted}, {"", accepted}, {"NEW,BOGUS", refused}, {"NEWX", refused}},
	nwfilter.KindTCPFlags:  {{"SYN,ACK/SYN", accepted}, {"ALL/NONE", accepted}, {"syn/syn", accepted}, {"FIN,SYN,RST,PSH,ACK,URG/ALL", accepted}, {"SYN", refused}, {"SYN/FOO", refused}, {"/", accepted}},
	nwfilter.KindIPSet:     {{"myset", accepted}, {long31, accepted}, {long31 + "s", refused}, {"a b.c:d-e+f_g", accepted}, {"a/b", refused}, {"", accepted}},
	nwfilter.KindIPSetFlags: {{"src", accepted}, {"dst", changed}, {"src,dst", changed}, {"SRC,DST,src,dst,src,dst", changed},
		{"src,dst,src,dst,src,dst,src", refused}, {"src,,dst", refused}, {"foo", refused}, {"src,", refused}},
	nwfilter.KindComment: {{"a comment", accepted}, {strings.Repeat("c", 256), accepted}, {strings.Repeat("c", 257), changed}, {`q"u'o<t>e&`, accepted}, {"", accepted}},
	nwfilter.KindBool:    {{"true", accepted}, {"false", accepted}, {"yes", accepted}, {"1", accepted}, {"no", accepted}, {"maybe", changed}},
	nwfilter.KindMAC: {{"52:54:00:aa:bb:cc", accepted}, {"52:54:00:AA:BB:CC", accepted}, {"1:2:3:4:5:6", accepted}, {"52:54:00:aa:bb:cg", refused},
		{"52:54:00:aa:bb", refused}, {"52:54:00:aa:bb:ccc", refused}, {"52-54-00-aa-bb-cc", refused}, {"ff:ff:ff:ff:ff:ff", accepted}},
	nwfilter.KindMACMask: {{"ff:ff:ff:ff:ff:ff", accepted}, {"ff:ff:ff:00:00:00", accepted}, {"00:00:00:00:00:00", accepted}, {"ff:ff:fe:00:00:00", accepted},
		{"ff:00:ff:00:00:00", refused}, {"ff:ff:ff:00:00:01", refused}, {"gg:ff:ff:00:00:00", refused}},
	nwfilter.KindIPv4: {{"192.168.122.1", accepted}, {"255.255.255.255", accepted}, {"0.0.0.0", accepted}, {"256.0.0.1", refused}, {"10.1", accepted},
		{"010.0.0.1", accepted}, {"1.2.3.4.5", refused}, {"::1", refused}, {"1.2.3.", refused}},
	nwfilter.KindIPv4Mask: {{"0", accepted}, {"32", accepted}, {"33", refused}, {"255.255.255.0", accepted}, {"255.255.255.255", accepted},
		{"255.0.255.0", refused}, {"-1", refused}},
	nwfilter.KindIPv6: {{"2001:db8::1", accepted}, {"2001:DB8:0:0::1", accepted}, {"::", accepted}, {"::ffff:1.2.3.4", accepted},
		{"2001:db8::g", refused}, {"1.2.3.4", refused}, {"2001:db8::1%eth0", refused}},
	nwfilter.KindIPv6Mask: {{"0", accepted}, {"128", accepted}, {"129", refused}, {"ffff:ffff::", accepted}, {"ffff:0:ffff::", refused}},
}

// variableBoundaries apply to every attribute: libvirt takes a variable anywhere.
var variableBoundaries = []boundary{
	{"$VAR", accepted}, {"$VAR[@1000]", accepted}, {"$VAR[@1001]", refused}, {"$VAR[3]", accepted}, {"$VAR[@0]", accepted},
	{"$VAR[", refused}, {"$VAR[x]", refused}, {"$VA-R", refused},
}

type bcase struct {
	label string
	rule  nwfilter.Rule
	want  outcome
}

// attributeCases are the rows for every attribute of every protocol.
func attributeCases(t *testing.T) []bcase {
	var cs []bcase
	for _, p := range nwfilter.Protocols() {
		for _, a := range p.Attrs {
			rows, ok := kindBoundaries[a.Kind]
			if !ok {
				t.Fatalf("no boundary rows for kind %s (%s %s)", a.Kind, p.Name, a.Name)
			}
			rows = append(append([]boundary(nil), rows...), variableBoundaries...)
			for _, b := range rows {
				r := nwfilter.Rule{Action: "accept", Direction: "inout", Protocol: p.Name}
				// Context the value needs to be read on its own merits.
				if (p.Name == "ip" || p.Name == "ipv6") && strings.Contains(a.Name, "port") {
					r.Attrs = append(r.Attrs, nwfilter.Attr{Name: "protocol", Value: "tcp"})
				}
				want := b.want
				if a.Kind == nwfilter.KindIPSetFlags {
					// Beside an ipset. libvirt drops the two given together, except as dumpxml
					// prints them (ipsetflags='src', which the save path leaves to libvirt) and
					// for all and all-ipv6, which keep both.
					r.Attrs = append(r.Attrs, nwfilter.Attr{Name: "ipset", Value: "myset"})
					switch {
					case want == refused:
					case strings.HasPrefix(p.Name, "all"):
						want = accepted
					case b.value != "src":
						want = changed
					}
				}
				r.Attrs = append(r.Attrs, nwfilter.Attr{Name: a.Name, Value: b.value})
				cs = append(cs, bcase{label: fmt.Sprintf("%s %s=%q", p.Name, a.Name, b.value), rule: r, want: want})
			}
		}
	}
	return cs
}

// ruleCases are the rows of a rule's own attributes and of what depends on several.
func ruleCases() []bcase {
	rule := func(action, dir, prio, sm string) nwfilter.Rule {
		return nwfilter.Rule{Action: action, Direction: dir, Priority: prio, StateMatch: sm, Protocol: "tcp"}
	}
	withAttrs := func(proto string, neg bool, kv ...string) nwfilter.Rule {
		r := nwfilter.Rule{Action: "drop", Direction: "in", Protocol: proto}
		for i := 0; i+1 < len(kv); i += 2 {
			r.Attrs = append(r.Attrs, nwfilter.Attr{Name: kv[i], Value: kv[i+1], Neg: neg})
		}
		return r
	}
	cs := []bcase{
		{"action drop", rule("drop", "in", "", ""), accepted},
		{"action reject", rule("reject", "in", "", ""), accepted},
		{"action return", rule("return", "in", "", ""), accepted},
		{"action continue", rule("continue", "in", "", ""), accepted},
		{"action DROP", rule("DROP", "in", "", ""), refused},
		{"action empty", rule("", "in", "", ""), refused},
		{"direction out", rule("accept", "out", "", ""), accepted},
		{"direction inout", rule("accept", "inout", "", ""), accepted},
		{"direction both", rule("accept", "both", "", ""), refused},
		{"direction empty", rule("accept", "", "", ""), refused},
		{"priority 0", rule("accept", "in", "0", ""), accepted},
		{"priority 1000", rule("accept", "in", "1000", ""), accepted},
		{"priority 1001", rule("accept", "in", "1001", ""), changed},
		{"priority -1000", rule("accept", "in", "-1000", ""), accepted},
		{"priority -1001", rule("accept", "in", "-1001", ""), changed},
		{"priority abc", rule("accept", "in", "abc", ""), changed},
		{"priority 0x10", rule("accept", "in", "0x10", ""), changed},
		{"statematch false", rule("accept", "in", "", "false"), accepted},
		{"statematch 0", rule("accept", "in", "", "0"), accepted},
		{"statematch true", rule("accept", "in", "", "true"), accepted},
		{"statematch maybe", rule("accept", "in", "", "maybe"), changed},
		{"no protocol", nwfilter.Rule{Action: "accept", Direction: "in"}, accepted},
		{"unknown protocol", nwfilter.Rule{Action: "accept", Direction: "in", Protocol: "gre"}, changed},
		{"unknown attribute", withAttrs("tcp", false, "dstportstart", "22", "bogus", "1"), changed},
		{"attribute of another protocol", withAttrs("udp", false, "flags", "SYN/SYN"), changed},
		{"ip ports with tcp", withAttrs("ip", false, "protocol", "tcp", "dstportstart", "22"), accepted},
		{"ip ports with sctp", withAttrs("ip", false, "protocol", "sctp", "srcportend", "22"), accepted},
		{"ip ports with 33 (dccp)", withAttrs("ip", false, "protocol", "33", "dstportend", "22"), accepted},
		{"ip ports with icmp", withAttrs("ip", false, "protocol", "icmp", "dstportstart", "22"), refused},
		{"ip ports without protocol", withAttrs("ip", false, "dstportstart", "22"), refused},
		{"ipv6 ports with udp", withAttrs("ipv6", false, "protocol", "udp", "srcportstart", "53"), accepted},
		{"ipv6 ports without protocol", withAttrs("ipv6", false, "dstportstart", "22"), refused},
		{"ip ports with $P protocol", withAttrs("ip", false, "protocol", "$P", "dstportstart", "22"), refused},
		{"match no", withAttrs("tcp", true, "srcipaddr", "10.0.0.1", "srcipmask", "8", "srcportstart", "22", "srcportend", "25", "dstportstart", "80"), accepted},
		{"match no on dstportstart alone", withAttrs("tcp", true, "dstportstart", "80"), changed},
		{"match no on a mask alone", withAttrs("tcp", false, "srcipaddr", "10.0.0.1", "srcipmask", "8"), accepted},
		{"ipset alone", withAttrs("tcp", false, "ipset", "myset"), accepted},
		{"ipset alone, all", withAttrs("all", false, "ipset", "myset"), accepted},
		{"ipsetflags alone", withAttrs("tcp", false, "ipsetflags", "src"), changed},
		{"comment with a line break", withAttrs("tcp", false, "comment", "two\nlines"), changed},
	}
	// Negated masks follow their address.
	r := withAttrs("tcp", false, "srcipaddr", "10.0.0.1")
	r.Attrs = append(r.Attrs, nwfilter.Attr{Name: "srcipmask", Value: "8", Neg: true})
	cs = append(cs, bcase{"match no on the mask, not the address", r, changed})
	return cs
}

type filterCase struct {
	label string
	f     nwfilter.Filter
	want  outcome
}

func filterCases() []filterCase {
	f := func(chain, prio, uuid string) nwfilter.Filter {
		return nwfilter.Filter{Chain: chain, Priority: prio, UUID: uuid,
			Entries: []nwfilter.Entry{{Rule: &nwfilter.Rule{Action: "accept", Direction: "in", Protocol: "all"}}}}
	}
	ref := func(filter string, ps ...nwfilter.Param) nwfilter.Filter {
		return nwfilter.Filter{Chain: "root", Entries: []nwfilter.Entry{{Ref: &nwfilter.Ref{Filter: filter, Params: ps}}}}
	}
	return []filterCase{
		{"chain root", f("root", "", ""), accepted},
		{"chain none", f("", "", ""), accepted},
		{"chain mac", f("mac", "", ""), accepted},
		{"chain vlan", f("vlan", "", ""), accepted},
		{"chain stp", f("stp", "", ""), accepted},
		{"chain arp", f("arp", "", ""), accepted},
		{"chain rarp", f("rarp", "", ""), accepted},
		{"chain ipv4", f("ipv4", "", ""), accepted},
		{"chain ipv6", f("ipv6", "", ""), accepted},
		{"chain ipv4-foo", f("ipv4-foo", "", ""), accepted},
		{"chain 12 characters", f("ipv4-1234567", "", ""), accepted},
		{"chain 13 characters", f("ipv4-12345678", "", ""), refused},
		{"chain mac_x.y:z", f("mac_x.y:z", "", ""), accepted},
		{"chain bad character", f("ipv4-a$b", "", ""), refused},
		{"chain root prefix", f("rootx", "", ""), refused},
		{"chain unknown", f("foo", "", ""), refused},
		{"priority 1000", f("ipv4", "1000", ""), accepted},
		{"priority 1001", f("ipv4", "1001", ""), refused},
		{"priority -1000", f("ipv4", "-1000", ""), accepted},
		{"priority -1001", f("ipv4", "-1001", ""), refused},
		{"priority 0 on mac", f("mac", "0", ""), accepted},
		{"priority abc", f("ipv4", "abc", ""), refused},
		{"priority without chain", f("", "10", ""), changed},
		{"uuid", f("root", "", "f2b9a3a0-2f3e-4a6b-9c1d-0123456789ab"), accepted},
		{"uuid without dashes", f("root", "", "f2b9a3a02f3e4a6b9c1d0123456789ab"), accepted},
		{"uuid short", f("root", "", "f2b9a3a0-2f3e-4a6b-9c1d-0123456789a"), refused},
		{"filterref", ref("clean-traffic"), accepted},
		{"filterref with a list", ref("clean-traffic", nwfilter.Param{Name: "IP", Value: "10.0.0.1"}, nwfilter.Param{Name: "IP", Value: "10.0.0.2"}, nwfilter.Param{Name: "A", Value: "x"}), accepted},
		{"filterref parameter with /", ref("clean-traffic", nwfilter.Param{Name: "IP", Value: "10.0.0.0/8"}), changed},
		{"filterref parameter name with -", ref("clean-traffic", nwfilter.Param{Name: "MY-IP", Value: "1"}), changed},
		{"filterref to an empty name", ref(""), changed},
	}
}

// verdict is what Check says: accepted (nothing), changed (warnings only), refused (errors).
func verdict(f *nwfilter.Filter) (outcome, nwfilter.Problems) {
	ps := f.Check()
	switch {
	case len(ps.Errors()) > 0:
		return refused, ps
	case len(ps) > 0:
		return changed, ps
	}
	return accepted, ps
}

type daemon struct {
	t    *testing.T
	conn *libvirtx.Conn
}

func (d daemon) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 60*time.Second)
}

// define sends the filter the way the save path does (KeepState first) and returns libvirt's
// XML of it, or libvirt's refusal.
func (d daemon) define(f *nwfilter.Filter) (dump string, refusal *libvirtx.Error) {
	d.t.Helper()
	text, _, err := nwfilter.KeepState(f.XML(), "")
	if err != nil {
		d.t.Fatalf("KeepState: %v\n%s", err, f.XML())
	}
	d.t.Cleanup(func() {
		ctx, cancel := d.ctx()
		defer cancel()
		if err := d.conn.UndefineFilter(ctx, f.Name); err != nil && !errors.Is(err, libvirtx.ErrNoFilter) {
			d.t.Errorf("cleanup: undefine %s: %v", f.Name, err)
		}
	})
	ctx, cancel := d.ctx()
	defer cancel()
	if _, err := d.conn.DefineFilter(ctx, text); err != nil {
		var le *libvirtx.Error
		if errors.As(err, &le) && errors.Is(err, libvirtx.ErrInvalidXML) {
			return "", le
		}
		d.t.Fatalf("define %s: %v", f.Name, err)
	}
	x, err := d.conn.FilterXML(ctx, f.Name)
	if err != nil {
		d.t.Fatalf("read back %s: %v", f.Name, err)
	}
	if err := d.conn.UndefineFilter(ctx, f.Name); err != nil {
		d.t.Fatalf("undefine %s: %v", f.Name, err)
	}
	return x, nil
}

// compare checks one filter: libvirt does what the row says, Check says the same, and for
// values accepted as written the composer's XML is what dumpxml returns.
func (d daemon) compare(label string, f *nwfilter.Filter, want outcome, batch []int) {
	d.t.Helper()
	ours, problems := verdict(f)
	dump, refusal := d.define(f)
	got := accepted
	switch {
	case refusal != nil:
		got = refused
	case want == changed:
		got = changed // accepted; the row says libvirt changes it (checked by sameAsDump below)
	}
	if got != want {
		d.t.Errorf("%s: libvirt %s it, the table says %s (%v)", label, got, want, refusal)
	}
	if ours != got {
		d.t.Errorf("%s: libvirt %s it, Check says %s: %v", label, got, ours, problems)
	}
	if refusal != nil && len(problems.Errors()) > 0 {
		// Where libvirt has no words, Check has its own.
		if msg := problems.Errors()[0].Msg; !strings.HasPrefix(msg, refusal.Msg) && refusal.Msg != "An error occurred, but the cause is unknown" {
			d.t.Errorf("%s: Check says %q, libvirt %q", label, msg, refusal.Msg)
		}
	}
	if refusal != nil {
		return
	}
	same := sameAsDump(f, dump)
	if want == accepted && !same {
		d.t.Errorf("%s: the composer writes\n%s\nlibvirt's dumpxml is\n%s", label, withUUID(f, dump).XML(), dump)
	}
}

// sameAsDump: the composer's XML of f, with the UUID libvirt gave it, is libvirt's dumpxml. The
// one difference by design: where dumpxml leaves a chain priority of 0 out although the chain's
// default is not 0, the composer writes priority='0' (dumpxml's text would mean the default).
func sameAsDump(f *nwfilter.Filter, dump string) bool {
	ours := withUUID(f, dump).XML()
	if ours == dump {
		return true
	}
	back, err := nwfilter.FromLibvirt(dump)
	return err == nil && strings.Contains(ours, " priority='0'>") && ours == back.XML()
}

func withUUID(f *nwfilter.Filter, dump string) *nwfilter.Filter {
	g := f.Clone()
	if d, err := nwfilter.ParseFilter(dump); err == nil {
		g.UUID = d.UUID
	}
	return g
}

func TestBoundaryTablesAgainstLibvirt(t *testing.T) {
	conn := libvirtxtest.Require(t)
	d := daemon{t: t, conn: conn}
	prefix := libvirtxtest.UniqueName("nwb")
	n := 0
	name := func() string { n++; return fmt.Sprintf("%s-%d", prefix, n) }

	t.Run("filter", func(t *testing.T) {
		d := daemon{t: t, conn: conn}
		for _, c := range filterCases() {
			f := c.f
			f.Name = name()
			d.compare(c.label, &f, c.want, nil)
		}
	})
	t.Run("rule", func(t *testing.T) {
		d := daemon{t: t, conn: conn}
		for _, c := range ruleCases() {
			r := c.rule
			f := &nwfilter.Filter{Name: name(), Chain: "root", Entries: []nwfilter.Entry{{Rule: &r}}}
			d.compare(c.label, f, c.want, nil)
		}
	})

	cases := attributeCases(t)
	// What Check accepts unchanged goes to libvirt in batches, one rule a case: libvirt must take
	// the batch, and its dumpxml must be the composer's XML. The rest goes one filter a case.
	var batch []nwfilter.Entry
	var labels []string
	flush := func() {
		if len(batch) == 0 {
			return
		}
		f := &nwfilter.Filter{Name: name(), Chain: "root", Entries: batch}
		dump, refusal := d.define(f)
		switch {
		case refusal != nil:
			// Find the row libvirt refuses.
			for i, e := range batch {
				one := &nwfilter.Filter{Name: name(), Chain: "root", Entries: []nwfilter.Entry{e}}
				d.compare(labels[i], one, accepted, nil)
			}
		case !sameAsDump(f, dump):
			for i, e := range batch {
				one := &nwfilter.Filter{Name: name(), Chain: "root", Entries: []nwfilter.Entry{e}}
				if dump, refusal := d.define(one); refusal == nil && !sameAsDump(one, dump) {
					t.Errorf("%s: the composer writes\n%s\nlibvirt's dumpxml is\n%s", labels[i], withUUID(one, dump).XML(), dump)
				}
			}
		}
		batch, labels = nil, nil
	}
	counts := map[outcome]int{}
	for _, c := range cases {
		r := c.rule
		f := &nwfilter.Filter{Name: name(), Chain: "root", Entries: []nwfilter.Entry{{Rule: &r}}}
		ours, problems := verdict(f)
		counts[c.want]++
		if ours != c.want {
			t.Errorf("%s: Check says %s (%v), the table says libvirt %s", c.label, ours, problems, c.want)
		}
		if c.want == accepted && ours == accepted {
			batch = append(batch, nwfilter.Entry{Rule: &r})
			labels = append(labels, c.label)
			if len(batch) == 60 {
				flush()
			}
			continue
		}
		d.compare(c.label, f, c.want, nil)
	}
	flush()
	t.Logf("boundary rows: %d attribute rows (%d accepted, %d changed, %d refused), %d rule rows, %d filter rows",
		len(cases), counts[accepted], counts[changed], counts[refused], len(ruleCases()), len(filterCases()))
}
