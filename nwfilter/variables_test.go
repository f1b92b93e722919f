package nwfilter

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestVariables(t *testing.T) {
	x := `<filter name='v'>
  <rule action='accept' direction='out'><tcp srcipaddr='$IP' dstportstart='$PORTS[@1]'/></rule>
  <rule action='accept' direction='out'><udp dstipaddr='$DNS[2]'/></rule>
  <filterref filter='clean-traffic'/>
  <filterref filter='allow-dhcp-server'><parameter name='DHCPSERVER' value='10.0.0.1'/></filterref>
  <filterref filter='nowhere'/>
</filter>`
	vars, err := Variables(x, Shipped)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vars {
		got = append(got, fmt.Sprintf("{Name:%s List:%v MinValues:%d Given:%v}", v.Name, v.List, v.MinValues, v.Given))
	}
	want := "{Name:IP List:false MinValues:1 Given:[]} {Name:PORTS List:true MinValues:1 Given:[]} {Name:DNS List:true MinValues:3 Given:[]} {Name:MAC List:false MinValues:1 Given:[]} {Name:DHCPSERVER List:false MinValues:1 Given:[10.0.0.1]}"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("variables\n%s\nwant\n%s", g, want)
	}
	if u := vars[2].Uses; len(u) != 1 || u[0] != (VarUse{Filter: "v", Protocol: "udp", Attr: "dstipaddr", Kind: KindIPv4, Reference: "$DNS[2]"}) {
		t.Errorf("DNS is used %+v", u)
	}
	if _, err := Variables("<filter", nil); err == nil || errors.Is(err, ErrTreeIncomplete) {
		t.Errorf("broken XML: %v", err)
	}

	// A referenced filter the resolver fails to give, or that cannot be read, is skipped and
	// said; the rest of the tree is still listed.
	for _, child := range []struct {
		xml string
		err error
	}{{"", errors.New("libvirt is down")}, {"<filter name='inner'><rule", nil}} {
		res := ResolverFunc(func(n string) (string, error) {
			if n == "inner" {
				return child.xml, child.err
			}
			return Shipped.Filter(n)
		})
		vars, err := Variables("<filter name='outer'><filterref filter='inner'/><filterref filter='no-mac-spoofing'/></filter>", res)
		if !errors.Is(err, ErrTreeIncomplete) || len(vars) != 1 || vars[0].Name != "MAC" {
			t.Errorf("inner %q %v: %+v %v", child.xml, child.err, vars, err)
		}
	}
}

func TestVariablesForPorts(t *testing.T) {
	x, _ := Shipped.Filter("clean-traffic")
	vs, err := Variables(x, Shipped)
	if err != nil {
		t.Fatal(err)
	}
	vs = WithLearning(vs)
	var names []string
	byName := map[string]Variable{}
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
	// Without IP there is nothing to learn.
	if got := WithLearning([]Variable{{Name: "PORT"}}); len(got) != 1 {
		t.Errorf("WithLearning without IP: %+v", got)
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
	vs, err = Variables(outer, res)
	if err != nil || len(vs) != 1 || vs[0].Name != "PORTS" || !vs[0].List || !vs[0].Optional() || vs[0].Given[0] != "22" {
		t.Fatalf("outer: %+v %v", vs, err)
	}
	if msg := vs[0].CheckValue("65536"); !strings.Contains(msg, "dstportstart") {
		t.Errorf("PORTS=65536: %q", msg)
	}
}
