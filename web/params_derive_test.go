package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
)

const testNIC = "/domains/kvmdom/interfaces/52:54:00:00:00:01/filterref"

func paramList(ps []libvirtx.Param) string {
	var b []string
	for _, p := range ps {
		b = append(b, p.Name+"="+p.Value)
	}
	return strings.Join(b, " ")
}

// TestNICParamFields: the NIC form offers clean-traffic's variables as fields, explained; what
// is set there and in the lines is kept, lists and order included, and shown again as set.
func TestNICParamFields(t *testing.T) {
	s, fake, _ := newTestServer(t)
	v := url.Values{"filter": {"clean-traffic"}, "varname": {"MAC", "IP", "CTRL_IP_LEARNING", "DHCPSERVER"},
		"var.IP": {"10.0.0.1", "10.0.0.2", ""}, "var.CTRL_IP_LEARNING": {"dhcp"}, "var.MAC": {""}, "var.DHCPSERVER": {""},
		"params": {"X=1\nX=2"}}
	rec := do(t, s, "POST", testNIC, v.Encode(), "HX-Request", "true")
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if got := paramList(fake.domains[0].Interfaces[0].FilterRef.Parameters); got != "IP=10.0.0.1 IP=10.0.0.2 CTRL_IP_LEARNING=dhcp X=1 X=2" {
		t.Errorf("parameters %s", got)
	}
	d := doc(t, do(t, s, "GET", "/domains", ""))
	nic := d.Find(`[data-testid="nic-52:54:00:00:00:01"]`)
	ip := nic.Find(`[data-testid="nic-var-IP"]`)
	if ip.Length() != 1 || !strings.Contains(ip.Text(), "the VM's IPv4 address") || !strings.Contains(ip.Text(), "srcipaddr of no-ip-spoofing") {
		t.Fatalf("the IP field: %q", ip.Text())
	}
	var vals []string
	ip.Find("input[name='var.IP']").Each(func(_ int, e *goquery.Selection) { vals = append(vals, e.AttrOr("value", "")) })
	if strings.Join(vals, ",") != "10.0.0.1,10.0.0.2," {
		t.Errorf("IP inputs %v (want both values and one empty)", vals)
	}
	if got := nic.Find(`[data-testid="nic-params"]`).Text(); got != "X=1\nX=2\n" {
		t.Errorf("other parameters %q", got)
	}

	// Saved again unchanged, from the form as shown: the same parameters.
	again := formValues(t, d, `[data-testid="nic-52:54:00:00:00:01"] form`)
	if rec := do(t, s, "POST", testNIC, again.Encode(), "HX-Request", "true"); rec.Code != http.StatusOK {
		t.Fatalf("again: %d %s", rec.Code, rec.Body)
	}
	if got := paramList(fake.domains[0].Interfaces[0].FilterRef.Parameters); got != "IP=10.0.0.1 IP=10.0.0.2 CTRL_IP_LEARNING=dhcp X=1 X=2" {
		t.Errorf("saved again: %s", got)
	}

	for _, c := range []struct{ field, value, want string }{
		{"var.CTRL_IP_LEARNING", "always", "CTRL_IP_LEARNING is any, dhcp or none"},
		{"var.IP", "10.0.0.0/24", "has characters libvirt does not accept"},
		{"var.IP", "fe80::1", "is not a value for srcipaddr"},
		{"var.MAC", "52:54:00", "is not a MAC address"},
		{"var.DHCPSERVER", "dhcp.example", "is not an IPv4 address"},
	} {
		bad := url.Values{}
		for k, vs := range v {
			bad[k] = vs
		}
		bad.Set(c.field, c.value)
		calls := fake.calls
		rec := do(t, s, "POST", testNIC, bad.Encode(), "HX-Request", "true")
		d := doc(t, rec)
		if rec.Code != http.StatusBadRequest || !strings.Contains(d.Find(`[data-testid="error"]`).Text(), c.want) {
			t.Errorf("%s=%s: %d %q", c.field, c.value, rec.Code, d.Find(`[data-testid="error"]`).Text())
		}
		if fake.calls != calls {
			t.Errorf("%s=%s was sent", c.field, c.value)
		}
		if got := d.Find(`input[name="`+c.field+`"]`).First().AttrOr("value", ""); got != c.value && !strings.HasPrefix(c.field, "var.IP") {
			t.Errorf("%s: the typed value is not kept: %q", c.field, got)
		}
	}
	// Through the API too.
	rec = do(t, s, "PUT", "/api/v1"+testNIC, `{"filter":"clean-traffic","parameters":[{"name":"CTRL_IP_LEARNING","value":"always"}]}`)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"field":"var.CTRL_IP_LEARNING"`) {
		t.Errorf("API: %d %s", rec.Code, rec.Body)
	}
}

// TestParamsBlockFollowsFilter: choosing another filter lays the parameters out again, values
// carried over (into the lines when the new tree does not use them).
func TestParamsBlockFollowsFilter(t *testing.T) {
	s, fake, _ := newTestServer(t)
	fake.filters["test-filter"] = seedXML
	q := url.Values{"block": {"params-52-54-00-00-00-01"}, "filter": {"clean-traffic"},
		"varname": {"P"}, "var.P": {"1"}, "params": {"IP=10.0.0.9\nY=2"}}
	rec := do(t, s, "GET", "/filterref-params?"+q.Encode(), "", "HX-Request", "true")
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	d := doc(t, rec)
	if got := d.Find(`input[name="var.IP"]`).First().AttrOr("value", ""); got != "10.0.0.9" {
		t.Errorf("IP field %q", got)
	}
	if got := d.Find(`textarea[name="params"]`).Text(); got != "P=1\nY=2\n" {
		t.Errorf("lines %q", got)
	}
	if rec := do(t, s, "GET", "/filterref-params?block=%3Cx%3E", ""); rec.Code != http.StatusBadRequest {
		t.Errorf("a bad block id: %d", rec.Code)
	}
}

// TestBindingParamFields: the binding form offers the variables too and keeps what was typed
// on a refusal.
func TestBindingParamFields(t *testing.T) {
	s, fake, _ := newTestServer(t)
	d := doc(t, do(t, s, "GET", "/bindings", ""))
	if d.Find(`[data-testid="binding-var-IP"]`).Length() != 1 { // allow-dhcp is first: it uses none
		if d.Find(`[data-testid="binding-params"]`).Length() != 1 {
			t.Fatal("no parameters on the binding form")
		}
	}
	v := url.Values{"portdev": {"vnet9"}, "mac": {"52:54:00:00:00:09"}, "filter": {"clean-traffic"},
		"varname": {"IP", "CTRL_IP_LEARNING"}, "var.IP": {"10.0.0.1", "10.0.0.3"}, "var.CTRL_IP_LEARNING": {"nope"}}
	rec := do(t, s, "POST", "/bindings", v.Encode())
	d = doc(t, rec)
	if rec.Code != http.StatusBadRequest || !strings.Contains(d.Find(`[data-testid="error"]`).Text(), "CTRL_IP_LEARNING is any, dhcp or none") {
		t.Fatalf("refusal: %d %s", rec.Code, d.Find(`[data-testid="error"]`).Text())
	}
	var ips []string
	d.Find(`[data-testid="binding-var-IP"] input[name="var.IP"]`).Each(func(_ int, e *goquery.Selection) { ips = append(ips, e.AttrOr("value", "")) })
	if strings.Join(ips, ",") != "10.0.0.1,10.0.0.3," {
		t.Errorf("typed IPs not kept: %v", ips)
	}
	v.Set("var.CTRL_IP_LEARNING", "none")
	if rec := do(t, s, "POST", "/bindings", v.Encode()); rec.Code != http.StatusSeeOther {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	if got := paramList(fake.bindings["vnet9"].FilterRef.Parameters); got != "IP=10.0.0.1 IP=10.0.0.3 CTRL_IP_LEARNING=none" {
		t.Errorf("binding parameters %s", got)
	}
}

// TestNICParamsAgainstLibvirt: through the NIC form on a real domain, a list of IPs and other
// parameters are stored by libvirt as set, and saving the form as shown again changes nothing.
func TestNICParamsAgainstLibvirt(t *testing.T) {
	s, conn, _ := liveServer(t)
	domain := libvirtxtest.UniqueName("nwc-params")
	mac := libvirtxtest.RandomMAC()
	libvirtxtest.DefineStoppedDomain(t, conn, domain, libvirtxtest.EthernetNIC(mac, nil))
	path := "/domains/" + domain + "/interfaces/" + mac + "/filterref"
	v := url.Values{"filter": {"clean-traffic"}, "varname": {"IP", "CTRL_IP_LEARNING"},
		"var.IP": {"10.0.0.2", "10.0.0.1"}, "var.CTRL_IP_LEARNING": {"none"}, "params": {"ZZ=b\nZZ=a"}}
	if rec := do(t, s, "POST", path, v.Encode(), "HX-Request", "true"); rec.Code != http.StatusOK {
		t.Fatalf("attach: %d %s", rec.Code, rec.Body)
	}
	read := func() string {
		dom, err := conn.Domain(context.Background(), domain)
		if err != nil || len(dom.Interfaces) != 1 || dom.Interfaces[0].FilterRef == nil {
			t.Fatalf("read back: %v %+v", err, dom)
		}
		return paramList(dom.Interfaces[0].FilterRef.Parameters)
	}
	// libvirt keeps the names sorted and each list in order.
	want := "CTRL_IP_LEARNING=none IP=10.0.0.2 IP=10.0.0.1 ZZ=b ZZ=a"
	if got := read(); got != want {
		t.Fatalf("libvirt has %s, want %s", got, want)
	}
	d := doc(t, do(t, s, "GET", "/domains", ""))
	again := formValues(t, d, `[data-testid="nic-`+mac+`"] form`)
	if rec := do(t, s, "POST", path, again.Encode(), "HX-Request", "true"); rec.Code != http.StatusOK {
		t.Fatalf("again: %d %s", rec.Code, rec.Body)
	}
	if got := read(); got != want {
		t.Errorf("saved again as shown, libvirt has %s, want %s", got, want)
	}
}
