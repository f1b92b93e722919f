package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// envCrashChild makes the test binary a writer that TestCrashLosesNothingAcknowledged kills.
const envCrashChild = "NWFILTER_WEB_CRASH_CHILD_DB"

// TestCrashLosesNothingAcknowledged kills (SIGKILL) a process in the middle of writing audit rows
// from several goroutines, then reopens the database: every row the process had been told was
// written is there. This is a process crash: the kernel still writes what the process handed
// it; synchronous=FULL is what also covers a power cut, at one fsync per commit.
func TestCrashLosesNothingAcknowledged(t *testing.T) {
	if os.Getenv(envCrashChild) != "" {
		t.Skip("inside the child")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envCrashChild+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var acked []int64
	sc := bufio.NewScanner(out)
	deadline := time.Now().Add(30 * time.Second)
	for sc.Scan() && len(acked) < 300 && time.Now().Before(deadline) {
		if id, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
			n, _ := strconv.ParseInt(id, 10, 64)
			acked = append(acked, n)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if len(acked) < 50 {
		t.Fatalf("the child acknowledged only %d writes", len(acked))
	}
	s, err = Open(context.Background(), path)
	if err != nil {
		t.Fatalf("reopening after the crash: %v", err)
	}
	defer s.Close()
	for _, id := range acked {
		if _, err := s.AuditEntry(context.Background(), id); err != nil {
			t.Errorf("acknowledged row %d lost: %v", id, err)
		}
	}
	if res, err := s.VerifyChain(context.Background()); err != nil || !res.OK {
		t.Errorf("the hash chain after the crash: %+v %v", res, err)
	}
	t.Logf("%d acknowledged rows survived the kill", len(acked))
}

// TestCrashChild is the writer of TestCrashLosesNothingAcknowledged; it runs until killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(envCrashChild)
	if path == "" {
		t.Skip("helper process of TestCrashLosesNothingAcknowledged")
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id, err := s.BeginAudit(context.Background(), AuditEntry{Actor: "crash", Action: "filter.define", Target: fmt.Sprintf("f%d-%d", g, i)})
				if err != nil {
					return
				}
				if i%2 == 0 {
					_ = s.FinishAudit(context.Background(), id, ResultOK, "<filter/>", "", time.Millisecond)
				}
				mu.Lock()
				fmt.Printf("ack %d\n", id)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}
