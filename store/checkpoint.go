package store

import (
	"context"
	"database/sql"
	"sync/atomic"
	"time"
)

// checkpointStats is what the checkpointer last did, for tests.
type checkpointStats struct {
	checkpointed atomic.Int64 // WAL frames in the database file after the last checkpoint
}

// The checkpointer copies committed WAL frames back into the database file beside the writer,
// on a connection of its own. SQLite's automatic checkpoint runs inside the commit that crosses
// the threshold: every few hundred audit rows one commit, and every caller waiting on it, paid
// for writing a thousand pages into the database file and syncing it. A PASSIVE checkpoint
// runs concurrently with the writer and readers and never waits for them; frames it cannot copy
// yet (a reader still needs them) are copied next time. Once a checkpoint has copied the whole
// WAL, the writer's next transaction starts it again from the beginning, so it stays small.

// checkpointEvery bounds how often the checkpointer runs while writes keep coming.
const checkpointEvery = 250 * time.Millisecond

// startCheckpointer opens the checkpointer's connection and starts its goroutine.
func (s *Store) startCheckpointer(ctx context.Context) error {
	db, err := sql.Open("sqlite", dsn(s.path, readWrite))
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return err
	}
	s.ckpt, s.wrote, s.ckptStop, s.ckptDone = db, make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	go s.checkpointLoop()
	return nil
}

// wakeCheckpointer says a commit happened; it never blocks the writer.
func (s *Store) wakeCheckpointer() {
	select {
	case s.wrote <- struct{}{}:
	default:
	}
}

func (s *Store) checkpointLoop() {
	defer close(s.ckptDone)
	for {
		select {
		case <-s.ckptStop:
			return
		case <-s.wrote:
		}
		t0 := time.Now()
		// Errors (a busy lock held by another process) are retried with the next commit; the
		// final checkpoint at Close does the rest.
		var busy, frames, copied int
		if err := s.ckpt.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err == nil {
			s.checkpointed.Store(int64(copied))
		}
		select {
		case <-s.ckptStop:
			return
		case <-time.After(checkpointEvery - time.Since(t0)):
		}
	}
}

// stopCheckpointer ends the goroutine and closes its connection (after the writer stopped).
func (s *Store) stopCheckpointer() {
	if s.ckpt == nil {
		return
	}
	close(s.ckptStop)
	<-s.ckptDone
	s.ckpt.Close()
	s.ckpt = nil
}
