package web

// Handler tests for the audit history (issue 5) over the fake libvirt: filters and paging,
// the entry's diff, export, rollback and its refusals, changes made outside, the chain's status.

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/nwfilter-web/nwfilter-web/store"
)

// filterV is version v of test-filter: the port in its one rule changes.
func filterV(v int) string {
	return fmt.Sprintf("<filter name='test-filter' chain='root'>\n  <uuid>%s</uuid>\n  <rule action='drop' direction='out' priority='500'>\n    <tcp dstipaddr='192.168.122.1' dstportstart='%d'/>\n  </rule>\n</filter>", fakeUUID("test-filter"), 20+v)
}

func TestAuditRequestIDReachesRow(t *testing.T) {
	s, _, st := newTestServer(t)
	rec := do(t, s, "PUT", "/api/v1/filters/test-filter", filterV(1), "X-Request-ID", "req-from-proxy-1")
	if rec.Code != http.StatusCreated {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	rec = do(t, s, "PUT", "/api/v1/filters/test-filter", filterV(2))
	generated := rec.Header().Get(echoHeaderRequestID)
	es := auditRows(t, st)
	if es[1].RequestID != "req-from-proxy-1" {
		t.Errorf("the caller's request id: %q", es[1].RequestID)
	}
	if generated == "" || es[0].RequestID != generated {
		t.Errorf("generated request id %q, row has %q", generated, es[0].RequestID)
	}
	if es[0].ClientAddr == "" || es[0].Actor == "" || es[0].URI == "" || es[0].Duration <= 0 && es[0].Result != store.ResultOK {
		t.Errorf("row lacks fields: %+v", es[0])
	}
	// The entry page shows it.
	if got := doc(t, do(t, s, "GET", fmt.Sprintf("/audit/%d", es[0].ID), "")).Find(`[data-testid="entry-request-id"]`).Text(); got != generated {
		t.Errorf("entry page request id %q", got)
	}
}

const echoHeaderRequestID = "X-Request-Id"

// recordN writes n finished changes straight into the store.
func recordN(t *testing.T, st *store.Store, n int, f func(i int) store.AuditEntry) {
	t.Helper()
	var es []store.AuditEntry
	for i := range n {
		es = append(es, f(i))
	}
	if _, err := st.RecordChanges(context.Background(), es); err != nil {
		t.Fatal(err)
	}
}

func TestAuditHistoryFiltersAndPaging(t *testing.T) {
	s, _, st := newTestServer(t)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	recordN(t, st, 130, func(i int) store.AuditEntry {
		return store.AuditEntry{Time: start.Add(time.Duration(i) * time.Hour), Actor: []string{"alice", "bob"}[i%2],
			Action: actFilterDefine, Target: fmt.Sprintf("f%d", i%3), Result: []string{store.ResultOK, store.ResultOK, store.ResultError}[i%3],
			URI: "qemu:///system"}
	})
	rows := func(path string) (ids []string, older string) {
		t.Helper()
		rec := do(t, s, "GET", path, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		d := doc(t, rec)
		d.Find(`[data-testid="audit-row"]`).Each(func(_ int, r *goquery.Selection) {
			ids = append(ids, r.AttrOr("data-id", "")+":"+r.Find("td").Eq(2).Text()+":"+r.AttrOr("data-result", ""))
		})
		older, _ = d.Find(`[data-testid="audit-older"]`).Attr("href")
		return ids, older
	}
	ids, older := rows("/audit?actor=alice")
	if len(ids) != 50 || !strings.HasPrefix(ids[0], "129:alice") || older == "" {
		t.Fatalf("first page: %d rows %v, older %q", len(ids), ids[:3], older)
	}
	u, _ := url.Parse(older)
	if u.Query().Get("actor") != "alice" || u.Query().Get("before") == "" {
		t.Errorf("the older link drops the filter: %s", older)
	}
	ids2, older2 := rows(older)
	if len(ids2) != 15 || older2 != "" || !strings.HasPrefix(ids2[0], "29:alice") {
		t.Errorf("second page: %d rows %v, older %q", len(ids2), ids2, older2)
	}
	for _, id := range append(ids, ids2...) {
		if !strings.Contains(id, ":alice") {
			t.Fatalf("a row of someone else: %s", id)
		}
	}
	// Result, target and time range together.
	ids, _ = rows("/audit?result=error&target=f2&since=2025-01-02T00:00&until=2025-01-03")
	for _, id := range ids {
		if !strings.HasSuffix(id, ":error") {
			t.Errorf("not an error: %s", id)
		}
	}
	if len(ids) != 8 { // hours 24..47, every third one is f2 and an error
		t.Errorf("range: %d rows %v", len(ids), ids)
	}
	d := doc(t, do(t, s, "GET", "/audit?actor=bob&result=error", ""))
	if href, _ := d.Find(`[data-testid="export-csv"]`).Attr("href"); !strings.Contains(href, "actor=bob") || !strings.Contains(href, "result=error") {
		t.Errorf("export link drops the filters: %s", href)
	}
	if v, _ := d.Find(`[data-testid="filter-actor"]`).Attr("value"); v != "bob" {
		t.Errorf("the form forgets the filter: %q", v)
	}
	for _, bad := range []string{"/audit?since=yesterday", "/audit?result=maybe", "/audit?since=2025-01-02&until=2025-01-01", "/api/v1/audit?before=x"} {
		if rec := do(t, s, "GET", bad, ""); rec.Code != http.StatusBadRequest {
			t.Errorf("%s: %d", bad, rec.Code)
		}
	}
	// The API takes the same filters.
	var out struct {
		Entries []apiAuditEntry `json:"entries"`
		Next    int64           `json:"next"`
	}
	rec := do(t, s, "GET", "/api/v1/audit?actor=bob&limit=10&since=2025-01-01T10:00:00Z", "")
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Entries) != 10 || out.Next == 0 || out.Entries[0].Actor != "bob" {
		t.Errorf("API: %v %+v", err, out)
	}
}

func TestAuditEntryDiffAndTimeline(t *testing.T) {
	s, _, st := newTestServer(t)
	for v := 1; v <= 2; v++ {
		if rec := do(t, s, "PUT", "/api/v1/filters/test-filter", filterV(v)); rec.Code >= 300 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
	es := auditRows(t, st)
	d := doc(t, do(t, s, "GET", fmt.Sprintf("/audit/%d", es[0].ID), ""))
	del, add := d.Find(`[data-testid="diff-del"]`), d.Find(`[data-testid="diff-add"]`)
	if del.Length() != 1 || add.Length() != 1 || !strings.Contains(del.Text(), "dstportstart='21'") || !strings.Contains(add.Text(), "dstportstart='22'") {
		t.Fatalf("diff: -%q +%q", del.Text(), add.Text())
	}
	if m := add.Find("mark").Text(); m != "2" {
		t.Errorf("highlighted change %q, want the digit that changed", m)
	}
	if d.Find(`[data-testid="restore-before"]`).Length() != 1 || d.Find(`[data-testid="restore-after"]`).Length() != 1 {
		t.Errorf("restore options missing")
	}
	// The first define created the filter: restoring before it means undefining.
	d = doc(t, do(t, s, "GET", fmt.Sprintf("/audit/%d", es[1].ID), ""))
	if got := d.Find(`[data-testid="restore-before"]`).Text(); !strings.Contains(got, "Undefine") {
		t.Errorf("restore before a creation: %q", got)
	}
	// The API gives the diff as text.
	var e apiAuditEntry
	if err := json.Unmarshal(do(t, s, "GET", fmt.Sprintf("/api/v1/audit/%d", es[0].ID), "").Body.Bytes(), &e); err != nil ||
		!strings.Contains(e.Diff, "-    <tcp dstipaddr='192.168.122.1' dstportstart='21'/>") {
		t.Errorf("API entry: %v %q", err, e.Diff)
	}
	if rec := do(t, s, "GET", "/audit/999", ""); rec.Code != http.StatusNotFound {
		t.Errorf("unknown entry: %d", rec.Code)
	}
	// The timelines: the filter's, linked from its page, and the VM's.
	if href, _ := doc(t, do(t, s, "GET", "/filters/test-filter", "")).Find(`[data-testid="filter-history"]`).Attr("href"); href != "/filters/test-filter/history" {
		t.Errorf("filter page's history link %q", href)
	}
	items := doc(t, do(t, s, "GET", "/filters/test-filter/history", "")).Find(`[data-testid="timeline-item"]`)
	if items.Length() != 2 || items.First().Find(`[data-testid="diff-add"]`).Length() != 1 {
		t.Errorf("filter timeline: %d items", items.Length())
	}
	do(t, s, "PUT", "/api/v1/domains/kvmdom/interfaces/52:54:00:00:00:01/filterref", `{"filter":"test-filter"}`)
	do(t, s, "POST", "/api/v1/domains/kvmdom/stop", "")
	if href, _ := doc(t, do(t, s, "GET", "/domains", "")).Find(`[data-testid="domain-history"]`).Attr("href"); href != "/domains/kvmdom/history" {
		t.Errorf("VM page's history link %q", href)
	}
	items = doc(t, do(t, s, "GET", "/domains/kvmdom/history", "")).Find(`[data-testid="timeline-item"]`)
	if items.Length() != 2 || items.First().AttrOr("data-action", "") != actDomainStop || items.Last().AttrOr("data-action", "") != actNICSet {
		t.Errorf("VM timeline: %d items", items.Length())
	}
}

func TestAuditExport(t *testing.T) {
	s, _, st := newTestServer(t)
	recordN(t, st, 700, func(i int) store.AuditEntry {
		return store.AuditEntry{Actor: []string{"alice", "bob"}[i%2], Action: actFilterDefine, Target: "f", After: "=cmd()",
			Result: store.ResultOK, URI: "qemu:///system"}
	})
	rec := do(t, s, "GET", "/audit/export?format=csv&actor=alice", "")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") ||
		!strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	recs, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
	if err != nil || len(recs) != 351 || recs[0][0] != "id" || recs[1][2] != "alice" || recs[1][12] != "'=cmd()" {
		t.Fatalf("CSV: %v, %d records, %v", err, len(recs), recs[:2])
	}
	rec = do(t, s, "GET", "/api/v1/audit/export?format=jsonl&actor=bob&limit=5", "")
	sc := bufio.NewScanner(strings.NewReader(rec.Body.String()))
	n := 0
	for sc.Scan() {
		var e store.ExportedEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Actor != "bob" {
			t.Fatalf("line %d: %v %+v", n, err, e)
		}
		n++
	}
	if n != 5 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/jsonl") {
		t.Errorf("JSONL: %d lines, %s", n, rec.Header().Get("Content-Type"))
	}
	if rec := do(t, s, "GET", "/api/v1/audit/export?format=xml", ""); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"field":"format"`) {
		t.Errorf("bad format: %d %s", rec.Code, rec.Body)
	}
}

func TestRollbackFilterPreviewAndRefusal(t *testing.T) {
	s, fake, st := newTestServer(t)
	fake.filters["test-filter"] = filterV(0) // defined before nwfilter-web saw it
	do(t, s, "GET", "/filters", "")          // the baseline
	for v := 1; v <= 2; v++ {
		if rec := do(t, s, "POST", "/filters/test-filter", form("xml", filterV(v))); rec.Code != http.StatusSeeOther {
			t.Fatalf("change %d: %d %s", v, rec.Code, rec.Body)
		}
	}
	es := auditRows(t, st)
	first := es[1] // 0 -> 1
	d := doc(t, do(t, s, "GET", fmt.Sprintf("/audit/%d/rollback?to=before", first.ID), ""))
	digestNow, _ := d.Find(`[data-testid="rollback-digest"]`).Attr("value")
	if digestNow != xmlDigest(filterV(2)) {
		t.Fatalf("preview digest %q", digestNow)
	}
	if !strings.Contains(d.Find(`[data-testid="diff-del"]`).Text(), "'22'") || !strings.Contains(d.Find(`[data-testid="diff-add"]`).Text(), "'20'") {
		t.Errorf("preview diff: %s", d.Find(`[data-testid="diff"]`).Text())
	}
	if tables := d.Find(`[data-testid="rollback-tables"]`).Text(); !strings.Contains(tables, "--dport 20 -j DROP") {
		t.Errorf("predicted chains on the example port: %q (%s)", tables, d.Find(`[data-testid="rollback-port"]`).Text())
	}

	// The filter changes behind the preview's back: refused, nothing recorded.
	fake.setFilterOutside("test-filter", filterV(3))
	rec := do(t, s, "POST", fmt.Sprintf("/audit/%d/rollback", first.ID), form("to", "before", "expect", digestNow))
	if rec.Code != http.StatusConflict || !strings.Contains(doc(t, rec).Find(`[data-testid="error"]`).Text(), "changed since the preview") {
		t.Fatalf("stale preview: %d %s", rec.Code, rec.Body)
	}
	if fake.filters["test-filter"] != filterV(3) || len(auditRows(t, st)) != 2 {
		t.Fatalf("a refused rollback changed something")
	}
	// The page came back with the new state and its digest.
	digestNow, _ = doc(t, rec).Find(`[data-testid="rollback-digest"]`).Attr("value")
	rec = do(t, s, "POST", fmt.Sprintf("/audit/%d/rollback", first.ID), form("to", "before", "expect", digestNow))
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/filters/test-filter/history?done=") {
		t.Fatalf("rollback: %d %s %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	if fake.filters["test-filter"] != filterV(0) {
		t.Errorf("libvirt has %s", fake.filters["test-filter"])
	}
	es = auditRows(t, st)
	rb := es[0]
	if rb.Action != actFilterRollback || rb.Before != filterV(3) || rb.After != filterV(0) || !strings.Contains(rb.Note, fmt.Sprintf("#%d", first.ID)) {
		t.Errorf("rollback row: %+v", rb)
	}
	// The change made behind the preview's back got its own entry, just before.
	if out := es[1]; out.Action != actFilterOutside || out.Before != filterV(2) || out.After != filterV(3) {
		t.Errorf("the change made outside: %+v", out)
	}
	// Nothing to do now: the preview says so and offers no button.
	d = doc(t, do(t, s, "GET", fmt.Sprintf("/audit/%d/rollback?to=before", first.ID), ""))
	if d.Find(`[data-testid="rollback-apply"]`).Length() != 0 || !strings.Contains(d.Find(`[data-testid="error"]`).Text(), "already at this version") {
		t.Errorf("a no-op rollback offered")
	}
}

func TestRollbackRecreatesUndefinedFilterUnderNewUUID(t *testing.T) {
	s, fake, st := newTestServer(t)
	do(t, s, "PUT", "/api/v1/filters/test-filter", filterV(1))
	do(t, s, "PUT", "/api/v1/filters/test-filter", filterV(2))
	// Undefined and re-created outside with another UUID.
	other := strings.Replace(filterV(5), fakeUUID("test-filter"), "11111111-2222-4333-8444-555555555555", 1)
	fake.setFilterOutside("test-filter", other)
	es := auditRows(t, st)
	rec := do(t, s, "POST", fmt.Sprintf("/api/v1/audit/%d/rollback", es[0].ID), `{"to":"before","expect_digest":"`+xmlDigest(other)+`"}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := strings.Replace(filterV(1), fakeUUID("test-filter"), "11111111-2222-4333-8444-555555555555", 1)
	if fake.filters["test-filter"] != want {
		t.Errorf("restored as\n%s\nwant\n%s", fake.filters["test-filter"], want)
	}
	// Undefined since: restoring defines it again, with the UUID it had.
	fake.setFilterOutside("test-filter", "")
	rec = do(t, s, "POST", fmt.Sprintf("/api/v1/audit/%d/rollback", es[0].ID), `{"expect_digest":"`+xmlDigest("")+`"}`)
	if rec.Code != http.StatusOK || fake.filters["test-filter"] != filterV(1) {
		t.Errorf("re-created: %d %s\n%s", rec.Code, rec.Body, fake.filters["test-filter"])
	}
}

func TestAPIRollbackDigests(t *testing.T) {
	s, fake, st := newTestServer(t)
	do(t, s, "PUT", "/api/v1/filters/test-filter", filterV(1))
	do(t, s, "PUT", "/api/v1/filters/test-filter", filterV(2))
	do(t, s, "PUT", "/api/v1/filters/test-filter", filterV(3))
	es := auditRows(t, st)
	latest, older := es[0], es[1]
	// Without a digest, an older entry is refused: the filter is no longer as it left it.
	rec := do(t, s, "POST", fmt.Sprintf("/api/v1/audit/%d/rollback", older.ID), "")
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "changed since") {
		t.Fatalf("older entry without a digest: %d %s", rec.Code, rec.Body)
	}
	// A wrong If-Match is refused.
	rec = do(t, s, "POST", fmt.Sprintf("/api/v1/audit/%d/rollback", older.ID), "", "If-Match", `"sha256:00"`)
	if rec.Code != http.StatusConflict {
		t.Fatalf("wrong If-Match: %d %s", rec.Code, rec.Body)
	}
	// The preview's ETag works as If-Match.
	rec = do(t, s, "GET", fmt.Sprintf("/api/v1/audit/%d/rollback", older.ID), "")
	var pv map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &pv); err != nil || pv["current_digest"] != xmlDigest(filterV(3)) || pv["can_apply"] != true {
		t.Fatalf("preview: %v %s", err, rec.Body)
	}
	rec = do(t, s, "POST", fmt.Sprintf("/api/v1/audit/%d/rollback", older.ID), "", "If-Match", rec.Header().Get("ETag"))
	if rec.Code != http.StatusOK || fake.filters["test-filter"] != filterV(1) {
		t.Fatalf("rollback with If-Match: %d %s", rec.Code, rec.Body)
	}
	// Undoing the latest change needs no digest.
	es = auditRows(t, st)
	rec = do(t, s, "POST", fmt.Sprintf("/api/v1/audit/%d/rollback", es[0].ID), "")
	if rec.Code != http.StatusOK || fake.filters["test-filter"] != filterV(3) {
		t.Fatalf("undo the latest: %d %s", rec.Code, rec.Body)
	}
	_ = latest
	// Entries without versions, and bad requests.
	do(t, s, "POST", "/api/v1/domains/kvmdom/stop", "")
	es = auditRows(t, st)
	if rec := do(t, s, "POST", fmt.Sprintf("/api/v1/audit/%d/rollback", es[0].ID), ""); rec.Code != http.StatusConflict {
		t.Errorf("rollback of a stop: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, s, "POST", fmt.Sprintf("/api/v1/audit/%d/rollback", older.ID), `{"to":"sideways"}`); rec.Code != http.StatusBadRequest {
		t.Errorf("bad to: %d %s", rec.Code, rec.Body)
	}
}

