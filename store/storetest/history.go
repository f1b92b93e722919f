// Package storetest generates audit histories for benchmarks: the shape of two busy years of a
// lab's changes, deterministic, recorded through the store's own API so that they chain and
// verify like real ones, and a cached database of a million rows shared by the benchmarks of
// every package (`make bench`).
package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nwfilter-web/nwfilter-web/store"
)

// Rows is the size of the benchmarks' history (issue 5: "with 1,000,000 audit rows").
const Rows = 1_000_000

// genVersion changes whenever Entry's output changes, so that a stale cache is not reused.
const genVersion = 2

// The generated history's shape: a few hundred filters, a couple of thousand VMs with two NICs
// each, some bindings, a few dozen people, two years of changes. Popularity is skewed (a few
// targets and actors get most changes), as in real use.
var (
	Filters  = names("filter-", 300)
	Domains  = names("vm-", 2000)
	Bindings = names("vnet", 500)
	Actors   = names("user", 25)
	Start    = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	Span     = 2 * 365 * 24 * time.Hour
)

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// Skewed picks an index in [0, n) with a strong preference for small ones.
func Skewed(r *rand.Rand, n int) int {
	f := r.Float64()
	return int(f * f * f * float64(n))
}

// MAC is the MAC address of a generated domain's NIC.
func MAC(domain, nic int) string {
	return fmt.Sprintf("52:54:00:%02x:%02x:%02x", domain>>8, domain&0xff, nic)
}

// FilterXML is a typical custom filter: a few rules, ~500 bytes.
func FilterXML(name string, v int) string {
	return fmt.Sprintf(`<filter name='%s' chain='root' priority='-700'>
  <uuid>6ef5b9a0-3d2f-4c55-9e9a-%012x</uuid>
  <filterref filter='clean-traffic'/>
  <rule action='accept' direction='in' priority='500'>
    <tcp dstportstart='%d'/>
  </rule>
  <rule action='accept' direction='out' priority='500'>
    <tcp srcportstart='%d'/>
  </rule>
  <rule action='drop' direction='out' priority='500'>
    <tcp dstipaddr='192.168.122.1' dstportstart='22'/>
  </rule>
  <rule action='drop' direction='inout' priority='1000'>
    <all/>
  </rule>
</filter>`, name, v, 1024+v%60000, 1024+v%60000)
}

// NICXML is a NIC with its filterref, ~300 bytes.
func NICXML(mac, filter string, v int) string {
	return fmt.Sprintf(`<interface type='network'>
  <mac address='%s'/>
  <source network='default'/>
  <model type='virtio'/>
  <filterref filter='%s'>
    <parameter name='IP' value='192.168.122.%d'/>
  </filterref>
</interface>`, mac, filter, 2+v%250)
}

// Entry is the i-th generated change, finished as it would be, started at t (zero: now).
func Entry(r *rand.Rand, i int, t time.Time) store.AuditEntry {
	e := store.AuditEntry{Time: t, Actor: Actors[Skewed(r, len(Actors))],
		ClientAddr: fmt.Sprintf("10.0.%d.%d", r.IntN(4), 1+r.IntN(250)), RequestID: fmt.Sprintf("req-%016x", r.Uint64()),
		URI: "qemu:///system", Duration: time.Duration(2+r.IntN(200)) * time.Millisecond}
	switch k := r.IntN(100); {
	case k < 45:
		f := Filters[Skewed(r, len(Filters))]
		e.Action, e.Target = "filter.define", f
		e.Before, e.After = FilterXML(f, i-1), FilterXML(f, i)
	case k < 50:
		f := Filters[Skewed(r, len(Filters))]
		e.Action, e.Target, e.Before = "filter.undefine", f, FilterXML(f, i)
	case k < 80:
		d, n := Skewed(r, len(Domains)), r.IntN(2)
		mac, f := MAC(d, n), Filters[Skewed(r, len(Filters))]
		e.Action, e.Target = "nic.filterref.set", Domains[d]+"/"+mac
		e.Before, e.After = NICXML(mac, "clean-traffic", i), NICXML(mac, f, i)
	case k < 88:
		d, n := Skewed(r, len(Domains)), r.IntN(2)
		mac := MAC(d, n)
		e.Action, e.Target, e.Before = "nic.filterref.clear", Domains[d]+"/"+mac, NICXML(mac, "clean-traffic", i)
	case k < 94:
		e.Action, e.Target = []string{"domain.start", "domain.stop"}[r.IntN(2)], Domains[Skewed(r, len(Domains))]
	case k < 97:
		b := Bindings[r.IntN(len(Bindings))]
		e.Action, e.Target, e.After = "binding.create", b, NICXML(MAC(0, 0), "clean-traffic", i)
	default:
		e.Action, e.Target = "binding.delete", Bindings[r.IntN(len(Bindings))]
	}
	switch k := r.IntN(1000); {
	case k < 5:
		e.Result, e.After, e.Duration = store.ResultPending, "", 0
	case k < 40:
		e.Result, e.After, e.Error = store.ResultError, "", "operation failed: "+e.Target+" is in use"
	default:
		e.Result = store.ResultOK
	}
	return e
}

