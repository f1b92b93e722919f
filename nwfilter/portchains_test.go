package nwfilter

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestPortTables(t *testing.T) {
	ipt, err := os.ReadFile("../../shared/conformance/seed.iptables")
	if err != nil {
		t.Skip("conformance set not present:", err)
	}
	got := PortTables(string(ipt), "vnet0")
	want := `*filter
:FI-vnet0 - [0:0]
:FO-vnet0 - [0:0]
:HI-vnet0 - [0:0]
-A FI-vnet0 -d 192.168.122.1/32 -p tcp -m tcp --dport 22 -j DROP
-A FO-vnet0 -s 192.168.122.1/32 -p tcp -m tcp --sport 22 -j DROP
-A HI-vnet0 -d 192.168.122.1/32 -p tcp -m tcp --dport 22 -j DROP
-A libvirt-host-in -m physdev --physdev-in vnet0 -g HI-vnet0
-A libvirt-in -m physdev --physdev-in vnet0 -g FI-vnet0
-A libvirt-in-post -m physdev --physdev-in vnet0 -j ACCEPT
-A libvirt-out -m physdev --physdev-out vnet0 --physdev-is-bridged -g FO-vnet0
COMMIT
`
	if got != want {
		t.Errorf("PortTables(seed.iptables, vnet0) =\n%s\nwant\n%s", got, want)
	}
	if got := PortTables(string(ipt), "vnet1"); got != "" {
		t.Errorf("PortTables for another device = %q, want empty", got)
	}
	if got := PortTables(string(ipt), "vnet"); got != "" {
		t.Errorf("PortTables for a prefix of the device = %q, want empty", got)
	}

	ebt, err := os.ReadFile("../../shared/conformance/ct-iplist.ebtables")
	if err != nil {
		t.Fatal(err)
	}
	got = PortTables(string(ebt), "vnet0")
	if got == "" || got[:5] != "*nat\n" {
		t.Fatalf("ebtables cut lost its header: %q", got)
	}
	for _, l := range []string{":libvirt-I-vnet0 ACCEPT", ":I-vnet0-arp-ip ACCEPT", "-A PREROUTING -i vnet0 -j libvirt-I-vnet0", "-A O-vnet0-rarp -j DROP"} {
		if !contains(got, l) {
			t.Errorf("ebtables cut misses %q", l)
		}
	}
	if contains(got, ":PREROUTING ACCEPT") || contains(got, "COMMIT") {
		t.Errorf("ebtables cut keeps what is not the port's: %s", got)
	}
}

func contains(s, line string) bool {
	return slices.Contains(strings.Split(s, "\n"), line)
}
