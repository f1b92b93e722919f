package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nwfilter-web/nwfilter-web/store"
)

// TestDomainPowerAudit: starting and stopping a VM record its state before and after, which
// the entry shows; an entry with no versions says why instead of two empty panes.
func TestDomainPowerAudit(t *testing.T) {
	s, fake, st := newTestServer(t)
	fake.domains[0].Active, fake.domains[0].State = false, "shut off"
	if rec := do(t, s, "POST", "/api/v1/domains/kvmdom/start", ""); rec.Code != http.StatusNoContent {
		t.Fatalf("start: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, s, "POST", "/api/v1/domains/kvmdom/stop", ""); rec.Code != http.StatusNoContent {
		t.Fatalf("stop: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, s, "POST", "/api/v1/domains/nodom/start", ""); rec.Code != http.StatusNotFound {
		t.Fatalf("start an unknown VM: %d %s", rec.Code, rec.Body)
	}
	es := auditRows(t, st) // newest first
	if len(es) != 3 {
		t.Fatalf("%d rows: %+v", len(es), es)
	}
	for i, want := range [][2]string{{"", ""}, {"state: running", "state: shut off"}, {"state: shut off", "state: running"}} {
		if es[i].Before != want[0] || es[i].After != want[1] {
			t.Errorf("%s %s: before %q after %q, want %q %q", es[i].Action, es[i].Target, es[i].Before, es[i].After, want[0], want[1])
		}
	}

	d := doc(t, do(t, s, "GET", fmt.Sprintf("/audit/%d", es[2].ID), ""))
	if txt := d.Text(); strings.Contains(txt, "(none)") || !strings.Contains(d.Find(`[data-testid="entry-after"]`).Text(), "state: running") {
		t.Errorf("the start's entry: %s", d.Find("main").Text())
	}
	d = doc(t, do(t, s, "GET", fmt.Sprintf("/audit/%d", es[0].ID), ""))
	if d.Find(`[data-testid="entry-before"]`).Length() != 0 || !strings.Contains(d.Find(`[data-testid="entry-no-versions"]`).Text(), "failed") {
		t.Errorf("the failed start's entry: %s", d.Find("main").Text())
	}
	// An entry recorded before states were (both empty) says what a start is.
	ctx := context.Background()
	id, err := st.BeginAudit(ctx, store.AuditEntry{Time: time.Now().UTC(), Actor: "admin", URI: "qemu:///system",
		Action: actDomainStart, Target: "kvmdom", Result: store.ResultPending})
	if err == nil {
		err = st.FinishAudit(ctx, id, store.ResultOK, "", "", time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	d = doc(t, do(t, s, "GET", fmt.Sprintf("/audit/%d", id), ""))
	if !strings.Contains(d.Find(`[data-testid="entry-no-versions"]`).Text(), "changes no XML") || strings.Contains(d.Text(), "(none") {
		t.Errorf("an old start's entry: %s", d.Find("main").Text())
	}
}
