package web

// The seed scenario of issue 2 against the real libvirtd: define a filter, attach it to the NIC
// of a diskless qemu domain, start the domain, and find the chains libvirt made for the NIC's
// tap device on the filter page and in the chains API, with every step in the history.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
	"github.com/nwfilter-web/nwfilter-web/store"
)

// seedRules are the lines issue 2 expects for the seed filter on device dev.
func seedRules(dev string) []string {
	return []string{
		"-A FI-" + dev + " -d 192.168.122.1/32 -p tcp -m tcp --dport 22 -j DROP",
		"-A FO-" + dev + " -s 192.168.122.1/32 -p tcp -m tcp --sport 22 -j DROP",
		"-A HI-" + dev + " -d 192.168.122.1/32 -p tcp -m tcp --dport 22 -j DROP",
	}
}

// liveServer is the real thing: the server over the test libvirtd, a fresh store and this
// host's tables.
func liveServer(t *testing.T) (*Server, *libvirtx.Conn, *store.Store) {
	t.Helper()
	conn := libvirtxtest.Require(t)
	st := openTestStore(t)
	return New(Deps{Libvirt: conn, Store: st}), conn, st
}

// cleanupFilter undefines a filter a test defined through the server.
func cleanupFilter(t *testing.T, conn *libvirtx.Conn, name string) {
	t.Cleanup(func() {
		if err := conn.UndefineFilter(context.Background(), name); err != nil && !strings.Contains(err.Error(), "not found") {
			t.Errorf("cleanup: undefine %s: %v", name, err)
		}
	})
}

func TestSeedScenarioAPI(t *testing.T) {
	s, conn, st := liveServer(t)
	srv := httptest.NewServer(s)
	defer srv.Close()
	filter := libvirtxtest.UniqueName("test-filter")
	domain := libvirtxtest.UniqueName("kvmdom")
	mac := libvirtxtest.RandomMAC()
	// Cleanups run last-in first-out: the domain goes before the filter it uses.
	cleanupFilter(t, conn, filter)
	libvirtxtest.DefineStoppedDomain(t, conn, domain, libvirtxtest.EthernetNIC(mac, nil))

	call := func(method, path, body string, want int) string {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if strings.HasPrefix(body, "{") {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := apiClient(t, s).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, res.Body)
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d %s (want %d)", method, path, res.StatusCode, b.String(), want)
		}
		return b.String()
	}

	xml := "<filter name='" + filter + "' chain='root'><rule action='drop' direction='out'><tcp dstipaddr='192.168.122.1' dstportstart='22'/></rule></filter>"
	call("PUT", "/api/v1/filters/"+filter, xml, http.StatusCreated)
	call("PUT", "/api/v1/domains/"+domain+"/interfaces/"+mac+"/filterref", `{"filter":"`+filter+`"}`, http.StatusOK)
	call("POST", "/api/v1/domains/"+domain+"/start", "", http.StatusNoContent)

	var doms []apiDomain
	if err := json.Unmarshal([]byte(call("GET", "/api/v1/domains", "", 200)), &doms); err != nil {
		t.Fatal(err)
	}
	var dev string
	for _, d := range doms {
		if d.Name == domain && len(d.Interfaces) == 1 {
			dev = d.Interfaces[0].TargetDev
		}
	}
	if dev == "" {
		t.Fatalf("no tap device for %s in %+v", domain, doms)
	}

	var ch apiChains
	if err := json.Unmarshal([]byte(call("GET", "/api/v1/filters/"+filter+"/chains?dev="+dev, "", 200)), &ch); err != nil {
		t.Fatal(err)
	}
	if ch.Actual == nil {
		t.Fatalf("no actual chains: %+v", ch)
	}
	for _, line := range seedRules(dev) {
		if !strings.Contains(ch.Actual.IPTables, line+"\n") {
			t.Errorf("chains API lacks %q:\n%s", line, ch.Actual.IPTables)
		}
	}
	// Without ?dev the chains API picks the filter's port.
	if err := json.Unmarshal([]byte(call("GET", "/api/v1/filters/"+filter+"/chains", "", 200)), &ch); err != nil || ch.Dev != dev {
		t.Errorf("chains without dev: %+v %v", ch, err)
	}

	page := call("GET", "/filters/"+filter, "", 200)
	for _, line := range seedRules(dev) {
		if !strings.Contains(page, line) {
			t.Errorf("filter page lacks %q", line)
		}
	}

	// Deleting the filter in use is refused and changes nothing.
	out := call("DELETE", "/api/v1/filters/"+filter, "", http.StatusConflict)
	if !strings.Contains(out, "in use") {
		t.Errorf("delete in use: %s", out)
	}
	if _, err := conn.FilterXML(context.Background(), filter); err != nil {
		t.Errorf("filter gone after a refused delete: %v", err)
	}

	// Only our own rows: others' filters on a shared libvirtd are recorded as changed outside.
	es, err := st.AuditEntries(context.Background(), store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	es = ownRows(es)
	var got []string
	for _, e := range es {
		got = append([]string{e.Action + " " + e.Result}, got...)
	}
	want := []string{"filter.define ok", "nic.filterref.set ok", "domain.start ok", "filter.undefine error"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("history %v, want %v", got, want)
	}
	if es[3].URI != "qemu:///system" && es[3].URI != libvirtxtest.URI() || !strings.Contains(es[3].After, "dstportstart='22'") {
		t.Errorf("define's row: %+v", es[3])
	}
	if !strings.Contains(es[2].After, filter) || strings.Contains(es[2].Before, "filterref") {
		t.Errorf("attach's row: before %q after %q", es[2].Before, es[2].After)
	}
}
