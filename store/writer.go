package store

import (
	"context"
	"database/sql"
	"errors"
)

// errClosed is returned by writes after Close.
var errClosed = errors.New("store: closed")

// maxBatch bounds how many queued writes share one transaction (and so one fsync).
const maxBatch = 256

// sqlTx is what a write runs its statements on: a transaction of the writer goroutine (wtx),
// or a plain *sql.Tx.
type sqlTx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// wtx is a transaction of the writer goroutine whose statements are prepared once on the write
// connection and reused: parsing SQL was 40% of the writer's time per audit row, and the
// writer, one goroutine, is what bounds how many rows a second can be appended.
type wtx struct {
	tx *sql.Tx
	s  *Store
}

// hotQueries are the statements of every audit row's writes, prepared when the writer starts.
// (Preparing inside a transaction would need a second connection, and the writer has one.)
var hotQueries = []string{sqlBeginAudit, sqlLastAuditTime, sqlFinishAudit, sqlAuditTarget, sqlChainHead,
	sqlAnchorHash, sqlAppendEvent, sqlSetLastKnown}

// prepareHot prepares hotQueries on the write connection.
func (s *Store) prepareHot(ctx context.Context) error {
	s.stmts = map[string]*sql.Stmt{}
	for _, q := range hotQueries {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		s.stmts[q] = st
	}
	return nil
}

// stmt is the transaction's use of the writer's prepared statement for query; nil when query
// is not one of them. The statement lives on the connection, so the transaction reuses it.
func (t wtx) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := t.s.stmts[query]; ok {
		return t.tx.StmtContext(ctx, st)
	}
	return nil
}

func (t wtx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t wtx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t wtx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

// PrepareContext is the writer's statement when it has one; closing it leaves that one open.
func (t wtx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st, nil
	}
	return t.tx.PrepareContext(ctx, query)
}

// writeJob is one write waiting for the writer goroutine.
type writeJob struct {
	ctx  context.Context
	op   string
	fn   func(ctx context.Context, tx sqlTx) error
	done chan error
}

// write runs fn in a write transaction and returns once that transaction is durable.
//
// Group commit: every commit costs an fsync (synchronous=FULL), which bounds one caller to a few
// hundred commits a second on ordinary disks. Writes that queue up while a commit is in progress
// are therefore run together in the next transaction and share its fsync; each caller still
// hears back only after the commit that holds its write. If any write of a batch fails, the
// whole transaction is rolled back and every write of the batch is run again alone, so one
// caller's error (or SQLite rolling back on a full disk) never touches another's result.
//
// fn gets a context without cancellation: SQLite answers an interrupted INSERT or UPDATE inside
// a transaction by rolling back the whole transaction, which would undo other callers' writes.
// ctx is only checked before fn starts.
func (s *Store) write(ctx context.Context, op string, fn func(ctx context.Context, tx sqlTx) error) error {
	if s.roErr != nil {
		return s.roErr
	}
	j := &writeJob{ctx: ctx, op: op, fn: fn, done: make(chan error, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return errClosed
	}
	select {
	case s.jobs <- j:
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	s.mu.RUnlock()
	return <-j.done
}

// startWriter starts the goroutine that owns the write connection.
func (s *Store) startWriter() {
	s.jobs = make(chan *writeJob)
	s.writerDone = make(chan struct{})
	go s.writeLoop()
}

// stopWriter lets queued writes finish and stops the writer goroutine.
func (s *Store) stopWriter() {
	if s.jobs == nil {
		return
	}
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.jobs)
	}
	s.mu.Unlock()
	<-s.writerDone
	for _, st := range s.stmts {
		st.Close()
	}
}

func (s *Store) writeLoop() {
	defer close(s.writerDone)
	for j := range s.jobs {
		batch := []*writeJob{j}
	drain:
		for len(batch) < maxBatch {
			select {
			case j, ok := <-s.jobs:
				if !ok {
					break drain
				}
				batch = append(batch, j)
			default:
				break drain
			}
		}
		s.runBatch(batch)
	}
}

// runBatch commits batch in one transaction, or, when any of it fails, each job alone.
func (s *Store) runBatch(batch []*writeJob) {
	live := batch[:0:0]
	for _, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.done <- err
			continue
		}
		live = append(live, j)
	}
	if len(live) == 0 {
		return
	}
	if len(live) > 1 {
		if s.runTx(live) == nil {
			for _, j := range live {
				j.done <- nil
			}
			return
		}
	}
	for _, j := range live {
		j.done <- s.runTx([]*writeJob{j})
	}
}

// runTx runs jobs in one transaction and commits it. The error is the first job's failure or
// the commit's, wrapped for the caller.
func (s *Store) runTx(jobs []*writeJob) error {
	ctx := context.Background()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(jobs[0].op, err)
	}
	for _, j := range jobs {
		if err := j.fn(ctx, wtx{tx: tx, s: s}); err != nil {
			tx.Rollback()
			return s.wrap(j.op, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.wrap(jobs[0].op, err)
	}
	s.wakeCheckpointer()
	return nil
}
