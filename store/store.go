// Package store keeps nwfilter-web's own records in SQLite (modernc.org/sqlite, pure Go): the
// audit history now; users, sessions and settings later. It knows no HTTP and no RPC.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrReadOnly is returned by every write when the database cannot be written: the file, its
// directory or the file system is read-only. Reads keep working.
var ErrReadOnly = errors.New("store: database is read-only")

// ErrDiskFull is returned by writes (and by Writable) when the disk holding the database is full.
var ErrDiskFull = errors.New("store: disk full")

// Store is the SQLite database. One connection writes; readers share a pool.
type Store struct {
	path string
	// w is the only connection that writes: SQLite allows one writer at a time anyway, and
	// funnelling writes through one connection turns lock contention (SQLITE_BUSY) into
	// ordinary queueing in database/sql.
	w *sql.DB
	// r is the reader pool; WAL lets readers run alongside the writer.
	r *sql.DB
	// roErr, when set, is why the database was opened read-only; every write returns it.
	roErr error

	// The writer goroutine (writer.go) owns w; jobs feeds it. mu guards closed and the
	// closing of jobs against writes still being queued.
	mu         sync.RWMutex
	closed     bool
	jobs       chan *writeJob
	writerDone chan struct{}
	// stmts are the writer's prepared statements by SQL text; only the writer goroutine uses them.
	stmts map[string]*sql.Stmt
	// ckpt is the checkpointer's connection; wrote wakes it after commits (checkpoint.go).
	ckpt     *sql.DB
	wrote    chan struct{}
	ckptStop chan struct{}
	ckptDone chan struct{}
	checkpointStats
}

// busyTimeoutMS bounds how long a statement waits for another process's lock (the CLI, a
// second server) before failing with SQLITE_BUSY.
const busyTimeoutMS = 5000

// openMode says how a connection opens the file.
type openMode int

const (
	readWrite openMode = iota // the writer
	reader                    // the reader pool next to a writer
	readOnly                  // the reader pool when the file cannot be written
	immutable                 // the reader pool when not even the directory can be written
)

// dsn builds the connection string. busy_timeout comes first so that the pragmas after it (WAL
// switches the file's journal) wait for a lock instead of failing.
//
// synchronous=FULL: in WAL mode NORMAL skips the fsync at commit, so a power cut or kernel crash
// can undo transactions that were already acknowledged. An acknowledged audit row is a promise
// ("this change was recorded before it was sent to libvirt"), so every commit is made durable.
// The cost is one fsync per commit (see BenchmarkAppend).
//
// wal_autocheckpoint(0): the writer never copies the WAL back into the database itself; the
// checkpointer does it beside it (checkpoint.go). Checkpoints inside the writer's commits were
// what held appending under 2,000 rows/s at a million rows.
func dsn(path string, mode openMode) string {
	v := url.Values{}
	v.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	v.Add("_pragma", "foreign_keys(1)")
	switch mode {
	case reader:
		// WAL is a property of the file, set by the writer; readers only need to not write.
		v.Add("_pragma", "query_only(1)")
	case readOnly:
		v.Add("_pragma", "query_only(1)")
		v.Set("mode", "ro")
	case immutable:
		// A WAL database in a directory we cannot write to cannot be opened even read-only:
		// SQLite needs to create the -shm file. Nobody else can write it either (a writer needs
		// the directory for its WAL or journal), so declaring it immutable is sound.
		v.Add("_pragma", "query_only(1)")
		v.Set("mode", "ro")
		v.Set("immutable", "1")
	default:
		v.Add("_pragma", "journal_mode(WAL)")
		v.Add("_pragma", "synchronous(FULL)")
		v.Add("_pragma", "wal_autocheckpoint(0)")
		// Write transactions take the write lock at BEGIN, so a transaction that reads and
		// then writes (the chain head, the previous row's time) never fails half-way with
		// SQLITE_BUSY when another process wrote in between.
		v.Set("_txlock", "immediate")
	}
	// url.PathEscape keeps '?' and '#' in file names from being read as URI syntax.
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + v.Encode()
}

