package web

// The audit history against the real libvirtd (issue 5): rollback restores the exact text
// libvirt had (priority='0' included), under the filter's current UUID or by re-creating it;
// changes made with virsh are recorded as made outside; a VM's restart is not; a NIC's
// filterref changed behind our back is noticed by the periodic check and rolled back.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/store"
)

// liveFilterBody is a filter body with a rule libvirtxml would lose (priority='0').
func liveFilterBody(port int) string {
	return fmt.Sprintf(`<rule action='accept' direction='in' priority='0'><tcp dstportstart='%d'/></rule>`+
		`<rule action='drop' direction='out' priority='500'><tcp dstipaddr='192.168.122.1' dstportstart='22'/></rule>`, port)
}

// virsh runs the real virsh against the test daemon.
func virsh(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("virsh", append([]string{"-c", libvirtxtest.URI()}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("virsh %v: %v: %s", args, err, out)
	}
	return string(out)
}

// virshDefine redefines a filter with virsh nwfilter-define from a file, as an administrator
// would behind nwfilter-web's back.
func virshDefine(t *testing.T, xml string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "filter.xml")
	if err := os.WriteFile(path, []byte(xml), 0o600); err != nil {
		t.Fatal(err)
	}
	virsh(t, "nwfilter-define", path)
}

// withPort is filter XML (as libvirt prints it) with the accept rule's port changed.
func withPort(t *testing.T, xml string, from, to int) string {
	t.Helper()
	old := fmt.Sprintf("dstportstart='%d'", from)
	if !strings.Contains(xml, old) {
		t.Fatalf("no %s in\n%s", old, xml)
	}
	return strings.Replace(xml, old, fmt.Sprintf("dstportstart='%d'", to), 1)
}

