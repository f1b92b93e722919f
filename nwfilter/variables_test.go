package nwfilter

import (
	"fmt"
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
	vars, missing, err := Variables(x, Shipped)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%+v", vars)
	want := "[{Name:IP List:false MinValues:1 Given:[]} {Name:PORTS List:true MinValues:1 Given:[]} {Name:DNS List:true MinValues:3 Given:[]} {Name:MAC List:false MinValues:1 Given:[]} {Name:DHCPSERVER List:false MinValues:1 Given:[10.0.0.1]}]"
	if got != want {
		t.Errorf("variables\n%s\nwant\n%s", got, want)
	}
	if len(missing) != 1 || missing[0] != "nowhere" {
		t.Errorf("missing %v", missing)
	}
	if _, _, err := Variables("<filter", nil); err == nil {
		t.Error("broken XML accepted")
	}
}
