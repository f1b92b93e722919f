package libvirtx_test

// Integration tests against the real libvirtd on this machine (see libvirtxtest). Every object
// they make has a unique name and is removed in t.Cleanup.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
)

const seedRule = `<rule action='drop' direction='out'><tcp dstipaddr='192.168.122.1' dstportstart='22'/></rule>`

func TestVersionAndShippedFilters(t *testing.T) {
	c := libvirtxtest.Require(t)
	ctx := context.Background()
	v, err := c.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(v, ".") {
		t.Errorf("Version() = %q", v)
	}
	fs, err := c.Filters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]libvirtx.Filter{}
	for _, f := range fs {
		names[f.Name] = f
	}
	for _, want := range []string{"clean-traffic", "no-ip-spoofing", "allow-dhcp"} {
		f, ok := names[want]
		if !ok {
			t.Errorf("shipped filter %s not listed", want)
			continue
		}
		if len(f.UUID) != 36 || !strings.Contains(f.XML, "<filter name='"+want+"'") {
			t.Errorf("%s: UUID %q, XML %q", want, f.UUID, f.XML)
		}
	}
}

func TestFilterLifecycle(t *testing.T) {
	c := libvirtxtest.Require(t)
	ctx := context.Background()
	name := libvirtxtest.UniqueName("nwx-life")
	t.Cleanup(func() { _ = c.UndefineFilter(context.Background(), name) })

	if _, err := c.FilterXML(ctx, name); !errors.Is(err, libvirtx.ErrNoFilter) {
		t.Fatalf("FilterXML of an unknown filter: %v, want ErrNoFilter", err)
	}
	got, err := c.DefineFilter(ctx, fmt.Sprintf("<filter name='%s' chain='root'>%s</filter>", name, seedRule))
	if err != nil || got != name {
		t.Fatalf("define: %q, %v", got, err)
	}
	x, err := c.FilterXML(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	uuid := between(x, "<uuid>", "</uuid>")
	if len(uuid) != 36 || !strings.Contains(x, "dstportstart='22'") {
		t.Fatalf("XML after define: %s", x)
	}

	// Redefining without the UUID is refused by libvirt: a new UUID is generated and clashes.
	_, err = c.DefineFilter(ctx, fmt.Sprintf("<filter name='%s' chain='root'>%s</filter>", name, seedRule))
	if !errors.Is(err, libvirtx.ErrUUIDMismatch) {
		t.Errorf("redefine without UUID: %v, want ErrUUIDMismatch", err)
	}
	// With its UUID it is updated in place.
	_, err = c.DefineFilter(ctx, fmt.Sprintf("<filter name='%s' chain='root'><uuid>%s</uuid><rule action='accept' direction='in'><tcp dstportstart='80'/></rule></filter>", name, uuid))
	if err != nil {
		t.Fatalf("redefine with UUID: %v", err)
	}
	if x, _ := c.FilterXML(ctx, name); !strings.Contains(x, "dstportstart='80'") || !strings.Contains(x, uuid) {
		t.Errorf("after redefine: %s", x)
	}

	if err := c.UndefineFilter(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := c.UndefineFilter(ctx, name); !errors.Is(err, libvirtx.ErrNoFilter) {
		t.Errorf("undefine twice: %v, want ErrNoFilter", err)
	}
}

func TestDefineFilterRefusals(t *testing.T) {
	c := libvirtxtest.Require(t)
	ctx := context.Background()
	name := libvirtxtest.UniqueName("nwx-bad")
	t.Cleanup(func() { _ = c.UndefineFilter(context.Background(), name) })
	for _, tt := range []struct {
		what string
		xml  string
		want error
	}{
		{"not XML", "<filter name='" + name + "'", libvirtx.ErrInvalidXML},
		{"no name", "<filter chain='root'><rule action='drop' direction='in'><tcp/></rule></filter>", libvirtx.ErrInvalidXML},
		{"port out of range", "<filter name='" + name + "'><rule action='drop' direction='in'><tcp dstportstart='65536'/></rule></filter>", libvirtx.ErrInvalidXML},
		{"bad action", "<filter name='" + name + "'><rule action='explode' direction='in'><tcp/></rule></filter>", libvirtx.ErrInvalidXML},
	} {
		t.Run(tt.what, func(t *testing.T) {
			_, err := c.DefineFilter(ctx, tt.xml)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			var le *libvirtx.Error
			if !errors.As(err, &le) || le.Msg == "" {
				t.Errorf("no libvirt message in %#v", err)
			}
			if _, err := c.FilterXML(ctx, name); !errors.Is(err, libvirtx.ErrNoFilter) {
				t.Errorf("a refused define left a filter behind: %v", err)
			}
		})
	}
}

func TestBindings(t *testing.T) {
	c := libvirtxtest.Require(t)
	ctx := context.Background()
	name := libvirtxtest.UniqueName("nwx-bind")
	libvirtxtest.DefineTestFilter(t, c, name, seedRule)
	dev := libvirtxtest.TapDevice(t)
	mac := libvirtxtest.RandomMAC()
	b := libvirtx.Binding{PortDev: dev, MAC: mac, FilterRef: libvirtx.FilterRef{Filter: name,
		Parameters: []libvirtx.Param{{Name: "IP", Value: "10.0.0.1"}, {Name: "IP", Value: "10.0.0.2"}}}}
	x := libvirtxtest.CreateTestBinding(t, c, b)
	if !strings.Contains(x, dev) || !strings.Contains(x, mac) {
		t.Errorf("binding XML: %s", x)
	}

	bs, err := c.Bindings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var found *libvirtx.Binding
	for i := range bs {
		if bs[i].PortDev == dev {
			found = &bs[i]
		}
	}
	if found == nil {
		t.Fatalf("binding on %s not listed in %+v", dev, bs)
	}
	if found.MAC != mac || found.FilterRef.Filter != name || found.Owner != libvirtx.DefaultBindingOwner ||
		// libvirt adds the port's MAC as a parameter of its own.
		len(found.FilterRef.Parameters) != 3 || found.FilterRef.Parameters[1].Value != "10.0.0.2" ||
		found.FilterRef.Parameters[2] != (libvirtx.Param{Name: "MAC", Value: mac}) {
		t.Errorf("listed binding: %+v", *found)
	}
	rules := libvirtxtest.ChainRules(libvirtxtest.HostTables(t).IPTables, "FI-"+dev)
	if !contains(rules, "-A FI-"+dev+" -d 192.168.122.1/32 -p tcp -m tcp --dport 22 -j DROP") {
		t.Errorf("FI-%s after the binding: %q", dev, rules)
	}

	if _, err := c.CreateBinding(ctx, b); !errors.Is(err, libvirtx.ErrBindingExists) {
		t.Errorf("second binding on %s: %v, want ErrBindingExists", dev, err)
	}
	if err := c.UndefineFilter(ctx, name); !errors.Is(err, libvirtx.ErrFilterInUse) {
		t.Errorf("undefine a filter in use: %v, want ErrFilterInUse", err)
	}
	other := libvirtx.Binding{PortDev: libvirtxtest.TapDevice(t), MAC: mac, FilterRef: libvirtx.FilterRef{Filter: name + "-missing"}}
	if _, err := c.CreateBinding(ctx, other); !errors.Is(err, libvirtx.ErrNoFilter) {
		t.Errorf("binding to an unknown filter: %v, want ErrNoFilter", err)
	}

	if err := c.DeleteBinding(ctx, dev); err != nil {
		t.Fatal(err)
	}
	if _, err := c.BindingXML(ctx, dev); !errors.Is(err, libvirtx.ErrNoBinding) {
		t.Errorf("BindingXML after delete: %v, want ErrNoBinding", err)
	}
	if err := c.DeleteBinding(ctx, dev); !errors.Is(err, libvirtx.ErrNoBinding) {
		t.Errorf("delete twice: %v, want ErrNoBinding", err)
	}
	if rules := libvirtxtest.ChainRules(libvirtxtest.HostTables(t).IPTables, "FI-"+dev); len(rules) != 0 {
		t.Errorf("FI-%s after delete: %q", dev, rules)
	}
}

func TestDomainNICFilterRef(t *testing.T) {
	c := libvirtxtest.Require(t)
	ctx := context.Background()
	f1 := libvirtxtest.UniqueName("nwx-nic1")
	f2 := libvirtxtest.UniqueName("nwx-nic2")
	libvirtxtest.DefineTestFilter(t, c, f1, seedRule)
	libvirtxtest.DefineTestFilter(t, c, f2, `<rule action='accept' direction='in'><udp dstportstart='53'/></rule>`)
	mac := libvirtxtest.RandomMAC()
	dom := libvirtxtest.DefineTestDomain(t, c, libvirtxtest.UniqueName("nwx-dom"),
		libvirtxtest.EthernetNIC(mac, &libvirtx.FilterRef{Filter: f1}))
	if !dom.Active || dom.State != "running" || !dom.Persistent || len(dom.Interfaces) != 1 {
		t.Fatalf("domain: %+v", dom)
	}
	nic := dom.Interfaces[0]
	if nic.MAC != mac || nic.Type != "ethernet" || nic.Model != "virtio" || nic.TargetDev == "" ||
		nic.FilterRef == nil || nic.FilterRef.Filter != f1 {
		t.Fatalf("NIC: %+v", nic)
	}
	dev := nic.TargetDev
	if !contains(libvirtxtest.ChainRules(libvirtxtest.HostTables(t).IPTables, "FI-"+dev),
		"-A FI-"+dev+" -d 192.168.122.1/32 -p tcp -m tcp --dport 22 -j DROP") {
		t.Fatalf("FI-%s has no seed rule", dev)
	}

	ds, err := c.Domains(ctx)
	if err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, d := range ds {
		listed = listed || d.Name == dom.Name
	}
	if !listed {
		t.Errorf("Domains() does not list %s", dom.Name)
	}

	// Change the filter and its parameters: persistent and live.
	ref := &libvirtx.FilterRef{Filter: f2, Parameters: []libvirtx.Param{{Name: "A", Value: "1"}, {Name: "A", Value: "2"}}}
	before, after, err := c.SetFilterRef(ctx, dom.Name, strings.ToUpper(mac), ref)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(before, f1) || !strings.Contains(after, f2) || !strings.Contains(after, "value=\"2\"") {
		t.Errorf("before %s\nafter %s", before, after)
	}
	live := libvirtxtest.ChainRules(libvirtxtest.HostTables(t).IPTables, "FI-"+dev)
	if contains(live, "-A FI-"+dev+" -d 192.168.122.1/32 -p tcp -m tcp --dport 22 -j DROP") ||
		!contains(live, "-A FI-"+dev+" -p udp -m udp --sport 53 -m conntrack --ctstate ESTABLISHED -m conntrack --ctdir REPLY -j RETURN") {
		t.Errorf("FI-%s after the change: %q", dev, live)
	}
	persistent, err := c.DomainXML(ctx, dom.Name)
	if err != nil || !strings.Contains(persistent, "filter=\""+f2+"\"") && !strings.Contains(persistent, "filter='"+f2+"'") {
		t.Errorf("persistent XML (%v): %s", err, persistent)
	}
	if x, err := c.InterfaceXML(ctx, dom.Name, mac); err != nil || !strings.Contains(x, f2) {
		t.Errorf("InterfaceXML: %v %s", err, x)
	}

	// Refusals change nothing.
	if _, _, err := c.SetFilterRef(ctx, dom.Name, mac, &libvirtx.FilterRef{Filter: f1 + "-missing"}); !errors.Is(err, libvirtx.ErrNoFilter) {
		t.Errorf("attach an unknown filter: %v, want ErrNoFilter", err)
	}
	if _, _, err := c.SetFilterRef(ctx, dom.Name, "52:54:00:ff:ff:ff", ref); !errors.Is(err, libvirtx.ErrNoInterface) {
		t.Errorf("unknown MAC: %v, want ErrNoInterface", err)
	}
	if _, _, err := c.SetFilterRef(ctx, dom.Name+"-missing", mac, ref); !errors.Is(err, libvirtx.ErrNoDomain) {
		t.Errorf("unknown domain: %v, want ErrNoDomain", err)
	}
	if x, _ := c.InterfaceXML(ctx, dom.Name, mac); !strings.Contains(x, f2) {
		t.Errorf("a refused change changed the NIC: %s", x)
	}

	// Clear it.
	if _, after, err = c.SetFilterRef(ctx, dom.Name, mac, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(after, "filterref") {
		t.Errorf("after clear: %s", after)
	}
	if rules := libvirtxtest.ChainRules(libvirtxtest.HostTables(t).IPTables, "FI-"+dev); len(rules) != 0 {
		t.Errorf("FI-%s after clearing the filter: %q", dev, rules)
	}

	// Stop and start.
	if err := c.StopDomain(ctx, dom.Name); err != nil {
		t.Fatal(err)
	}
	if d, err := c.Domain(ctx, dom.Name); err != nil || d.Active || d.Interfaces[0].TargetDev != "" {
		t.Errorf("after stop: %+v %v", d, err)
	}
	// A stopped domain: only the persistent definition changes.
	if _, _, err := c.SetFilterRef(ctx, dom.Name, mac, &libvirtx.FilterRef{Filter: f1}); err != nil {
		t.Fatal(err)
	}
	if err := c.StartDomain(ctx, dom.Name); err != nil {
		t.Fatal(err)
	}
	d, err := c.Domain(ctx, dom.Name)
	if err != nil || !d.Active || d.Interfaces[0].FilterRef == nil || d.Interfaces[0].FilterRef.Filter != f1 {
		t.Errorf("after start: %+v %v", d, err)
	}
}

func TestUnreachable(t *testing.T) {
	if testing.Short() {
		t.Skip("needs no daemon, but dials sockets")
	}
	ctx := context.Background()
	start := time.Now()
	_, err := libvirtx.Dial(ctx, "qemu+unix:///system?socket=/nonexistent/libvirt-sock")
	if !errors.Is(err, libvirtx.ErrUnreachable) {
		t.Fatalf("Dial to a missing socket: %v, want ErrUnreachable", err)
	}
	c, err := libvirtx.Open("qemu+unix:///system?socket=/nonexistent/libvirt-sock")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Filters(ctx); !errors.Is(err, libvirtx.ErrUnreachable) {
		t.Errorf("Filters while unreachable: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("failing took %s", d)
	}
}

func contains(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

func between(s, a, b string) string {
	_, rest, ok := strings.Cut(s, a)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, b)
	return v
}
