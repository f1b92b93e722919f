package store

import (
	"context"
	"testing"
	"time"
)

// TestCheckpointerCopiesTheWAL: writes reach the database file without a Close and without the
// writer checkpointing (wal_autocheckpoint is off for it).
func TestCheckpointerCopiesTheWAL(t *testing.T) {
	s := openTest(t)
	var auto int
	if err := s.w.QueryRow("PRAGMA wal_autocheckpoint").Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("the writer checkpoints itself: %d %v", auto, err)
	}
	seedHistory(t, s, time.Now(), 50)
	deadline := time.Now().Add(5 * time.Second)
	for s.checkpointed.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("nothing was checkpointed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if res, err := s.VerifyChain(context.Background()); err != nil || !res.OK {
		t.Fatalf("%+v %v", res, err)
	}
}
