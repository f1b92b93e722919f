package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
	"github.com/nwfilter-web/nwfilter-web/store"
)

// sqlite3Shell is Debian's sqlite3 (scripts/install-test-deps.sh installs it): the tamper test
// edits the database the way someone with shell access would.
func sqlite3Shell(t *testing.T, db, sql string) {
	t.Helper()
	path, err := exec.LookPath("sqlite3")
	if err != nil {
		if libvirtxtest.Required() {
			t.Fatal("the sqlite3 shell is required (scripts/install-test-deps.sh installs it)")
		}
		t.Skip("no sqlite3 shell")
	}
	if out, err := exec.Command(path, db, sql).CombinedOutput(); err != nil {
		t.Fatalf("sqlite3 %s %q: %v: %s", db, sql, err, out)
	}
}

// historyDB writes n audited changes into a new database, as serve would, and closes it.
func historyDB(t *testing.T, start time.Time, n int) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nwfilter-web.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range n {
		id, err := st.BeginAudit(ctx, store.AuditEntry{Time: start.Add(time.Duration(i) * time.Hour), Actor: "alice",
			URI: "qemu:///system", Action: "filter.define", Target: "web", Before: "<filter name='web'/>"})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.FinishAudit(ctx, id, store.ResultOK, "<filter name='web'><rule/></filter>", "", time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestAuditVerifyAndTamperWithSQLiteShell(t *testing.T) {
	db := historyDB(t, time.Now().Add(-time.Hour), 5)
	out, _, err := runCmd("audit", "verify", "--db", db)
	if err != nil || !strings.Contains(out, "verified: 5 entries, 10 events") || !strings.Contains(out, "Head: ") {
		t.Fatalf("intact history: %v\n%s", err, out)
	}

	sqlite3Shell(t, db, "UPDATE audit SET actor = 'mallory' WHERE id = 3")
	_, _, err = runCmd("audit", "verify", "--db", db)
	if err == nil {
		t.Fatal("verify passed after the sqlite3 shell edited entry 3")
	}
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "broken at entry 3") || !strings.Contains(err.Error(), "changed after it was recorded") {
		t.Errorf("exit %d: %v", exitCode(err), err)
	}
}

func TestAuditVerifyDeletedRow(t *testing.T) {
	db := historyDB(t, time.Now().Add(-time.Hour), 4)
	sqlite3Shell(t, db, "PRAGMA foreign_keys = OFF; DELETE FROM audit WHERE id = 2")
	_, _, err := runCmd("audit", "verify", "--db", db)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "entry 2") {
		t.Fatalf("a deleted entry: %v", err)
	}
}

func TestAuditArchiveThenVerify(t *testing.T) {
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	db := historyDB(t, start, 6) // one an hour
	archive := filepath.Join(t.TempDir(), "2024-03.db")
	out, _, err := runCmd("audit", "archive", "--db", db, "--before", "2024-03-01T03:00", "--to", archive)
	if err != nil || !strings.Contains(out, "Archived 3 entries (#1 to #3)") {
		t.Fatalf("archive: %v\n%s", err, out)
	}
	out, _, err = runCmd("audit", "verify", "--db", db)
	if err != nil || !strings.Contains(out, "verified: 3 entries") || !strings.Contains(out, "3 older entries were archived") ||
		!strings.Contains(out, "ends at the anchor") {
		t.Fatalf("verify after archiving: %v\n%s", err, out)
	}
	out, _, err = runCmd("audit", "verify", "--db", archive)
	if err != nil || !strings.Contains(out, "verified: 3 entries") {
		t.Fatalf("verify the archive alone: %v\n%s", err, out)
	}
	out, _, err = runCmd("audit", "archive", "--db", db, "--before", "2024-03-01", "--to", filepath.Join(t.TempDir(), "x.db"))
	if err != nil || !strings.Contains(out, "nothing archived") {
		t.Errorf("archiving nothing: %v\n%s", err, out)
	}
	// An edited archive fails the verification of the history it was cut from.
	sqlite3Shell(t, archive, "UPDATE audit SET after_xml = '<filter name=''web''/>' WHERE id = 2")
	if _, _, err := runCmd("audit", "verify", "--db", db); err == nil || !strings.Contains(err.Error(), "broken at entry 2") {
		t.Errorf("a tampered archive: %v", err)
	}
}

func TestAuditUsage(t *testing.T) {
	for _, args := range [][]string{{"audit"}, {"audit", "frobnicate"}, {"audit", "archive", "--to", "x.db"}, {"audit", "verify", "extra"}} {
		if _, _, err := runCmd(args...); exitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
	if _, _, err := runCmd("audit", "verify", "--db", filepath.Join(t.TempDir(), "missing.db")); err == nil || exitCode(err) != 1 {
		t.Errorf("a missing database: %v", err)
	}
	if out, _, err := runCmd("audit", "help"); err != nil || !strings.Contains(out, "verify") {
		t.Errorf("help: %v %q", err, out)
	}
}

func TestParseRetentionAndBefore(t *testing.T) {
	for in, want := range map[string]time.Duration{"365d": 365 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "36h": 36 * time.Hour, "0": 0, "": 0} {
		if got, err := parseRetention(in); err != nil || got != want {
			t.Errorf("%q: %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"x", "-3d", "d", "-1h"} {
		if _, err := parseRetention(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{"2025-01-31": time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC),
		"30d": now.Add(-30 * 24 * time.Hour), "2025-01-31T10:00:00+02:00": time.Date(2025, 1, 31, 8, 0, 0, 0, time.UTC)} {
		if got, err := parseBefore(in, now); err != nil || !got.Equal(want) {
			t.Errorf("%q: %v, %v", in, got, err)
		}
	}
}

func TestServeAuditFlags(t *testing.T) {
	var e bytes.Buffer
	cfg, err := parseServeFlags([]string{"--db", "/tmp/x/n.db", "--check-interval", "30s", "--retain", "365d"}, &e, &e)
	if err != nil || cfg.CheckInterval != 30*time.Second || cfg.Retain != 365*24*time.Hour || cfg.ArchiveDir != "/tmp/x" {
		t.Fatalf("%+v, %v", cfg, err)
	}
	if cfg, err := parseServeFlags(nil, &e, &e); err != nil || cfg.CheckInterval != time.Minute || cfg.Retain != 0 {
		t.Errorf("defaults: %+v, %v", cfg, err)
	}
	if _, err := parseServeFlags([]string{"--retain", "soon"}, &e, &e); err == nil {
		t.Error("a bad retention was accepted")
	}
	if got := monthStart(time.Date(2025, 6, 17, 5, 0, 0, 0, time.UTC)); !got.Equal(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("monthStart: %v", got)
	}
}