func TestRollbackNICFilterRef(t *testing.T) {
	s, fake, st := newTestServer(t)
	nic := "/api/v1/domains/kvmdom/interfaces/52:54:00:00:00:01/filterref"
	do(t, s, "PUT", nic, `{"filter":"clean-traffic","parameters":[{"name":"IP","value":"10.0.0.5"}]}`)
	do(t, s, "PUT", nic, `{"filter":"allow-dhcp"}`)
	es := auditRows(t, st)
	d := doc(t, do(t, s, "GET", fmt.Sprintf("/audit/%d/rollback?to=before", es[0].ID), ""))
	if !strings.Contains(d.Find(`[data-testid="rollback-notice"]`).Text(), "Only the NIC's filterref") ||
		!strings.Contains(d.Find(`[data-testid="rollback-port"] h3`).Text(), "vnet0") {
		t.Errorf("NIC preview: %s", d.Find("main").Text())
	}
	rec := do(t, s, "POST", fmt.Sprintf("/api/v1/audit/%d/rollback", es[0].ID), "")
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	ref := fake.domains[0].Interfaces[0].FilterRef
	if ref == nil || ref.Filter != "clean-traffic" || len(ref.Parameters) != 1 || ref.Parameters[0].Value != "10.0.0.5" {
		t.Errorf("NIC's filterref now %+v", ref)
	}
	if es := auditRows(t, st); es[0].Action != actNICRollback {
		t.Errorf("row %+v", es[0])
	}
}

