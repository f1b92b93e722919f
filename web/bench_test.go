package web

// Benchmarks of the history's pages at issue 5's scale: a million entries (storetest's cached
// history), through the handler and the render, p99 <= 20 ms. The store's own benchmarks
// measure the queries alone. Run with `make bench`.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/nwfilter-web/nwfilter-web/store"
	"github.com/nwfilter-web/nwfilter-web/store/storetest"
	"github.com/nwfilter-web/nwfilter-web/views"
)

const pageTarget = 20 * time.Millisecond

// benchServer is the server over the fake libvirt and the million-entry history. The chain's
// status is set as verified, so that the first page does not start a verification of the
// million entries in the background while the pages are timed (store's BenchmarkVerifyChain
// measures that).
func benchServer(b *testing.B) *Server {
	b.Helper()
	st, err := store.Open(context.Background(), storetest.DB(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	// Accounts live in a small database of their own: the cached history stays as built.
	s := New(Deps{Libvirt: newFake(), Store: st, Accounts: openTestStore(b), HostTables: fakeTables})
	s.audit.chain.status = views.ChainStatus{State: views.ChainOK, CheckedAt: time.Now(), Rows: storetest.Rows}
	return s
}

// get is a viewer's request, as a script with an API token sends it.
func get(b *testing.B, s *Server, target string) error {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("Authorization", "Bearer "+testToken(b, s, store.RoleViewer))
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return fmt.Errorf("%s: %d %s", target, rec.Code, rec.Body)
	}
	return nil
}

// BenchmarkHistoryPageHandler is GET /audit: the newest page, or a page from a cursor anywhere.
func BenchmarkHistoryPageHandler(b *testing.B) {
	s := benchServer(b)
	storetest.Measure(b, pageTarget, func(r *rand.Rand) error {
		path := "/audit"
		if r.IntN(4) > 0 {
			path += fmt.Sprintf("?before=%d", 1+r.Int64N(storetest.Rows))
		}
		return get(b, s, path)
	})
}

// BenchmarkFilteredHistoryPageHandler is GET /audit with the filters people use.
func BenchmarkFilteredHistoryPageHandler(b *testing.B) {
	s := benchServer(b)
	week := 7 * 24 * time.Hour
	storetest.Measure(b, pageTarget, func(r *rand.Rand) error {
		v := url.Values{}
		switch r.IntN(5) {
		case 0:
			v.Set("actor", storetest.Actors[r.IntN(len(storetest.Actors))])
		case 1:
			v.Set("actor", storetest.Actors[r.IntN(len(storetest.Actors))])
			v.Set("result", "error")
		case 2:
			v.Set("target", storetest.Filters[r.IntN(len(storetest.Filters))])
		case 3:
			since := storetest.Start.Add(time.Duration(r.Int64N(int64(storetest.Span - week))))
			v.Set("since", since.Format("2006-01-02T15:04"))
			v.Set("until", since.Add(week).Format("2006-01-02T15:04"))
			v.Set("action", "filter.define")
		default:
			v.Set("result", "pending")
		}
		if r.IntN(2) == 0 {
			v.Set("before", fmt.Sprint(1+r.Int64N(storetest.Rows)))
		}
		return get(b, s, "/audit?"+v.Encode())
	})
}

// BenchmarkTimelineHandler is the timeline of a filter or of a VM: 25 entries, each with its diff.
func BenchmarkTimelineHandler(b *testing.B) {
	s := benchServer(b)
	storetest.Measure(b, pageTarget, func(r *rand.Rand) error {
		path := "/filters/" + storetest.Filters[storetest.Skewed(r, len(storetest.Filters))] + "/history"
		if r.IntN(2) == 0 {
			path = "/domains/" + storetest.Domains[storetest.Skewed(r, len(storetest.Domains))] + "/history"
		}
		if r.IntN(4) == 0 {
			path += fmt.Sprintf("?before=%d", 1+r.Int64N(storetest.Rows))
		}
		return get(b, s, path)
	})
}

// BenchmarkAuditEntryHandler is one entry with its diff.
func BenchmarkAuditEntryHandler(b *testing.B) {
	s := benchServer(b)
	storetest.Measure(b, pageTarget, func(r *rand.Rand) error {
		return get(b, s, fmt.Sprintf("/audit/%d", 1+r.Int64N(storetest.Rows)))
	})
}