func TestRollbackFilterLive(t *testing.T) {
	s, conn, st := liveServer(t)
	ctx := context.Background()
	name := libvirtxtest.UniqueName("test-rollback")
	libvirtxtest.DefineTestFilter(t, conn, name, liveFilterBody(8000))
	original, err := conn.FilterXML(ctx, name)
	if err != nil || !strings.Contains(original, "priority='0'") {
		t.Fatalf("%v\n%s", err, original)
	}
	do(t, s, "GET", "/api/v1/filters", "") // the baseline
	v1 := withPort(t, original, 8000, 8001)
	for _, x := range []string{v1, withPort(t, v1, 8001, 8002)} {
		if rec := do(t, s, "PUT", "/api/v1/filters/"+name, x); rec.Code != http.StatusOK {
			t.Fatalf("change: %d %s", rec.Code, rec.Body)
		}
	}
	es, _ := st.Timeline(ctx, store.AuditQuery{Target: name})
	if len(es) != 2 {
		t.Fatalf("%d entries", len(es))
	}
	// Roll back the first change: the preview's digest, then the original text exactly.
	var pv struct {
		Digest    string `json:"current_digest"`
		Predicted []struct {
			Tables string `json:"tables"`
			Error  string `json:"error"`
		} `json:"predicted"`
	}
	rec := do(t, s, "GET", fmt.Sprintf("/api/v1/audit/%d/rollback?to=before", es[1].ID), "")
	if err := json.Unmarshal(rec.Body.Bytes(), &pv); err != nil || len(pv.Predicted) != 1 || !strings.Contains(pv.Predicted[0].Tables, "--dport 8000") {
		t.Fatalf("preview: %v %s", err, rec.Body)
	}
	rec = do(t, s, "POST", fmt.Sprintf("/api/v1/audit/%d/rollback", es[1].ID), `{"to":"before","expect_digest":"`+pv.Digest+`"}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("rollback: %d %s", rec.Code, rec.Body)
	}
	if now, _ := conn.FilterXML(ctx, name); now != original {
		t.Fatalf("after the rollback libvirt has\n%s\nnot\n%s", now, original)
	}
	es, _ = st.Timeline(ctx, store.AuditQuery{Target: name})
	if len(es) != 3 || es[0].Action != actFilterRollback || es[0].After != original {
		t.Fatalf("history: %+v", es)
	}

	// Undefined and re-created outside under a new UUID: restored under that UUID.
	if err := conn.UndefineFilter(ctx, name); err != nil {
		t.Fatal(err)
	}
	recreated := fmt.Sprintf("<filter name='%s' chain='root'>%s</filter>", name, liveFilterBody(9000))
	virshDefine(t, recreated)
	now, _ := conn.FilterXML(ctx, name)
	newSum, _ := nwfilter.Summarize(now)
	oldSum, _ := nwfilter.Summarize(original)
	if newSum.UUID == oldSum.UUID {
		t.Fatal("libvirt kept the UUID")
	}
	rec = do(t, s, "POST", fmt.Sprintf("/api/v1/audit/%d/rollback", es[1].ID), `{"to":"after","expect_digest":"`+xmlDigest(now)+`"}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("rollback onto a re-created filter: %d %s", rec.Code, rec.Body)
	}
	now, _ = conn.FilterXML(ctx, name)
	want, _ := nwfilter.SetUUID(es[1].After, newSum.UUID)
	if now != want {
		t.Fatalf("restored as\n%s\nwant\n%s", now, want)
	}
	// The change made with virsh was recorded before the rollback built on it.
	es, _ = st.Timeline(ctx, store.AuditQuery{Target: name})
	if es[1].Action != actFilterOutside || es[1].Before != original || !strings.Contains(es[1].After, "dstportstart='9000'") {
		t.Errorf("the re-creation outside: %+v", es[1])
	}

	// Undefined for good: restoring re-creates it.
	if err := conn.UndefineFilter(ctx, name); err != nil {
		t.Fatal(err)
	}
	rec = do(t, s, "POST", fmt.Sprintf("/api/v1/audit/%d/rollback", es[0].ID), `{"to":"after","expect_digest":"`+xmlDigest("")+`"}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("re-create: %d %s", rec.Code, rec.Body)
	}
	if now, _ := conn.FilterXML(ctx, name); now != want {
		t.Errorf("re-created as\n%s", now)
	}
	if res, err := st.VerifyChain(ctx); err != nil || !res.OK {
		t.Errorf("chain: %+v %v", res, err)
	}
}

func TestChangedOutsideWithVirshLive(t *testing.T) {
	s, conn, st := liveServer(t)
	ctx := context.Background()
	name := libvirtxtest.UniqueName("test-outside")
	libvirtxtest.DefineTestFilter(t, conn, name, liveFilterBody(7000))
	do(t, s, "GET", "/filters", "") // the baseline
	before, _ := conn.FilterXML(ctx, name)
	virshDefine(t, withPort(t, before, 7000, 7001))
	do(t, s, "GET", "/filters/"+name, "")
	es, _ := st.Timeline(ctx, store.AuditQuery{Target: name})
	if len(es) != 1 || es[0].Action != actFilterOutside || es[0].Actor != actorOutside || es[0].Before != before ||
		!strings.Contains(es[0].After, "dstportstart='7001'") {
		t.Fatalf("virsh's change: %+v", es)
	}
	// The periodic check finds the next one.
	virshDefine(t, withPort(t, before, 7000, 7002))
	if err := s.CheckOutside(ctx); err != nil {
		t.Fatal(err)
	}
	es, _ = st.Timeline(ctx, store.AuditQuery{Target: name})
	if len(es) != 2 || !strings.Contains(es[0].After, "dstportstart='7002'") || !strings.Contains(es[0].Note, "periodic") {
		t.Fatalf("periodic check: %+v", es)
	}
}

func TestNICChangedOutsideAndRestartLive(t *testing.T) {
	s, conn, st := liveServer(t)
	ctx := context.Background()
	filter := libvirtxtest.UniqueName("test-nicout")
	domain := libvirtxtest.UniqueName("kvmdom")
	mac := libvirtxtest.RandomMAC()
	libvirtxtest.DefineTestFilter(t, conn, filter, liveFilterBody(6000))
	libvirtxtest.DefineStoppedDomain(t, conn, domain, libvirtxtest.EthernetNIC(mac, &libvirtx.FilterRef{Filter: filter}))
	target := domain + "/" + mac

	nics, err := conn.InterfacesXML(ctx)
	if err != nil || !strings.Contains(nics[target], filter) {
		t.Fatalf("InterfacesXML: %v %q", err, nics[target])
	}
	if err := s.CheckOutside(ctx); err != nil { // the baseline
		t.Fatal(err)
	}
	// Starting and stopping the VM (libvirt gives the NIC a new tap device each time) is no change.
	for range 1 {
		if rec := do(t, s, "POST", "/api/v1/domains/"+domain+"/start", ""); rec.Code != http.StatusNoContent {
			t.Fatalf("start: %d %s", rec.Code, rec.Body)
		}
		if err := s.CheckOutside(ctx); err != nil {
			t.Fatal(err)
		}
		if rec := do(t, s, "POST", "/api/v1/domains/"+domain+"/stop", ""); rec.Code != http.StatusNoContent {
			t.Fatalf("stop: %d %s", rec.Code, rec.Body)
		}
	}
	do(t, s, "POST", "/api/v1/domains/"+domain+"/start", "")
	do(t, s, "GET", "/domains", "")
	es, _ := st.Timeline(ctx, store.AuditQuery{Domain: domain})
	for _, e := range es {
		if e.Action == actNICOutside {
			t.Fatalf("a restart was taken for a change made outside: %+v", e)
		}
	}
	// The filterref changed behind our back, live and persistently.
	if _, _, err := conn.SetFilterRef(ctx, domain, mac, &libvirtx.FilterRef{Filter: "clean-traffic",
		Parameters: []libvirtx.Param{{Name: "IP", Value: "192.168.122.50"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckOutside(ctx); err != nil {
		t.Fatal(err)
	}
	es, _ = st.Timeline(ctx, store.AuditQuery{Target: target})
	if len(es) != 1 || es[0].Action != actNICOutside || !strings.Contains(es[0].Before, filter) || !strings.Contains(es[0].After, "clean-traffic") {
		t.Fatalf("NIC changed outside: %+v", es)
	}
	// Roll it back: the NIC's filter again, live (its tap device has the chains).
	rec := do(t, s, "POST", fmt.Sprintf("/api/v1/audit/%d/rollback", es[0].ID), "")
	if rec.Code != http.StatusOK {
		t.Fatalf("rollback: %d %s", rec.Code, rec.Body)
	}
	dom, err := conn.Domain(ctx, domain)
	if err != nil || len(dom.Interfaces) != 1 || dom.Interfaces[0].FilterRef == nil || dom.Interfaces[0].FilterRef.Filter != filter {
		t.Fatalf("after the rollback: %+v %v", dom, err)
	}
	ht := libvirtxtest.HostTables(t)
	dev := dom.Interfaces[0].TargetDev
	if rules := libvirtxtest.ChainRules(ht.IPTables, "FI-"+dev); !strings.Contains(strings.Join(rules, "\n"), "--dport 22 -j DROP") {
		t.Errorf("chains of %s after the rollback: %v", dev, rules)
	}
	if err := s.CheckOutside(ctx); err != nil {
		t.Fatal(err)
	}
	if es, _ := st.Timeline(ctx, store.AuditQuery{Target: target}); len(es) != 2 || es[0].Action != actNICRollback {
		t.Errorf("after the rollback: %+v", es)
	}
}
