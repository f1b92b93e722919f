package nwfilter

import (
	"strings"
	"testing"
)

func TestTreeVariables(t *testing.T) {
	x, _ := Shipped.Filter("clean-traffic")
	vs, err := TreeVariables(x, Shipped)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]TreeVar{}
	for _, v := range vs {
		names = append(names, v.Name)
		byName[v.Name] = v
	}
	if got := strings.Join(names, " "); got != "MAC IP CTRL_IP_LEARNING DHCPSERVER" {
		t.Errorf("clean-traffic uses %s", got)
	}
	ip := byName["IP"]
	if !ip.Optional() || ip.Explain() == "" || len(ip.Uses) == 0 {
		t.Errorf("IP: %+v", ip)
	}
	for _, c := range []struct{ name, value, wantPrefix string }{
		{"IP", "10.0.0.1", ""},
		{"IP", "10.0.0.0/24", "the value"},
		{"IP", "fe80::1", "\"fe80::1\" is not a value for"},
		{"MAC", "52:54:00:12:34:56", ""},
		{"MAC", "52:54:00:12:34", "\"52:54:00:12:34\" is not a MAC"},
		{"CTRL_IP_LEARNING", "DHCP", ""},
		{"CTRL_IP_LEARNING", "always", "CTRL_IP_LEARNING is any, dhcp or none"},
		{"DHCPSERVER", "192.168.122.1", ""},
		{"DHCPSERVER", "x", "\"x\" is not an IPv4"},
	} {
		if got := byName[c.name].CheckValue(c.value); !strings.HasPrefix(got, c.wantPrefix) || (c.wantPrefix == "") != (got == "") {
			t.Errorf("%s=%s: %q", c.name, c.value, got)
		}
	}

	// A value given by a reference inside the tree is a default, and [@n] makes a list.
	inner := "<filter name='inner' chain='root'><rule action='accept' direction='in'><tcp dstportstart='$PORTS[@1]'/></rule></filter>"
	outer := "<filter name='outer' chain='root'><filterref filter='inner'><parameter name='PORTS' value='22'/></filterref></filter>"
	res := ResolverFunc(func(n string) (string, error) {
		if n == "inner" {
			return inner, nil
		}
		return Shipped.Filter(n)
	})
	vs, err = TreeVariables(outer, res)
	if err != nil || len(vs) != 1 || vs[0].Name != "PORTS" || !vs[0].List || !vs[0].Optional() || vs[0].Defaults[0] != "22" {
		t.Fatalf("outer: %+v %v", vs, err)
	}
	if msg := vs[0].CheckValue("65536"); !strings.Contains(msg, "dstportstart") {
		t.Errorf("PORTS=65536: %q", msg)
	}
}
