package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRecordChanges(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	seedHistory(t, s, time.Now(), 3)
	ids, err := s.RecordChanges(ctx, []AuditEntry{
		{Actor: "import", Action: "filter.define", Target: "a", After: "<filter name='a'/>", Result: ResultOK, Note: "imported"},
		{Actor: "import", Action: "filter.define", Target: "b", Result: ResultError, Error: "refused"},
		{Actor: "import", Action: "filter.define", Target: "c", Result: ResultPending, After: "ignored"},
	})
	if err != nil || len(ids) != 3 || ids[0] != 4 || ids[2] != 6 {
		t.Fatalf("ids %v, %v", ids, err)
	}
	e, err := s.AuditEntry(ctx, 6)
	if err != nil || e.Result != ResultPending || e.After != "" {
		t.Errorf("pending row: %+v, %v", e, err)
	}
	if e, _ := s.AuditEntry(ctx, 4); e.Note != "imported" {
		t.Errorf("note lost: %+v", e)
	}
	if x, err := s.LastKnown(ctx, "a"); err != nil || x != "<filter name='a'/>" {
		t.Errorf("last known of a: %q, %v", x, err)
	}
	if _, err := s.LastKnown(ctx, "b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a failed change set the last known XML: %v", err)
	}
	res, err := s.VerifyChain(ctx)
	if err != nil || !res.OK || res.Rows != 6 || res.Events != 11 {
		t.Fatalf("chain after RecordChanges: %+v, %v", res, err)
	}
	// The pending row can still be finished, and the chain still verifies.
	if err := s.FinishAudit(ctx, 6, ResultOK, "<c/>", "", time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if res, err := s.VerifyChain(ctx); err != nil || !res.OK {
		t.Fatalf("chain after finishing: %+v, %v", res, err)
	}
	if _, err := s.RecordChanges(ctx, []AuditEntry{{Action: "x", Target: "y", Result: "maybe"}}); err == nil {
		t.Error("an unknown result was recorded")
	}
}

func TestRecordOutsideChange(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	outside := AuditEntry{Actor: "outside", Action: "filter.changed-outside", Target: "web",
		Before: "<v1/>", After: "<v2/>", Result: ResultOK}
	if _, err := s.RecordOutsideChange(ctx, outside); !errors.Is(err, ErrLastKnownChanged) {
		t.Fatalf("a change from an unknown version was recorded: %v", err)
	}
	created := AuditEntry{Actor: "outside", Action: "filter.changed-outside", Target: "new", After: "<n/>", Result: ResultOK}
	if _, err := s.RecordOutsideChange(ctx, created); err != nil {
		t.Fatalf("a target created outside: %v", err)
	}
	if err := s.BaselineLastKnown(ctx, map[string]string{"web": "<v1/>", "db": "<d1/>"}); err != nil {
		t.Fatal(err)
	}
	// A baseline never overwrites what is known.
	if err := s.BaselineLastKnown(ctx, map[string]string{"web": "<stale/>"}); err != nil {
		t.Fatal(err)
	}
	if x, _ := s.LastKnown(ctx, "web"); x != "<v1/>" {
		t.Fatalf("baseline overwrote the last known XML: %q", x)
	}
	id, err := s.RecordOutsideChange(ctx, outside)
	if err != nil {
		t.Fatal(err)
	}
	if x, _ := s.LastKnown(ctx, "web"); x != "<v2/>" {
		t.Errorf("last known after the outside change: %q", x)
	}
	// The same difference seen again (a second check that read before the first recorded it).
	if _, err := s.RecordOutsideChange(ctx, outside); !errors.Is(err, ErrLastKnownChanged) {
		t.Errorf("recorded twice: %v", err)
	}
	e, err := s.AuditEntry(ctx, id)
	if err != nil || e.Actor != "outside" || e.Before != "<v1/>" || e.After != "<v2/>" || e.Result != ResultOK {
		t.Errorf("outside row: %+v, %v", e, err)
	}
	if res, err := s.VerifyChain(ctx); err != nil || !res.OK {
		t.Fatalf("chain: %+v, %v", res, err)
	}
}

// TestNoteIsCovered: the note is part of the begin event, so editing it breaks the chain, and
// rows without one keep the hash they had before the column existed.
func TestNoteIsCovered(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if _, err := s.BeginAudit(ctx, AuditEntry{Action: "filter.rollback", Target: "web", Note: "rollback of #1"}); err != nil {
		t.Fatal(err)
	}
	e := AuditEntry{ID: 1, Time: time.Unix(0, 5), Action: "a", Target: "t"}
	withEmpty := eventHash(genesis, eventBegin, &e)
	e.Note = "x"
	if string(eventHash(genesis, eventBegin, &e)) == string(withEmpty) {
		t.Error("the note does not change the hash")
	}
	sqlShell(t, s, `UPDATE audit SET note = 'rollback of #2' WHERE id = 1`)
	res, err := s.VerifyChain(ctx)
	if err != nil || res.OK || res.FirstBrokenID != 1 {
		t.Fatalf("edited note not detected: %+v, %v", res, err)
	}
}