// Generate writes n generated changes, spread over Span from Start, into a new database at path,
// through store.RecordChanges in batches of 10,000 (one durable commit each).
func Generate(ctx context.Context, path string, n int) error {
	s, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer s.Close()
	r := rand.New(rand.NewPCG(1, 2))
	step := Span / time.Duration(n)
	t := Start
	const batch = 10_000
	es := make([]store.AuditEntry, 0, batch)
	for lo := 0; lo < n; lo += batch {
		es = es[:0]
		for i := lo; i < min(lo+batch, n); i++ {
			t = t.Add(time.Duration(r.Int64N(int64(2 * step))))
			es = append(es, Entry(r, i, t))
		}
		if _, err := s.RecordChanges(ctx, es); err != nil {
			return err
		}
	}
	return nil
}

var dbOnce struct {
	sync.Once
	path string
	err  error
}

// DB returns the path of the cached database of Rows generated changes, building it on first
// use (about a minute). It lives in os.TempDir(), named after the schema and the generator's
// version, so that repeated runs start in seconds. Open it read-only in spirit: benchmarks that
// write copy it first (see Copy).
func DB(tb testing.TB) string {
	tb.Helper()
	dbOnce.Do(func() {
		path := filepath.Join(os.TempDir(), fmt.Sprintf("nwfilter-web-bench-%d-rows-schema%d-gen%d.db", Rows, store.SchemaVersion(), genVersion))
		dbOnce.path = path
		if _, err := os.Stat(path); err == nil {
			return
		}
		start := time.Now()
		// Built under a private name and renamed into place when complete, so an interrupted run
		// or a concurrent one never leaves a half-built cache behind.
		tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
		if err := Generate(context.Background(), tmp, Rows); err != nil {
			removeDB(tmp)
			dbOnce.err = err
			return
		}
		// Closing the store checkpointed the WAL into the file: only the main file needs to move.
		dbOnce.err = os.Rename(tmp, path)
		fmt.Fprintf(os.Stderr, "built %s (%d rows) in %v\n", path, Rows, time.Since(start).Round(time.Second))
	})
	if dbOnce.err != nil {
		tb.Fatal(dbOnce.err)
	}
	return dbOnce.path
}

func removeDB(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		os.Remove(p)
	}
}

// Open opens the cached database for reading benchmarks, closed in b.Cleanup.
func Open(b *testing.B) *store.Store {
	b.Helper()
	s, err := store.Open(context.Background(), DB(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// Measure runs fn in the benchmark loop and reports the latency percentiles the targets are
// stated in (p50-ms, p99-ms, max-ms), logging when p99 is over target.
func Measure(b *testing.B, target time.Duration, fn func(r *rand.Rand) error) {
	b.Helper()
	r := rand.New(rand.NewPCG(3, 4))
	var lat []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := fn(r); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1), "max-ms")
	if p99 := pct(0.99); p99 > float64(target)/float64(time.Millisecond) {
		b.Errorf("p99 %.1f ms is over the %v target", p99, target)
	}
}
