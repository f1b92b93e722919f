package web

// Store faults end to end: with the database read-only, or its disk full, a mutation is refused
// with a clear 503 before anything is sent to the real libvirtd (Server.apply writes the audit
// row first), while reading pages and the API keeps working.

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
	"github.com/nwfilter-web/nwfilter-web/store"

	_ "modernc.org/sqlite"
)

// refusedBeforeLibvirt sends a define and an attach that the store cannot record, and checks
// the answers say why and libvirt has neither.
func refusedBeforeLibvirt(t *testing.T, s *Server, conn *libvirtx.Conn, token, want string) {
	t.Helper()
	ctx := context.Background()
	filter := libvirtxtest.UniqueName("test-storefault")
	cleanupFilter(t, conn, filter)
	xml := "<filter name='" + filter + "' chain='root'><rule action='drop' direction='out'><tcp dstportstart='22'/></rule></filter>"
	rec := do(t, s, "PUT", "/api/v1/filters/"+filter, xml, "Authorization", "Bearer "+token)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), want) ||
		!strings.Contains(rec.Body.String(), "nothing was sent to libvirt") {
		t.Errorf("define with the store %s: %d %s", want, rec.Code, rec.Body)
	}
	if _, err := conn.FilterXML(ctx, filter); !errors.Is(err, libvirtx.ErrNoFilter) {
		t.Errorf("the filter reached libvirt anyway: %v", err)
	}
	// Reading still works.
	if rec := do(t, s, "GET", "/api/v1/filters", "", "Authorization", "Bearer "+token); rec.Code != http.StatusOK {
		t.Errorf("reading with the store %s: %d %s", want, rec.Code, rec.Body)
	}
}

// truncateWAL checkpoints the database's whole WAL into the database file and truncates the
// WAL to nothing, retrying while the store's own checkpointer or a reader holds it.
func truncateWAL(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for range 100 {
		var busy, log, done int
		if err := db.QueryRow("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &log, &done); err != nil {
			t.Fatalf("checkpointing the WAL: %v", err)
		}
		if fi, err := os.Stat(path + "-wal"); busy == 0 && err == nil && fi.Size() == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the WAL could not be truncated")
}

func TestReadOnlyStoreRefusesMutations(t *testing.T) {
	conn := libvirtxtest.Require(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root for chattr +i (root ignores file modes)")
	}
	path := filepath.Join(t.TempDir(), "nwfilter-web.db")
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	token := testToken(t, New(Deps{Libvirt: conn, Store: st}), store.RoleAdmin)
	st.Close()
	t.Cleanup(func() { exec.Command("chattr", "-i", path).Run() }) // before the lock it undoes
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		t.Fatalf("chattr +i: %v %s", err, out)
	}
	ro, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("opening the read-only database: %v", err)
	}
	t.Cleanup(func() { ro.Close() })
	refusedBeforeLibvirt(t, New(Deps{Libvirt: conn, Store: ro}), conn, token, "read-only")
}

func TestFullDiskRefusesMutations(t *testing.T) {
	conn := libvirtxtest.Require(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmounting the test tmpfs: %v", err)
		}
	})
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=2m,mode=0700"); err != nil {
		t.Fatalf("mounting a 2 MiB tmpfs: %v", err)
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "nwfilter-web.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() }) // runs before the unmount
	s := New(Deps{Libvirt: conn, Store: st})
	token := testToken(t, s, store.RoleAdmin)

	// A full disk refuses a commit only when the commit needs a new page: SQLite reuses the
	// WAL from its start once it has been checkpointed, so with WAL room left over from the
	// token's commit the audit row is (rightly) recorded. Empty the WAL first, so that the
	// define's audit row needs room the disk no longer has.
	truncateWAL(t, filepath.Join(dir, "nwfilter-web.db"))
	// Fill the disk to the last byte.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			break
		}
	}
	for _, n := range []int{512, 64, 1} {
		for {
			if _, err := f.Write(chunk[:n]); err != nil {
				break
			}
		}
	}
	f.Close()
	refusedBeforeLibvirt(t, s, conn, token, "disk full")

	// With room again, the same change goes through.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	filter := libvirtxtest.UniqueName("test-storefault")
	cleanupFilter(t, conn, filter)
	xml := "<filter name='" + filter + "' chain='root'/>"
	if rec := do(t, s, "PUT", "/api/v1/filters/"+filter, xml, "Authorization", "Bearer "+token); rec.Code != http.StatusCreated {
		t.Errorf("define after freeing the disk: %d %s", rec.Code, rec.Body)
	}
}
