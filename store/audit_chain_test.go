package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// exec runs statements on the writer connection behind the store's back, as someone with the
// sqlite3 shell would.
func sqlShell(t *testing.T, s *Store, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := s.w.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestVerifyChainIntact(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	res, err := s.VerifyChain(ctx)
	if err != nil || !res.OK || res.Rows != 0 {
		t.Fatalf("empty history: %+v, %v", res, err)
	}
	seedHistory(t, s, time.Now(), 20)
	if _, err := s.BeginAudit(ctx, AuditEntry{Action: "filter.define", Target: "left-pending"}); err != nil {
		t.Fatal(err)
	}
	res, err = s.VerifyChain(ctx)
	if err != nil || !res.OK || res.Rows != 21 || res.Events != 41 || len(res.Head) != 64 {
		t.Fatalf("intact history: %+v, %v", res, err)
	}
}

// TestVerifyChainConcurrentWriters interleaves begins and finishes from many goroutines (and so
// batches them): the chain must follow commit order and verify.
func TestVerifyChainConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 20 {
				id, err := s.BeginAudit(ctx, AuditEntry{Actor: "g", Action: "filter.define", Target: "f"})
				if err != nil {
					t.Error(err)
					return
				}
				result := ResultOK
				if (g+i)%5 == 0 {
					result = ResultError
				}
				if err := s.FinishAudit(ctx, id, result, "<x/>", "", time.Millisecond); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	res, err := s.VerifyChain(ctx)
	if err != nil || !res.OK || res.Rows != 320 || res.Events != 640 {
		t.Fatalf("after concurrent writers: %+v, %v", res, err)
	}
}

func TestVerifyChainDetectsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper []string
		// wantID is the row the report must name (-1: any)
		wantID int64
		reason string
	}{
		{"actor edited", []string{`UPDATE audit SET actor = 'mallory' WHERE id = 5`}, 5, "changed"},
		{"XML after edited", []string{`UPDATE audit SET after_xml = '<filter/>' WHERE id = 7`}, 7, "changed"},
		{"time edited", []string{`UPDATE audit SET time_ns = time_ns + 1 WHERE id = 3`}, 3, "changed"},
		{"error turned ok", []string{`UPDATE audit SET result = 'ok' WHERE id = 1`}, 1, "changed"},
		{"pending row completed outside", []string{`UPDATE audit SET result = 'ok' WHERE id = 11`}, 11, "completed outside"},
		{"row and its events deleted", []string{`PRAGMA foreign_keys = OFF`,
			`DELETE FROM audit_chain WHERE audit_id = 4`, `DELETE FROM audit WHERE id = 4`, `PRAGMA foreign_keys = ON`}, -1, "missing"},
		{"row deleted", []string{`PRAGMA foreign_keys = OFF`, `DELETE FROM audit WHERE id = 6`, `PRAGMA foreign_keys = ON`}, 6, "deleted"},
		{"row added outside", []string{`INSERT INTO audit (time_ns, actor, uri, action, target, result)
			VALUES (9e18, 'mallory', '', 'filter.define', 'f', 'ok')`}, 12, "not in the chain"},
		{"newest events cut off", []string{`PRAGMA foreign_keys = OFF`,
			`DELETE FROM audit_chain WHERE audit_id = 11`, `DELETE FROM audit WHERE id = 11`, `PRAGMA foreign_keys = ON`}, 0, "newest"},
		{"hash rewritten", []string{`UPDATE audit_chain SET hash = zeroblob(32) WHERE seq = 4`}, 2, "changed"},
		{"prev hash rewritten", []string{`UPDATE audit_chain SET prev_hash = zeroblob(32) WHERE seq = 4`}, 2, "link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := openTest(t)
			seedHistory(t, s, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 10)                             // rows 1..10, row 1 is an error
			if _, err := s.BeginAudit(ctx, AuditEntry{Action: "filter.define", Target: "f"}); err != nil { // row 11, pending
				t.Fatal(err)
			}
			sqlShell(t, s, tt.tamper...)
			res, err := s.VerifyChain(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.OK {
				t.Fatalf("tampering not detected: %+v", res)
			}
			if tt.wantID >= 0 && res.FirstBrokenID != tt.wantID {
				t.Errorf("FirstBrokenID = %d, want %d (%s)", res.FirstBrokenID, tt.wantID, res.Reason)
			}
			if !strings.Contains(res.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to mention %q", res.Reason, tt.reason)
			}
		})
	}
}

// TestChainBackfilledOnUpgrade opens a database at schema version 1 with history in it: the
// step that adds the chain must chain those rows so that the first verification passes.
func TestChainBackfilledOnUpgrade(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	db, err := sql.Open("sqlite", dsn(path, readWrite))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(migrations[0].sql + `; PRAGMA user_version = 1;
		INSERT INTO audit (time_ns, actor, uri, action, target, result, after_xml) VALUES (1, 'a', 'u', 'filter.define', 'f', 'ok', '<f/>');
		INSERT INTO audit (time_ns, actor, uri, action, target, result) VALUES (2, 'a', 'u', 'filter.define', 'g', 'pending');`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := s.VerifyChain(ctx)
	if err != nil || !res.OK || res.Rows != 2 || res.Events != 3 {
		t.Fatalf("after upgrade: %+v, %v", res, err)
	}
	if err := s.FinishAudit(ctx, 2, ResultOK, "<g/>", "", 0); err != nil {
		t.Fatal(err)
	}
	if res, err := s.VerifyChain(ctx); err != nil || !res.OK {
		t.Fatalf("after finishing an upgraded row: %+v, %v", res, err)
	}
}
