package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestArchiveBefore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	seedHistory(t, s, start, 30) // one row a minute
	// A row that began before the cut and finishes after newer rows began must not be split.
	straddler, err := s.BeginAudit(ctx, AuditEntry{Time: start.Add(40 * time.Minute), Action: "filter.define", Target: "slow"})
	if err != nil {
		t.Fatal(err)
	}
	seedHistory(t, s, start.Add(50*time.Minute), 5)
	if err := s.FinishAudit(ctx, straddler, ResultOK, "<slow/>", "", time.Second); err != nil {
		t.Fatal(err)
	}

	// Nothing old enough: nothing written.
	res, err := s.ArchiveBefore(ctx, start, filepath.Join(dir, "none.db"))
	if err != nil || res.Rows != 0 {
		t.Fatalf("archiving nothing: %+v, %v", res, err)
	}
	if _, err := s.ArchiveBefore(ctx, start.Add(time.Hour), s.Path()); err == nil {
		t.Error("archived into the database itself")
	}

	first := filepath.Join(dir, "first.db")
	res, err = s.ArchiveBefore(ctx, start.Add(20*time.Minute), first)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 20 || res.FirstID != 1 || res.LastID != 20 || res.Events != 40 {
		t.Fatalf("first archive: %+v", res)
	}
	live, err := s.VerifyChain(ctx)
	if err != nil || !live.OK || live.Rows != 16 || live.AnchorHash != res.Anchor || live.ArchivedRows != 20 || live.ArchivePath != first {
		t.Fatalf("live chain after archiving: %+v, %v", live, err)
	}
	a := openAt(t, first)
	arch, err := a.VerifyChain(ctx)
	if err != nil || !arch.OK || arch.Rows != 20 || arch.Head != res.Anchor || arch.AnchorSeq != 0 {
		t.Fatalf("archive chain: %+v, %v", arch, err)
	}
	if page, _ := s.AuditEntries(ctx, AuditQuery{}); len(page) != 16 || page[len(page)-1].ID != 21 {
		t.Fatalf("live rows after archiving: %d", len(page))
	}
	if _, err := s.ArchiveBefore(ctx, start.Add(30*time.Minute), first); err == nil {
		t.Error("an archive overwrote an existing file")
	}

	// The straddling row holds the cut back: rows from it on stay.
	second := filepath.Join(dir, "second.db")
	res2, err := s.ArchiveBefore(ctx, start.Add(45*time.Minute), second)
	if err != nil {
		t.Fatal(err)
	}
	if res2.FirstID != 21 || res2.LastID != straddler-1 {
		t.Fatalf("second archive: %+v (straddler %d)", res2, straddler)
	}
	b := openAt(t, second)
	arch2, err := b.VerifyChain(ctx)
	if err != nil || !arch2.OK || arch2.AnchorHash != res.Anchor || arch2.Head != res2.Anchor {
		t.Fatalf("second archive chain: %+v, %v", arch2, err)
	}
	live, err = s.VerifyChain(ctx)
	if err != nil || !live.OK || live.ArchivedRows != 30 || live.AnchorHash != res2.Anchor {
		t.Fatalf("live chain after the second archive: %+v, %v", live, err)
	}
	// Life goes on: new rows chain to the anchor, IDs keep counting.
	ids := seedHistory(t, s, time.Now(), 2)
	if ids[0] != straddler+6 {
		t.Errorf("IDs restarted: %v", ids)
	}
	if live, err := s.VerifyChain(ctx); err != nil || !live.OK {
		t.Fatalf("after appending: %+v, %v", live, err)
	}

	// Tampering with an archive is detected by its own verification.
	sqlShell(t, a, `UPDATE audit SET actor = 'mallory' WHERE id = 7`)
	if arch, err := a.VerifyChain(ctx); err != nil || arch.OK || arch.FirstBrokenID != 7 {
		t.Fatalf("tampered archive: %+v, %v", arch, err)
	}
}

// TestArchiveEverything archives every row: times keep rising after it, from the anchor.
func TestArchiveEverything(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	future := time.Now().Add(time.Hour)
	seedHistory(t, s, future, 3)
	res, err := s.ArchiveBefore(ctx, future.Add(time.Hour), filepath.Join(t.TempDir(), "all.db"))
	if err != nil || res.Rows != 3 {
		t.Fatalf("%+v, %v", res, err)
	}
	id, err := s.BeginAudit(ctx, AuditEntry{Action: "filter.define", Target: "f"})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := s.AuditEntry(ctx, id)
	if e.Time.Before(future.Add(2 * time.Minute)) {
		t.Errorf("time went back after archiving everything: %v", e.Time)
	}
	if v, err := s.VerifyChain(ctx); err != nil || !v.OK || v.Rows != 1 {
		t.Fatalf("%+v, %v", v, err)
	}
}
