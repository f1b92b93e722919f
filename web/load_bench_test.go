package web

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
	"github.com/nwfilter-web/nwfilter-web/store"
)

// EnvLoadDuration overrides how long BenchmarkLoad200Clients runs (a Go duration; default 30s).
const EnvLoadDuration = "NWFILTER_WEB_LOAD_DURATION"

const loadClients = 200

// BenchmarkLoad200Clients is issue 6's load target: 200 concurrent clients on the main pages
// (with a session cookie) and the API (with a token), over loopback, against the real libvirtd
// and a real store, for 30 s, each sending its next request as soon as the last is answered.
// Any answer but 200 is an error and fails the benchmark; p50 and p99 latency are reported.
// It runs once whatever b.N is: one run is the measurement.
func BenchmarkLoad200Clients(b *testing.B) {
	conn := libvirtxtest.Require(b)
	dur := 30 * time.Second
	if v := os.Getenv(EnvLoadDuration); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("%s=%q: %v", EnvLoadDuration, v, err)
		}
		dur = d
	}
	st := openTestStore(b)
	s := New(Deps{Libvirt: conn, Store: st})
	srv := httptest.NewServer(s)
	defer srv.Close()
	token := testToken(b, s, store.RoleViewer)
	sess := login(b, s, store.RoleViewer)
	type target struct{ path, auth string }
	targets := []target{
		{"/filters", "cookie"}, {"/domains", "cookie"}, {"/bindings", "cookie"}, {"/audit", "cookie"},
		{"/api/v1/filters", "token"}, {"/api/v1/domains", "token"}, {"/api/v1/bindings", "token"}, {"/api/v1/audit", "token"},
	}
	tr := &http.Transport{MaxIdleConns: 2 * loadClients, MaxIdleConnsPerHost: 2 * loadClients, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	var mu sync.Mutex
	var all []time.Duration
	var errs []string
	errCount := 0
	deadline := time.Now().Add(dur)
	b.ResetTimer()
	var wg sync.WaitGroup
	for i := range loadClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			for n := i; time.Now().Before(deadline); n++ {
				tg := targets[n%len(targets)]
				req, _ := http.NewRequest("GET", srv.URL+tg.path, nil)
				if tg.auth == "token" {
					req.Header.Set("Authorization", "Bearer "+token)
				} else {
					req.AddCookie(sess.cookie)
				}
				start := time.Now()
				res, err := client.Do(req)
				var msg string
				if err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusOK {
						msg = fmt.Sprintf("%s: %d", tg.path, res.StatusCode)
					}
				} else {
					msg = fmt.Sprintf("%s: %v", tg.path, err)
				}
				lat = append(lat, time.Since(start))
				if msg != "" {
					mu.Lock()
					errCount++
					if len(errs) < 5 {
						errs = append(errs, msg)
					}
					mu.Unlock()
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(len(all))/dur.Seconds(), "req/s")
	b.ReportMetric(float64(errCount), "errors")
	b.Logf("%d clients for %s: %d requests, %d errors, p50 %.1f ms, p99 %.1f ms, max %.1f ms",
		loadClients, dur, len(all), errCount, pct(0.50), pct(0.99), pct(1))
	if errCount > 0 {
		b.Errorf("%d of %d requests failed, e.g. %v", errCount, len(all), errs)
	}
}
