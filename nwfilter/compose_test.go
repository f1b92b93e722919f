package nwfilter

import (
	"strings"
	"testing"
)

// TestComposeShippedRoundTrip: the filters libvirt ships, as its dumpxml prints them, come back
// byte for byte through the model, and Check finds nothing wrong with them.
func TestComposeShippedRoundTrip(t *testing.T) {
	for _, name := range ShippedNames() {
		x, err := Shipped.Filter(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := FromLibvirt(x)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := f.XML(); got != x {
			t.Errorf("%s: written back differently:\n%s\nwant:\n%s", name, got, x)
		}
		if ps := f.Check(); len(ps) > 0 {
			t.Errorf("%s: problems %v", name, ps)
		}
	}
}

// TestComposeKeepsWhatLibvirtIgnores: unknown attributes and elements survive parse and write,
// and Check says libvirt ignores them.
func TestComposeKeepsWhatLibvirtIgnores(t *testing.T) {
	in := `<filter name='x' chain='ipv4-ssh' priority='-650' flavour='odd'>
  <uuid>F2B9A3A0-2F3E-4A6B-9C1D-0123456789AB</uuid>
  <description>mine</description>
  <rule action='accept' direction='in' statematch='FALSE' note='n'>
    <tcp dstportstart='22' bogus='1' comment='it&apos;s'/>
    <udp dstportstart='53'/>
  </rule>
  <filterref filter='clean-traffic' why='w'>
    <parameter name='IP' value='10.0.0.2'/>
    <parameter name='A' value='1'/>
    <parameter name='IP' value='10.0.0.1'/>
    <other/>
  </filterref>
</filter>`
	f, err := ParseFilter(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `<filter name='x' chain='ipv4-ssh' priority='-650' flavour='odd'>
  <uuid>f2b9a3a0-2f3e-4a6b-9c1d-0123456789ab</uuid>
  <rule action='accept' direction='in' priority='500' statematch='false' note='n'>
    <tcp dstportstart='22' comment='it&apos;s' bogus='1'/>
    <udp dstportstart='53'/>
  </rule>
  <filterref filter='clean-traffic' why='w'>
    <parameter name='A' value='1'/>
    <parameter name='IP' value='10.0.0.2'/>
    <parameter name='IP' value='10.0.0.1'/>
    <other/>
  </filterref>
  <description>mine</description>
</filter>
`
	got := f.XML()
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	again, err := ParseFilter(got)
	if err != nil || again.XML() != got {
		t.Fatalf("not stable: %v\n%s", err, again.XML())
	}
	var msgs []string
	for _, p := range f.Check() {
		if !p.Warning {
			t.Errorf("unexpected error %v", p)
		}
		msgs = append(msgs, p.Field)
	}
	if strings.Join(msgs, " ") != "extra extra extra extra attr.bogus extra extra" {
		t.Errorf("warnings on %v", msgs)
	}
}

// TestComposeNormalForm: values come out as libvirt prints them back, one protocol element per
// change of match='no'; values libvirt refuses come out as typed.
func TestComposeNormalForm(t *testing.T) {
	r := &Rule{Action: "drop", Direction: "out", Priority: " 7", Protocol: "tcp", Attrs: []Attr{
		{Name: "dstportstart", Value: "0X16"},
		{Name: "srcipaddr", Value: "10.1", Neg: true},
		{Name: "srcipmask", Value: "255.255.0.0", Neg: true},
		{Name: "state", Value: "new established"},
		{Name: "flags", Value: "syn,ack/syn"},
		{Name: "srcmacaddr", Value: "AA:B:cc:dd:ee:ff"},
		{Name: "dscp", Value: "64"},
		{Name: "ipset", Value: "myset"},
	}}
	f := &Filter{Name: "n", Chain: "mac", Priority: "0", Entries: []Entry{{Rule: r}}}
	want := `<filter name='n' chain='mac' priority='0'>
  <rule action='drop' direction='out' priority='7'>
    <tcp srcmacaddr='aa:0b:cc:dd:ee:ff'/>
    <tcp match='no' srcipaddr='10.0.0.1' srcipmask='16'/>
    <tcp dscp='64' state='NEW,ESTABLISHED' ipset='myset' ipsetflags='src' dstportstart='0x16' flags='SYN,ACK/SYN'/>
  </rule>
</filter>
`
	if got := f.XML(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	ps := f.Check()
	if len(ps) != 1 || ps[0].Field != "attr.dscp" || ps[0].Msg != "internal error: dscp has illegal value 64" {
		t.Errorf("problems %v", ps)
	}
}

func TestCheckAttr(t *testing.T) {
	for _, c := range []struct{ proto, name, value, normal, err, warn string }{
		{"tcp", "dstportstart", "22", "22", "", ""},
		{"tcp", "dstportstart", "65536", "65536", "internal error: dstportstart has illegal value 65536", ""},
		{"mac", "protocolid", "2048", "ipv4", "", ""},
		{"ip", "protocol", "0x11", "udp", "", ""},
		{"ip", "protocol", "200", "200", "", ""},
		{"arp", "opcode", "1", "Request", "", ""},
		{"tcp", "srcipaddr", "$IP[@0]", "$IP", "", ""},
		{"tcp", "srcipaddr", "$IP[", "$IP[", "internal error: srcipaddr has illegal value $IP[", ""},
		{"tcp", "comment", strings.Repeat("x", 257), strings.Repeat("x", 256), "", "libvirt keeps only the first 256 bytes of a comment (this one has 257)"},
		{"udp", "flags", "SYN/SYN", "SYN/SYN", "", "libvirt 9.0 has no attribute flags in <udp>: it ignores it"},
	} {
		normal, err, warn := CheckAttr(c.proto, c.name, c.value)
		if normal != c.normal || err != c.err || warn != c.warn {
			t.Errorf("CheckAttr(%s, %s, %q) = %q, %q, %q; want %q, %q, %q", c.proto, c.name, c.value, normal, err, warn, c.normal, c.err, c.warn)
		}
	}
}

func TestKeepState(t *testing.T) {
	oldMac0 := "<filter name='x' chain='mac'>\n  <uuid>u</uuid>\n</filter>\n"
	for _, c := range []struct {
		name, text, existing, want string
		notes                      int
	}{
		{"mac chain at 0, unchanged", "<filter name='x' chain='mac'><uuid>u</uuid></filter>", oldMac0,
			"<filter name='x' chain='mac' priority='0'><uuid>u</uuid></filter>", 1},
		{"new filter: the default", "<filter name='x' chain='mac'/>", "", "<filter name='x' chain='mac'/>", 0},
		{"priority written", "<filter name='x' chain='mac' priority='-800'/>", oldMac0, "<filter name='x' chain='mac' priority='-800'/>", 0},
		{"chain changed", "<filter name='x' chain='vlan'/>", oldMac0, "<filter name='x' chain='vlan'/>", 0},
		{"existing not at 0", "<filter name='x' chain='mac'/>", "<filter name='x' chain='mac' priority='-800'/>", "<filter name='x' chain='mac'/>", 0},
		{"root", "<filter name='x' chain='root'/>", "<filter name='x' chain='root'/>", "<filter name='x' chain='root'/>", 0},
		{"custom chain", "<filter name='x' chain = \"ipv4-a\" >\n</filter>", "<filter name='x' chain='ipv4-a'/>",
			"<filter name='x' chain = \"ipv4-a\" priority='0' >\n</filter>", 1},
		{"ipset as dumpxml prints it", "<filter name='x'><rule action='accept' direction='in'><tcp match='no' ipset='s'/><tcp ipsetflags='src' dstportstart='1'/></rule></filter>", "",
			"<filter name='x'><rule action='accept' direction='in'><tcp match='no' ipset='s'/><tcp dstportstart='1'/></rule></filter>", 1},
		{"ipset with other flags", "<filter name='x'><rule action='accept' direction='in'><tcp ipset='s' ipsetflags='dst'/></rule></filter>", "",
			"<filter name='x'><rule action='accept' direction='in'><tcp ipset='s' ipsetflags='dst'/></rule></filter>", 0},
		{"ipset on all", "<filter name='x'><rule action='accept' direction='in'><all ipset='s' ipsetflags='src'/></rule></filter>", "",
			"<filter name='x'><rule action='accept' direction='in'><all ipset='s' ipsetflags='src'/></rule></filter>", 0},
		{"comment with a line break", "<filter name='x'><rule action='accept' direction='in'><tcp comment='a\nb'/></rule></filter>",
			"<filter name='x' chain='root'><rule action='accept' direction='in' priority='500'><tcp comment='a\nb'/></rule></filter>",
			"<filter name='x'><rule action='accept' direction='in'><tcp comment='a&#10;b'/></rule></filter>", 1},
		{"a new line break", "<filter name='x'><rule action='accept' direction='in'><tcp comment='a\nb'/></rule></filter>", "",
			"<filter name='x'><rule action='accept' direction='in'><tcp comment='a\nb'/></rule></filter>", 0},
	} {
		got, notes, err := KeepState(c.text, c.existing)
		if err != nil || got != c.want || len(notes) != c.notes {
			t.Errorf("%s: got %q %v %v\nwant %q with %d notes", c.name, got, notes, err, c.want, c.notes)
		}
	}
	if _, _, err := KeepState("<filter", ""); err == nil {
		t.Error("KeepState of broken XML: no error")
	}
}

// TestParseAttrSpace: raw tabs and line breaks in attribute values are spaces, as XML reads them,
// except in libvirt's own dumpxml (which writes the characters it holds raw).
func TestParseAttrSpace(t *testing.T) {
	x := "<filter name='x'><rule action='accept' direction='in'><tcp comment='a\tb\r\nc&#10;d'/></rule></filter>"
	f, err := ParseFilter(x)
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := f.Entries[0].Rule.Attr("comment"); a.Value != "a b c\nd" {
		t.Errorf("ParseFilter: %q", a.Value)
	}
	g, err := FromLibvirt("<filter name='x' chain='root'><rule action='accept' direction='in' priority='500'><tcp comment='a\tb\nc'/></rule></filter>")
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := g.Entries[0].Rule.Attr("comment"); a.Value != "a\tb\nc" {
		t.Errorf("FromLibvirt: %q", a.Value)
	}
}
