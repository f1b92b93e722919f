package web

// Predicted beside actual against the real libvirtd: a filter bound to a fresh tap device is
// predicted exactly as libvirt instantiates it, a rule inserted by hand with iptables shows up
// as drift, and the preview resolves filterrefs through libvirt.

import (
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
)

// driftFixture is a filter (a TCP rule, a list parameter, and no-mac-spoofing, so that all of
// iptables and ebtables are involved) bound to a fresh tap device.
type driftFixture struct {
	filter, dev, mac string
}

func newDriftFixture(t *testing.T, conn *libvirtx.Conn) driftFixture {
	t.Helper()
	f := driftFixture{filter: libvirtxtest.UniqueName("drift"), mac: libvirtxtest.RandomMAC()}
	f.dev = libvirtxtest.TapDevice(t)
	libvirtxtest.DefineTestFilter(t, conn, f.filter,
		"<rule action='drop' direction='out'><tcp dstipaddr='$BLOCKED' dstportstart='22'/></rule>"+
			"<filterref filter='no-mac-spoofing'/>")
	libvirtxtest.CreateTestBinding(t, conn, libvirtx.Binding{PortDev: f.dev, MAC: f.mac, FilterRef: libvirtx.FilterRef{
		Filter: f.filter, Parameters: []libvirtx.Param{{Name: "BLOCKED", Value: "192.0.2.1"}, {Name: "BLOCKED", Value: "192.0.2.2"}}}})
	return f
}

// insertHandRule adds a rule to the port's FI- chain by hand, as an admin might, and removes it
// again in t.Cleanup (deleting the binding removes the chain and it anyway).
func insertHandRule(t *testing.T, dev string) string {
	t.Helper()
	chain := "FI-" + dev
	t.Cleanup(func() {
		_ = exec.Command("iptables", "-D", chain, "-p", "udp", "--dport", "9", "-j", "DROP").Run()
	})
	if out, err := exec.Command("iptables", "-I", chain, "1", "-p", "udp", "--dport", "9", "-j", "DROP").CombinedOutput(); err != nil {
		t.Fatalf("iptables -I %s: %v: %s", chain, err, out)
	}
	return "-A " + chain + " -p udp -m udp --dport 9 -j DROP"
}

func getChains(t *testing.T, s http.Handler, filter, dev string) apiChains {
	t.Helper()
	rec := do(t, s, "GET", "/api/v1/filters/"+filter+"/chains?dev="+dev, "")
	var out apiChains
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != 200 {
		t.Fatalf("chains: %d %s", rec.Code, rec.Body)
	}
	return out
}

func TestDriftIntegration(t *testing.T) {
	s, conn, _ := liveServer(t)
	f := newDriftFixture(t, conn)

	ch := getChains(t, s, f.filter, f.dev)
	if ch.Actual == nil || ch.Predicted == nil || ch.Drift == nil {
		t.Fatalf("chains answer lacks actual, predicted or drift: %+v", ch)
	}
	if ch.Drift.State != "match" {
		t.Fatalf("freshly instantiated port differs from the prediction (%s):\n%v", ch.Drift.State, ch.Drift.Diff)
	}
	for _, want := range []string{"-A FI-" + f.dev + " -d 192.0.2.2/32 -p tcp -m tcp --dport 22 -j DROP", "-A I-" + f.dev + "-mac -s " + f.mac + " -j RETURN"} {
		if !strings.Contains(ch.Predicted.IPTables+ch.Predicted.EBTables, want) {
			t.Errorf("predicted lacks %q", want)
		}
	}
	// libvirt lists $MAC among the binding's parameters once it has instantiated it.
	if ch.Prediction.Filter != f.filter || ch.Prediction.MAC != f.mac || len(ch.Prediction.Parameters) < 2 ||
		ch.Prediction.Parameters[1] != (libvirtx.Param{Name: "BLOCKED", Value: "192.0.2.2"}) {
		t.Errorf("prediction %+v", ch.Prediction)
	}

	line := insertHandRule(t, f.dev)
	ch = getChains(t, s, f.filter, f.dev)
	if ch.Drift == nil || ch.Drift.State != "drift" || !strings.Contains(ch.Drift.Diff["iptables"], "+ "+line+"\n") {
		t.Fatalf("hand-inserted rule not shown as drift: %+v", ch.Drift)
	}
	if _, ok := ch.Drift.Diff["ebtables"]; ok {
		t.Errorf("ebtables reported as drifting too:\n%s", ch.Drift.Diff["ebtables"])
	}
	page := doc(t, do(t, s, "GET", "/filters/"+f.filter+"?dev="+f.dev, ""))
	if page.Find(`[data-testid="drift"]`).AttrOr("data-state", "") != "drift" || !strings.Contains(page.Find(`[data-testid="drift-iptables"]`).Text(), "+ "+line) {
		t.Errorf("filter page does not show the drift")
	}
}

// TestPreviewAPIIntegration resolves a filterref through libvirt.
func TestPreviewAPIIntegration(t *testing.T) {
	s, conn, _ := liveServer(t)
	ref := libvirtxtest.UniqueName("preview-ref")
	libvirtxtest.DefineTestFilter(t, conn, ref, "<rule action='drop' direction='in'><udp dstportstart='161'/></rule>")
	x := "<filter name='top'><filterref filter='" + ref + "'/><filterref filter='allow-dhcp'/></filter>"
	rec := do(t, s, "POST", "/api/v1/preview?dev=vnet77", x)
	var out apiPreview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(out.Tables.IPTables, "-A FO-vnet77 -p udp -m udp --dport 161") || !strings.Contains(out.Tables.EBTables, "vnet77") {
		t.Errorf("preview through libvirt:\n%s\n%s", out.Tables.IPTables, out.Tables.EBTables)
	}
	rec = do(t, s, "POST", "/api/v1/preview", "<filter name='top'><filterref filter='"+libvirtxtest.UniqueName("nowhere")+"'/></filter>")
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "is missing") {
		t.Errorf("unknown filterref: %d %s", rec.Code, rec.Body)
	}
}