func TestOutsideChangesNoticed(t *testing.T) {
	s, fake, st := newTestServer(t)
	fake.filters["test-filter"] = filterV(1)
	do(t, s, "GET", "/filters", "") // first sighting: the baseline
	if n := len(auditRows(t, st)); n != 0 {
		t.Fatalf("the baseline made %d entries", n)
	}
	fake.setFilterOutside("test-filter", filterV(2))
	do(t, s, "GET", "/filters", "")
	do(t, s, "GET", "/api/v1/filters", "") // seen again: not recorded twice
	es := auditRows(t, st)
	if len(es) != 1 || es[0].Action != actFilterOutside || es[0].Actor != actorOutside || es[0].Before != filterV(1) ||
		es[0].After != filterV(2) || es[0].Result != store.ResultOK {
		t.Fatalf("outside change: %+v", es)
	}
	d := doc(t, do(t, s, "GET", "/audit", ""))
	if !strings.Contains(d.Find(`[data-testid="audit-row"]`).First().Text(), "changed outside") {
		t.Errorf("history row does not say so: %s", d.Find(`[data-testid="audit-row"]`).First().Text())
	}
	// Created and removed outside, after the baseline.
	fake.setFilterOutside("made-by-virsh", "<filter name='made-by-virsh' chain='root'/>")
	fake.setFilterOutside("test-filter", "")
	do(t, s, "GET", "/filters", "")
	es = auditRows(t, st)
	got := map[string]store.AuditEntry{}
	for _, e := range es[:2] {
		got[e.Target] = e
	}
	if e := got["made-by-virsh"]; e.Before != "" || e.After == "" || e.Action != actFilterOutside {
		t.Errorf("created outside: %+v", e)
	}
	if e := got["test-filter"]; e.Before != filterV(2) || e.After != "" {
		t.Errorf("removed outside: %+v", e)
	}
	// Our own changes are never taken for changes made outside.
	do(t, s, "PUT", "/api/v1/filters/test-filter", filterV(4))
	do(t, s, "GET", "/filters", "")
	if es := auditRows(t, st); len(es) != 4 || es[0].Action != actFilterDefine {
		t.Errorf("after our own change: %d rows, newest %+v", len(es), es[0])
	}
	// The rollback of a change made outside restores the version before it.
	if rec := do(t, s, "POST", fmt.Sprintf("/api/v1/audit/%d/rollback", got["made-by-virsh"].ID), ""); rec.Code != http.StatusOK {
		t.Errorf("rollback of a creation outside: %d %s", rec.Code, rec.Body)
	}
	if _, ok := fake.filters["made-by-virsh"]; ok {
		t.Error("the filter created outside is still there")
	}
}

