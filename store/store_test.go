package store

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// openTest opens a fresh database in a temporary directory and closes it when the test ends.
func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "nwfilter-web.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenCreatesDirectoriesAndFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "nwfilter-web.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fi, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("directory mode = %o, want 700", perm)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file: %v", err)
	}
	var mode string
	if err := s.w.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var sync int
	if err := s.w.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Errorf("synchronous = %d, %v; want 2 (FULL)", sync, err)
	}
	var fk int
	if err := s.w.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
	}
}

func TestOpenPathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd?name#1 %20.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at the literal path: %v", err)
	}
}

func TestMigrationsIdempotentOnReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	for i := range 3 {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		v, err := schemaVersion(ctx, s.r)
		if err != nil || v != len(migrations) {
			t.Fatalf("open %d: version %d, %v; want %d", i, v, err, len(migrations))
		}
		if _, err := s.BeginAudit(ctx, AuditEntry{Action: "filter.define", Target: "f"}); err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		s.Close()
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.AuditEntries(ctx, AuditQuery{})
	if err != nil || len(got) != 3 {
		t.Fatalf("after 3 reopens: %d rows, %v; want 3", len(got), err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, path); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer schema = %v, want an error saying it is newer", err)
	}
}

// makeReadOnly makes path unwritable for this process: chmod for an ordinary user, the
// immutable attribute for root (whom permissions do not stop). It skips the test when neither
// is possible.
func makeReadOnly(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(path, 0o700) })
		return
	}
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		t.Skipf("running as root and chattr +i is not available: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", path).Run() })
}

func TestReadOnlyDatabaseRefusesWrites(t *testing.T) {
	tests := []struct {
		name string
		// lock makes the file or directory read-only; it gets the db path.
		lock func(t *testing.T, path string)
	}{
		{"file", func(t *testing.T, path string) { makeReadOnly(t, path, 0o400) }},
		{"directory", func(t *testing.T, path string) { makeReadOnly(t, filepath.Dir(path), 0o500) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "d", "db")
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			id, err := s.BeginAudit(ctx, AuditEntry{Action: "filter.define", Target: "before-lock"})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			tt.lock(t, path)

			s, err = Open(ctx, path)
			if err != nil {
				t.Fatalf("Open of a read-only database: %v (reads should still work)", err)
			}
			defer s.Close()
			if _, err := s.AuditEntry(ctx, id); err != nil {
				t.Errorf("reading a read-only database: %v", err)
			}
			_, err = s.BeginAudit(ctx, AuditEntry{Action: "filter.define", Target: "after-lock"})
			if !errors.Is(err, ErrReadOnly) {
				t.Fatalf("BeginAudit on a read-only database = %v, want ErrReadOnly", err)
			}
			if !strings.Contains(err.Error(), "read-only") || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q should say read-only and name the file", err)
			}
			if testing.Verbose() {
				t.Log(err)
			}
			if err := s.FinishAudit(ctx, id, ResultOK, "", "", time.Second); !errors.Is(err, ErrReadOnly) {
				t.Errorf("FinishAudit on a read-only database = %v, want ErrReadOnly", err)
			}
		})
	}
}
