package web

// libvirtd faults with the real daemon: killed mid-session and started again, and stopped
// (SIGSTOP) so that it accepts connections but answers nothing. These tests are the only ones
// allowed to do that to the shared daemon: the outage lasts seconds, and the daemon is always
// started (or continued) again in t.Cleanup, even when the test fails, and waited for.

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
	"github.com/nwfilter-web/nwfilter-web/store"
)

// faultCallTimeout is the libvirt call timeout of these tests' server: a wedged daemon must
// turn into "unreachable" within it.
const faultCallTimeout = 2 * time.Second

// faultServer is a server over its own connection to the real libvirtd, with short timeouts
// and a quick redial, and an admin session.
func faultServer(t *testing.T) (*Server, *libvirtx.Conn, *store.Store, *testSession) {
	t.Helper()
	libvirtxtest.Require(t)
	if os.Geteuid() != 0 {
		t.Skip("stopping and starting libvirtd needs root")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := libvirtx.Dial(ctx, libvirtxtest.URI(), libvirtx.WithCallTimeout(faultCallTimeout),
		libvirtx.WithDialTimeout(time.Second), libvirtx.WithBackoff(100*time.Millisecond, 500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	st := openTestStore(t)
	s := New(Deps{Libvirt: conn, Store: st, CallTimeout: 3 * faultCallTimeout})
	return s, conn, st, login(t, s, store.RoleAdmin)
}

// daemonPID is the running libvirtd's process ID, checked to be libvirtd.
func daemonPID(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/run/libvirtd.pid")
	if err != nil {
		t.Fatalf("libvirtd's pid file: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("libvirtd's pid file: %q", b)
	}
	if comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm"); err != nil || strings.TrimSpace(string(comm)) != "libvirtd" {
		t.Fatalf("process %d is not libvirtd (%q, %v)", pid, comm, err)
	}
	return pid
}

// ensureDaemon starts libvirtd when it is not running and waits until it answers.
func ensureDaemon(t *testing.T) {
	if _, err := os.Stat("/run/libvirtd.pid"); err == nil {
		if b, _ := os.ReadFile("/run/libvirtd.pid"); len(b) > 0 {
			if pid, _ := strconv.Atoi(strings.TrimSpace(string(b))); pid > 0 && processAlive(pid) {
				_ = syscall.Kill(pid, syscall.SIGCONT)
			}
		}
	}
	if !daemonRunning() {
		if out, err := exec.Command("libvirtd", "-d").CombinedOutput(); err != nil {
			t.Errorf("starting libvirtd: %v %s", err, out)
		}
	}
	waitAnswering(t, 60*time.Second)
}

func daemonRunning() bool {
	b, err := os.ReadFile("/run/libvirtd.pid")
	if err != nil {
		return false
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid > 0 && processAlive(pid)
}

// processAlive is true while the process exists and is not a zombie.
func processAlive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// waitAnswering waits until a fresh connection to libvirtd gets an answer.
func waitAnswering(t *testing.T, within time.Duration) {
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		c, err := libvirtx.Dial(ctx, libvirtxtest.URI())
		if err == nil {
			_, err = c.Version(ctx)
			c.Close()
		}
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("libvirtd does not answer %s after restarting it: %v", within, err)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// timed runs a request and fails the test when it takes longer than bound.
func timed(t *testing.T, what string, bound time.Duration, fn func() *httpResult) *httpResult {
	t.Helper()
	start := time.Now()
	r := fn()
	if d := time.Since(start); d > bound {
		t.Errorf("%s took %s, more than %s", what, d.Round(time.Millisecond), bound)
	}
	return r
}

// waitRecovered waits until the server's own connection works again, without help.
func waitRecovered(t *testing.T, s *Server, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		rec := do(t, s, "GET", "/api/v1/filters", "")
		if rec.Code == http.StatusOK {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("the server did not reconnect within %s: %d %s", within, rec.Code, rec.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestLibvirtdKilledAndRestarted(t *testing.T) {
	s, conn, st, sess := faultServer(t)
	filter := libvirtxtest.UniqueName("test-fault")
	cleanupFilter(t, conn, filter)
	xml := "<filter name='" + filter + "' chain='root'><rule action='drop' direction='out'><tcp dstportstart='22'/></rule></filter>"
	if rec := sess.do(t, s, "GET", "/filters", ""); rec.Code != 200 {
		t.Fatalf("before: %d", rec.Code)
	}

	pid := daemonPID(t)
	t.Cleanup(func() { ensureDaemon(t) }) // before the kill it undoes
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for i := 0; processAlive(pid) && i < 100; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	killed := time.Now()

	bound := 3*faultCallTimeout + time.Second
	page := timed(t, "a page while libvirtd is down", bound, func() *httpResult {
		rec := sess.do(t, s, "GET", "/filters", "")
		return &httpResult{rec.Code, rec.Body.String()}
	})
	if page.code != http.StatusServiceUnavailable || !strings.Contains(page.body, "unreachable") ||
		strings.Contains(page.body, "goroutine") || strings.Contains(page.body, ".go:") {
		t.Errorf("page while down: %d %.400s", page.code, page.body)
	}
	api := timed(t, "the API while libvirtd is down", bound, func() *httpResult {
		rec := do(t, s, "GET", "/api/v1/domains", "")
		return &httpResult{rec.Code, rec.Body.String()}
	})
	var e apiError
	if api.code != http.StatusServiceUnavailable || json.Unmarshal([]byte(api.body), &e) != nil || !strings.Contains(e.Error, "unreachable") {
		t.Errorf("API while down: %d %s", api.code, api.body)
	}
	put := timed(t, "a mutation while libvirtd is down", bound, func() *httpResult {
		rec := do(t, s, "PUT", "/api/v1/filters/"+filter, xml)
		return &httpResult{rec.Code, rec.Body.String()}
	})
	if put.code != http.StatusServiceUnavailable {
		t.Errorf("PUT while down: %d %s", put.code, put.body)
	}
	rows := auditRows(t, st)
	if len(rows) != 1 || rows[0].Action != actFilterDefine || rows[0].Result != store.ResultError ||
		!strings.Contains(rows[0].Error, "cannot connect to the libvirt daemon") || rows[0].Actor != store.RoleAdmin {
		t.Errorf("the failed mutation's record: %+v", rows)
	}

	if out, err := exec.Command("libvirtd", "-d").CombinedOutput(); err != nil {
		t.Fatalf("starting libvirtd again: %v %s", err, out)
	}
	took := waitRecovered(t, s, 60*time.Second)
	t.Logf("libvirtd was down %s; the server reconnected %s after the restart", time.Since(killed).Round(time.Millisecond), took.Round(time.Millisecond))
	if rec := do(t, s, "PUT", "/api/v1/filters/"+filter, xml); rec.Code != http.StatusCreated {
		t.Errorf("PUT after the restart: %d %s", rec.Code, rec.Body)
	}
	if rec := sess.do(t, s, "GET", "/filters", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), filter) {
		t.Errorf("page after the restart: %d", rec.Code)
	}
}

func TestLibvirtdNotAnswering(t *testing.T) {
	s, _, _, sess := faultServer(t)
	if rec := do(t, s, "GET", "/api/v1/filters", ""); rec.Code != 200 {
		t.Fatalf("before: %d", rec.Code)
	}
	pid := daemonPID(t)
	t.Cleanup(func() { ensureDaemon(t) })
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) }) // runs first
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// One call waits out the call timeout, then the connection is dropped and later calls fail
	// at once while the redial's handshake times out.
	bound := faultCallTimeout + 2*time.Second
	api := timed(t, "the API while libvirtd does not answer", bound, func() *httpResult {
		rec := do(t, s, "GET", "/api/v1/filters", "")
		return &httpResult{rec.Code, rec.Body.String()}
	})
	if api.code != http.StatusServiceUnavailable || !strings.Contains(api.body, "unreachable") {
		t.Errorf("API while stopped: %d %s", api.code, api.body)
	}
	page := timed(t, "a page while libvirtd does not answer", 3*faultCallTimeout+time.Second, func() *httpResult {
		rec := sess.do(t, s, "GET", "/domains", "")
		return &httpResult{rec.Code, rec.Body.String()}
	})
	if page.code != http.StatusServiceUnavailable || !strings.Contains(page.body, "unreachable") {
		t.Errorf("page while stopped: %d %.400s", page.code, page.body)
	}
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	took := waitRecovered(t, s, 30*time.Second)
	t.Logf("the server reconnected %s after the daemon continued", took.Round(time.Millisecond))
}