// Open opens (creating when missing) the database at path, applies pending migrations and
// switches it to WAL. Missing parent directories are created (0700: the history holds who did
// what to the host's firewall). When the file or its directory cannot be written, but the schema
// is current, the database opens read-only: reads work and every write returns ErrReadOnly.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: no database path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	s := &Store{path: abs}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		if _, statErr := os.Stat(abs); statErr != nil {
			return nil, fmt.Errorf("store: creating the database directory: %w", err)
		}
	}
	werr := s.openWriter(ctx)
	if werr != nil {
		if !errors.Is(werr, ErrReadOnly) {
			return nil, werr
		}
		s.roErr = werr
	}
	if err := s.openReaders(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if s.roErr != nil {
		// The writer could not migrate; only a database that needs no migration is usable.
		v, err := schemaVersion(ctx, s.r)
		if err != nil {
			s.Close()
			return nil, s.wrap("reading the schema version", err)
		}
		if v != len(migrations) {
			s.Close()
			return nil, fmt.Errorf("%w: %s is at schema version %d, this program needs %d and cannot migrate it: %v",
				ErrReadOnly, abs, v, len(migrations), s.roErr)
		}
	}
	return s, nil
}

// openReaders opens the reader pool: beside the writer normally; read-only when the writer could
// not be opened, and immutable when even that fails because the directory is read-only.
func (s *Store) openReaders(ctx context.Context) error {
	modes := []openMode{reader}
	if s.roErr != nil {
		modes = []openMode{readOnly, immutable}
	}
	var err error
	for _, m := range modes {
		var r *sql.DB
		r, err = sql.Open("sqlite", dsn(s.path, m))
		if err != nil {
			continue
		}
		if err = r.PingContext(ctx); err != nil {
			r.Close()
			continue
		}
		r.SetMaxOpenConns(max(4, runtime.NumCPU()))
		r.SetMaxIdleConns(max(4, runtime.NumCPU()))
		s.r = r
		return nil
	}
	return s.wrap("opening for reading", err)
}

// openWriter opens the single write connection and migrates the schema.
func (s *Store) openWriter(ctx context.Context) error {
	w, err := sql.Open("sqlite", dsn(s.path, readWrite))
	if err != nil {
		return fmt.Errorf("store: opening %s: %w", s.path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return s.wrap("opening", err)
	}
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return s.wrap("migrating", err)
	}
	s.w = w
	if err := s.prepareHot(ctx); err != nil {
		for _, st := range s.stmts {
			st.Close()
		}
		w.Close()
		s.w = nil
		return s.wrap("preparing statements", err)
	}
	if err := s.startCheckpointer(ctx); err != nil {
		for _, st := range s.stmts {
			st.Close()
		}
		w.Close()
		s.w = nil
		return s.wrap("opening the checkpointer", err)
	}
	s.startWriter()
	return nil
}

// Close closes the database. It first asks SQLite to refresh the query planner's statistics
// where they are stale, so the indexes keep being chosen well as the history grows.
func (s *Store) Close() error {
	var errs []error
	s.stopWriter()
	s.stopCheckpointer()
	if s.w != nil {
		_, _ = s.w.Exec("PRAGMA optimize")
		errs = append(errs, s.w.Close())
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	return errors.Join(errs...)
}

// Path is the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// wrap prefixes err with the operation and maps SQLite's read-only and disk-full conditions to
// ErrReadOnly and ErrDiskFull, so callers can tell the user what to fix.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if !errors.As(err, &se) && strings.HasPrefix(err.Error(), "store: ") {
		return err // already ours, and already says what failed
	}
	c := classify(err)
	switch {
	case errors.Is(c, ErrReadOnly):
		return fmt.Errorf("%w: %s (%s): %w", ErrReadOnly, op, s.path, err)
	case errors.Is(c, ErrDiskFull):
		return fmt.Errorf("%w: %s (%s): %w", ErrDiskFull, op, s.path, err)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// classify maps an SQLite error code to ErrReadOnly or ErrDiskFull when it is one of those.
func classify(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_AUTH:
			return fmt.Errorf("%w: %w", ErrReadOnly, err)
		case sqlite3.SQLITE_FULL:
			return fmt.Errorf("%w: %w", ErrDiskFull, err)
		case sqlite3.SQLITE_IOERR:
			if strings.Contains(strings.ToLower(se.Error()), "no space") {
				return fmt.Errorf("%w: %w", ErrDiskFull, err)
			}
		}
	}
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("%w: %w", ErrReadOnly, err)
	}
	return err
}