func TestOutsideNICsAndTheCheckHoldingOff(t *testing.T) {
	s, fake, st := newTestServer(t)
	if err := s.CheckOutside(context.Background()); err != nil { // the baseline
		t.Fatal(err)
	}
	fake.mu.Lock()
	fake.domains[0].Interfaces[0].FilterRef = &refT{Filter: "clean-traffic"}
	fake.mu.Unlock()
	// A change of ours under way: the check holds off.
	s.audit.changeStarted()
	if err := s.CheckOutside(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(auditRows(t, st)); n != 0 {
		t.Fatalf("recorded while a change was under way: %d", n)
	}
	s.audit.changeEnded()
	do(t, s, "GET", "/domains", "")
	es := auditRows(t, st)
	if len(es) != 1 || es[0].Action != actNICOutside || es[0].Target != "kvmdom/52:54:00:00:00:01" || !strings.Contains(es[0].After, "clean-traffic") {
		t.Fatalf("NIC changed outside: %+v", es)
	}
	if !strings.Contains(es[0].Note, "VMs were read") {
		t.Errorf("note %q", es[0].Note)
	}
}

func TestChainStatus(t *testing.T) {
	s, _, st := newTestServer(t)
	do(t, s, "PUT", "/api/v1/filters/test-filter", filterV(1))
	do(t, s, "PUT", "/api/v1/filters/test-filter", filterV(2))
	// The first look at the history starts a verification in the background.
	state := doc(t, do(t, s, "GET", "/audit", "")).Find(`[data-testid="chain-status"]`).AttrOr("data-state", "")
	if state != "running" && state != "ok" {
		t.Errorf("first look: %q", state)
	}
	<-s.startVerify()
	if state := doc(t, do(t, s, "GET", "/audit/chain", "")).Find(`[data-testid="chain-status"]`).AttrOr("data-state", ""); state != "ok" {
		t.Errorf("after verifying: %q", state)
	}
	// Someone edits the database behind the store's back.
	db, err := sql.Open("sqlite", "file:"+st.Path())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit SET actor = 'mallory' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	var v map[string]any
	rec := do(t, s, "GET", "/api/v1/audit/verify", "")
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || v["ok"] != false || v["first_broken_id"] != float64(1) {
		t.Fatalf("API verify: %v %s", err, rec.Body)
	}
	rec = do(t, s, "POST", "/audit/verify", "", "HX-Request", "true")
	<-s.startVerify()
	d := doc(t, do(t, s, "GET", "/audit", ""))
	if d.Find(`[data-testid="chain-status"]`).AttrOr("data-state", "") != "broken" || !strings.Contains(d.Find(`[data-testid="chain-reason"]`).Text(), "row 1 was changed") {
		t.Errorf("broken chain: %s", d.Find(`[data-testid="chain-status"]`).Text())
	}
}

// Restoring "did not exist" for a filter in use is refused in the preview, naming its users:
// libvirt would refuse the undefine.
func TestRollbackUndefineInUseRefused(t *testing.T) {
	s, fake, st := newTestServer(t)
	if rec := do(t, s, "PUT", "/api/v1/filters/test-filter", filterV(1)); rec.Code != http.StatusCreated {
		t.Fatalf("define: %d %s", rec.Code, rec.Body)
	}
	fake.domains[0].Interfaces[0].FilterRef = &refT{Filter: "test-filter"}
	create := auditRows(t, st)[0]
	d := doc(t, do(t, s, "GET", fmt.Sprintf("/audit/%d/rollback?to=before", create.ID), ""))
	msg := d.Find(`[data-testid="error"]`).Text()
	if d.Find(`[data-testid="rollback-apply"]`).Length() != 0 || !strings.Contains(msg, "in use now (nic kvmdom") {
		t.Errorf("the preview of undefining a filter in use: %q", msg)
	}
	n := len(auditRows(t, st))
	if rec := do(t, s, "POST", fmt.Sprintf("/api/v1/audit/%d/rollback", create.ID), `{"to":"before"}`, "Content-Type", "application/json"); rec.Code != http.StatusConflict {
		t.Errorf("the API's rollback: %d %s", rec.Code, rec.Body)
	}
	if fake.filters["test-filter"] == "" || len(auditRows(t, st)) != n {
		t.Error("the refused rollback changed something")
	}
}
