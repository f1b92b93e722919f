package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAuditBeginFinish(t *testing.T) {
	tests := []struct {
		name    string
		result  string
		after   string
		errMsg  string
		wantErr bool
	}{
		{"ok", ResultOK, "<filter name='f'/>", "", false},
		{"libvirt error", ResultError, "", "XML error: bad", false},
		{"pending is not a result", ResultPending, "", "", true},
		{"unknown result", "maybe", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := openTest(t)
			start := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
			in := AuditEntry{Time: start, Actor: "alice", ClientAddr: "192.0.2.1", RequestID: "req-1",
				URI: "qemu:///system", Action: "filter.define", Target: "f", Before: "<filter name='f' old/>"}
			id, err := s.BeginAudit(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			err = s.FinishAudit(ctx, id, tt.result, tt.after, tt.errMsg, 1500*time.Millisecond)
			if (err != nil) != tt.wantErr {
				t.Fatalf("FinishAudit = %v, wantErr %v", err, tt.wantErr)
			}
			got, err := s.AuditEntry(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			want := in
			want.ID = id
			want.Result = ResultPending
			if !tt.wantErr {
				want.Result, want.After, want.Error, want.Duration = tt.result, tt.after, tt.errMsg, 1500*time.Millisecond
			}
			if got != want {
				t.Errorf("row = %+v\nwant  %+v", got, want)
			}
		})
	}
}

func TestFinishAuditTwiceOrUnknown(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	id, err := s.BeginAudit(ctx, AuditEntry{Action: "filter.define", Target: "f"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishAudit(ctx, id, ResultOK, "x", "", 0); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishAudit(ctx, id, ResultError, "", "late", 0); !errors.Is(err, ErrAuditFinished) {
		t.Errorf("second FinishAudit = %v, want ErrAuditFinished", err)
	}
	if err := s.FinishAudit(ctx, id+100, ResultOK, "", "", 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("FinishAudit of an unknown row = %v, want ErrNotFound", err)
	}
	if _, err := s.AuditEntry(ctx, id+100); !errors.Is(err, ErrNotFound) {
		t.Errorf("AuditEntry of an unknown row = %v, want ErrNotFound", err)
	}
	if _, err := s.BeginAudit(ctx, AuditEntry{Action: "filter.define"}); err == nil {
		t.Error("BeginAudit without a target succeeded")
	}
}

// TestAuditCrashLeavesPending simulates a crash between the write-ahead row and the libvirt
// call's end: the process goes away without FinishAudit, and the row must say so afterwards.
func TestAuditCrashLeavesPending(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.BeginAudit(ctx, AuditEntry{Actor: "bob", Action: "nic.filterref.set", Target: "vm1/52:54:00:00:00:01"})
	if err != nil {
		t.Fatal(err)
	}
	// No Close either: a crashed process does not checkpoint or clean up its WAL. Dropping the
	// handles without the optimize/close path is the closest we get in-process.
	s.w.Close()
	s.r.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.AuditEntry(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Result != ResultPending || got.Actor != "bob" {
		t.Errorf("after the crash: %+v, want the pending row by bob", got)
	}
	page, err := s.AuditEntries(ctx, AuditQuery{Result: ResultPending})
	if err != nil || len(page) != 1 || page[0].ID != id {
		t.Errorf("pending rows after the crash = %v, %v", page, err)
	}
}

// seedHistory writes n finished rows one minute apart, cycling through a few targets, actors,
// actions and results, and returns their IDs oldest first.
func seedHistory(t *testing.T, s *Store, start time.Time, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	for i := range n {
		id, err := s.BeginAudit(ctx, AuditEntry{
			Time:   start.Add(time.Duration(i) * time.Minute),
			Actor:  []string{"alice", "bob"}[i%2],
			Action: []string{"filter.define", "filter.undefine", "nic.filterref.set"}[i%3],
			Target: fmt.Sprintf("f%d", i%5),
		})
		if err != nil {
			t.Fatal(err)
		}
		result := ResultOK
		if i%7 == 0 {
			result = ResultError
		}
		if err := s.FinishAudit(ctx, id, result, "", "", time.Millisecond); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestAuditEntriesFiltersAndPages(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 100
	ids := seedHistory(t, s, start, n)
	// want computes the expected IDs, newest first, from the seeding pattern.
	want := func(keep func(i int) bool) []int64 {
		var out []int64
		for i := n - 1; i >= 0; i-- {
			if keep(i) {
				out = append(out, ids[i])
			}
		}
		return out
	}
	tests := []struct {
		name string
		q    AuditQuery
		want []int64
	}{
		{"all", AuditQuery{}, want(func(int) bool { return true })},
		{"target", AuditQuery{Target: "f3"}, want(func(i int) bool { return i%5 == 3 })},
		{"actor", AuditQuery{Actor: "bob"}, want(func(i int) bool { return i%2 == 1 })},
		{"action", AuditQuery{Action: "filter.undefine"}, want(func(i int) bool { return i%3 == 1 })},
		{"result", AuditQuery{Result: ResultError}, want(func(i int) bool { return i%7 == 0 })},
		{"target and actor", AuditQuery{Target: "f1", Actor: "alice"}, want(func(i int) bool { return i%5 == 1 && i%2 == 0 })},
		{"since", AuditQuery{Since: start.Add(90 * time.Minute)}, want(func(i int) bool { return i >= 90 })},
		{"until", AuditQuery{Until: start.Add(10 * time.Minute)}, want(func(i int) bool { return i < 10 })},
		{"range and result", AuditQuery{Since: start.Add(20 * time.Minute), Until: start.Add(50*time.Minute + time.Second), Result: ResultError},
			want(func(i int) bool { return i >= 20 && i <= 50 && i%7 == 0 })},
		{"since after the newest", AuditQuery{Since: start.Add(time.Hour * 24)}, nil},
		{"until before the oldest", AuditQuery{Until: start}, nil},
		{"no match", AuditQuery{Target: "nothing"}, nil},
	}
	for _, tt := range tests {
		for _, limit := range []int{1, 7, 50, 1000} {
			t.Run(fmt.Sprintf("%s/limit%d", tt.name, limit), func(t *testing.T) {
				q := tt.q
				q.Limit = limit
				var got []int64
				for pages := 0; ; pages++ {
					if pages > n+1 {
						t.Fatal("pagination does not end")
					}
					page, err := s.AuditEntries(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					for _, e := range page {
						got = append(got, e.ID)
					}
					if len(page) < limit {
						break
					}
					q.BeforeID = page[len(page)-1].ID
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("got %v\nwant %v", got, tt.want)
				}
			})
		}
	}
}

func TestAuditDefaultLimit(t *testing.T) {
	s := openTest(t)
	seedHistory(t, s, time.Now(), DefaultAuditLimit+5)
	page, err := s.AuditEntries(context.Background(), AuditQuery{})
	if err != nil || len(page) != DefaultAuditLimit {
		t.Errorf("default page: %d rows, %v; want %d", len(page), err, DefaultAuditLimit)
	}
}

// TestAuditTimeNeverDecreases checks the clamp that makes time ranges ID ranges: a clock that
// steps back (NTP) must not put a newer row before an older one.
func TestAuditTimeNeverDecreases(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	a, _ := s.BeginAudit(ctx, AuditEntry{Time: t0, Action: "filter.define", Target: "f"})
	b, err := s.BeginAudit(ctx, AuditEntry{Time: t0.Add(-time.Hour), Action: "filter.define", Target: "f"})
	if err != nil {
		t.Fatal(err)
	}
	ea, _ := s.AuditEntry(ctx, a)
	eb, _ := s.AuditEntry(ctx, b)
	if eb.Time.Before(ea.Time) {
		t.Errorf("row %d at %v is before row %d at %v", b, eb.Time, a, ea.Time)
	}
	c, _ := s.BeginAudit(ctx, AuditEntry{Action: "filter.define", Target: "f"})
	if ec, _ := s.AuditEntry(ctx, c); time.Since(ec.Time) > time.Minute {
		t.Errorf("zero Time was not stamped now: %v", ec.Time)
	}
}

// TestAuditQueryPlans guards the indexes: a filtered, keyset-paged query must walk an index in
// ID order rather than sort, or a million rows make the history page slow.
func TestAuditQueryPlans(t *testing.T) {
	s := openTest(t)
	tests := []struct{ where, index string }{
		{"", ""},
		{"WHERE id < 5", ""},
		{"WHERE target = ? AND id < 5", "audit_target"},
		{"WHERE action = ?", "audit_action"},
		{"WHERE actor = ? AND id < 5", "audit_actor"},
		{"WHERE result = ? AND id >= 3 AND id <= 9", "audit_result"},
		{"WHERE domain = ? AND id < 5", "audit_domain"},
	}
	for _, tt := range tests {
		args := []any{}
		if strings.Contains(tt.where, "?") {
			args = append(args, "x")
		}
		rows, err := s.r.Query("EXPLAIN QUERY PLAN SELECT "+auditColumns+" FROM audit "+tt.where+" ORDER BY id DESC LIMIT 50", args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			rows.Scan(&id, &parent, &notused, &detail)
			plan += detail + "; "
		}
		rows.Close()
		if strings.Contains(plan, "TEMP B-TREE") || !strings.Contains(plan, "INDEX "+tt.index) && tt.index != "" {
			t.Errorf("%q: plan %q sorts or does not use %s", tt.where, plan, tt.index)
		}
		if testing.Verbose() {
			t.Logf("%q: %s", tt.where, plan)
		}
	}
}

func TestTimeline(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	rows := []struct{ action, target string }{
		{"filter.define", "web"},                         // 1
		{"nic.filterref.set", "vm1/52:54:00:00:00:01"},   // 2
		{"nic.filterref.set", "vm2/52:54:00:00:00:02"},   // 3
		{"domain.start", "vm1"},                          // 4
		{"nic.filterref.clear", "vm1/52:54:00:00:00:03"}, // 5
		{"binding.create", "vnet7"},                      // 6
		{"filter.define", "vm1"},                         // 7: a filter that happens to share the VM's name
	}
	for _, r := range rows {
		if _, err := s.BeginAudit(ctx, AuditEntry{Action: r.action, Target: r.target}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		q    AuditQuery
		want []int64
	}{
		{"filter", AuditQuery{Target: "web"}, []int64{1}},
		{"one NIC", AuditQuery{Target: "vm1/52:54:00:00:00:01"}, []int64{2}},
		{"VM", AuditQuery{Domain: "vm1"}, []int64{5, 4, 2}},
		{"VM page", AuditQuery{Domain: "vm1", BeforeID: 5, Limit: 1}, []int64{4}},
		{"binding", AuditQuery{Target: "vnet7"}, []int64{6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.Timeline(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range page {
				got = append(got, e.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := s.Timeline(ctx, AuditQuery{}); err == nil {
		t.Error("a timeline of nothing succeeded")
	}
}

// TestAuditCursorAndRange: the cursor and the time range fold into one ID range, whichever is
// tighter, and a cursor below the range's start selects nothing.
func TestAuditCursorAndRange(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	seedHistory(t, s, start, 20) // row i+1 at minute i
	ids := func(q AuditQuery) []int64 {
		page, err := s.AuditEntries(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, e := range page {
			out = append(out, e.ID)
		}
		return out
	}
	rng := AuditQuery{Since: start.Add(5 * time.Minute), Until: start.Add(10 * time.Minute)} // rows 6..10
	for _, tt := range []struct {
		before int64
		want   []int64
	}{{0, []int64{10, 9, 8, 7, 6}}, {19, []int64{10, 9, 8, 7, 6}}, {8, []int64{7, 6}}, {6, nil}, {1, nil}} {
		q := rng
		q.BeforeID = tt.before
		if got := ids(q); !slices.Equal(got, tt.want) {
			t.Errorf("before %d: %v, want %v", tt.before, got, tt.want)
		}
	}
}
