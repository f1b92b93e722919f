package nwfilter

import (
	"strings"
	"testing"
)

const tiedFilter = `<filter name='tied'>
  <filterref filter='b'/>
  <filterref filter='a'/>
  <filterref filter='c'/>
  <rule action='drop' direction='inout' priority='1000'/>
</filter>`

var tiedRefs = ResolverFunc(func(name string) (string, error) {
	switch name {
	case "a":
		return `<filter name='a' chain='ipv4-a' priority='-700'><rule action='accept' direction='inout'/></filter>`, nil
	case "b":
		return `<filter name='b' chain='mac-b' priority='-700'><rule action='accept' direction='out'/></filter>`, nil
	case "c":
		return `<filter name='c' chain='arp-c' priority='-500'><rule action='accept' direction='inout'/></filter>`, nil
	}
	return "", ErrFilterNotFound
})

func TestPredictReportsTies(t *testing.T) {
	got, err := Predict(tiedFilter, tiedRefs, Port{Dev: "vnet0", MAC: "52:54:00:00:00:01"})
	if err != nil {
		t.Fatal(err)
	}
	// mac-b and ipv4-a share priority -700 in the incoming direction; outgoing only ipv4-a
	// has it, and arp-c is alone at -500.
	if len(got.Ties) != 1 {
		t.Fatalf("ties %+v", got.Ties)
	}
	tie := got.Ties[0]
	want := []string{"-A libvirt-I-vnet0 -j I-vnet0-mac-b", "-A libvirt-I-vnet0 -p IPv4 -j I-vnet0-ipv4-a"}
	if tie.Table != "ebtables" || tie.Chain != "libvirt-I-vnet0" || tie.Priority != -700 || strings.Join(tie.Lines, "|") != strings.Join(want, "|") {
		t.Errorf("tie %+v", tie)
	}
	// Printed in the order the tree names the chains, one after the other.
	if !strings.Contains(got.EBTables, want[0]+"\n"+want[1]+"\n") {
		t.Errorf("tied lines not consecutive in tree order:\n%s", got.EBTables)
	}
}

func TestAlign(t *testing.T) {
	pred, err := Predict(tiedFilter, tiedRefs, Port{Dev: "vnet0", MAC: "52:54:00:00:00:01"})
	if err != nil {
		t.Fatal(err)
	}
	a, b := pred.Ties[0].Lines[0], pred.Ties[0].Lines[1]
	swapped := strings.Replace(pred.EBTables, a+"\n"+b+"\n", b+"\n"+a+"\n", 1)
	for _, tt := range []struct {
		name   string
		actual string
		equal  bool
	}{
		{"same order", pred.EBTables, true},
		{"tied lines swapped", swapped, true},
		{"a rule added", strings.Replace(pred.EBTables, "COMMIT", "", 1) + "-A libvirt-I-vnet0 -p IPv4 -j DROP\n", false},
		{"a tied line missing", strings.Replace(pred.EBTables, a+"\n", "", 1), false},
		{"a tied line moved away", strings.Replace(strings.Replace(pred.EBTables, a+"\n", "", 1), "-A libvirt-I-vnet0 -j DROP\n", "-A libvirt-I-vnet0 -j DROP\n"+a+"\n", 1), false},
		{"nothing", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			actual := pred
			actual.EBTables = tt.actual
			if got := pred.Equal(actual); got != tt.equal {
				t.Errorf("Equal = %v, want %v (aligned:\n%s)", got, tt.equal, pred.Align(actual).EBTables)
			}
		})
	}
	// Cut down to the port, the tie still aligns.
	cut := pred.PortTables("vnet0")
	if !cut.Equal(Tables{IPTables: cut.IPTables, IP6Tables: cut.IP6Tables, EBTables: PortTables(swapped, "vnet0")}) {
		t.Error("port-cut tables do not align")
	}
}

func TestRefusalMatches(t *testing.T) {
	x := `<filter name='v'><rule action='accept' direction='out'><tcp srcipaddr='$A' dstipaddr='$B' dstportstart='$C'/></rule></filter>`
	_, err := Predict(x, nil, Port{Dev: "vnet0", MAC: "52:54:00:00:00:01"})
	re, ok := err.(*RefusalError)
	if !ok {
		t.Fatalf("err %v", err)
	}
	const prefix = "internal error: Cannot instantiate filter due to unresolvable variables or unavailable list elements: "
	if re.Msg != prefix+"A, B, C" {
		t.Errorf("message %q", re.Msg)
	}
	for _, tt := range []struct {
		msg  string
		want bool
	}{
		{prefix + "A, B, C", true},
		{prefix + "C, A, B", true},
		{prefix + "B, C, A", true},
		{prefix + "A, B", false},
		{prefix + "A, B, D", false},
		{prefix + "A, B, C, C", false},
		{"internal error: something else: A, B, C", false},
	} {
		if got := re.Matches(tt.msg); got != tt.want {
			t.Errorf("Matches(%q) = %v", tt.msg, got)
		}
	}
}

func TestPredictLearning(t *testing.T) {
	x := `<filter name='l'><rule action='accept' direction='out'><tcp srcipaddr='$IP'/></rule></filter>`
	for _, tt := range []struct {
		name   string
		params []Param
		want   []string
		err    string
	}{
		{"any (the default): basic rules", nil, []string{
			"-A PREROUTING -i vnet0 -j libvirt-I-vnet0",
			"-A libvirt-I-vnet0 -s ! 52:54:00:00:00:01 -j DROP",
			"-A libvirt-I-vnet0 -p IPv4 -j ACCEPT",
			"-A libvirt-I-vnet0 -p ARP -j ACCEPT",
			"-A libvirt-I-vnet0 -j DROP",
		}, ""},
		{"dhcp with two servers", []Param{{"CTRL_IP_LEARNING", "DHCP"}, {"DHCPSERVER", "10.0.0.1"}, {"DHCPSERVER", "10.0.0.2"}}, []string{
			"-A POSTROUTING -o vnet0 -j libvirt-O-vnet0",
			"-A libvirt-I-vnet0 -p IPv4 -s 52:54:00:00:00:01 --ip-proto udp --ip-sport 68 --ip-dport 67 -j ACCEPT",
			"-A libvirt-O-vnet0 -p IPv4 -d 52:54:00:00:00:01 --ip-src 10.0.0.1 --ip-proto udp --ip-sport 67 --ip-dport 68 -j ACCEPT",
			"-A libvirt-O-vnet0 -p IPv4 -d Broadcast --ip-src 10.0.0.2 --ip-proto udp --ip-sport 67 --ip-dport 68 -j ACCEPT",
			"-A libvirt-O-vnet0 -j DROP",
		}, ""},
		{"none: refused", []Param{{"CTRL_IP_LEARNING", "none"}}, nil, "unavailable list elements: IP"},
		{"bad value: refused", []Param{{"CTRL_IP_LEARNING", "sometimes"}}, nil, "filter 'l' learning value 'sometimes' invalid."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Predict(x, nil, Port{Dev: "vnet0", MAC: "52:54:00:00:00:01", Params: tt.params})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Learning || !strings.Contains(got.IPTables, "COMMIT") || strings.Contains(got.IPTables, "vnet0") {
				t.Errorf("learning %v, iptables:\n%s", got.Learning, got.IPTables)
			}
			for _, l := range tt.want {
				if !strings.Contains(got.EBTables, l+"\n") {
					t.Errorf("ebtables lacks %q:\n%s", l, got.EBTables)
				}
			}
		})
	}
}
