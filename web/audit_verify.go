package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/views"
)

// chainState is the hash chain's last verification. Verifying reads every row (seconds at a
// million rows), so pages never wait for it: it runs in the background, once after the server
// starts (on the first look at the history) and whenever someone asks again.
type chainState struct {
	mu      sync.Mutex
	status  views.ChainStatus
	running bool
	done    chan struct{} // closed when the running verification ends
}

// startVerify starts a verification unless one is running, and returns a channel closed when
// the running one ends.
func (s *Server) startVerify() <-chan struct{} {
	cs := &s.audit.chain
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.running {
		return cs.done
	}
	cs.running = true
	cs.done = make(chan struct{})
	done := cs.done
	go func() {
		t0 := time.Now()
		res, err := s.st.VerifyChain(context.Background())
		st := views.ChainStatus{CheckedAt: time.Now().UTC(), Took: time.Since(t0), Rows: res.Rows, Events: res.Events,
			Head: res.Head, FirstBrokenID: res.FirstBrokenID, Reason: res.Reason, ArchivedRows: res.ArchivedRows,
			ArchivePath: res.ArchivePath}
		switch {
		case err != nil:
			st.State, st.Reason = views.ChainFailed, err.Error()
			s.log.Error("verifying the audit chain", "err", err)
		case res.OK:
			st.State = views.ChainOK
		default:
			st.State = views.ChainBroken
			s.log.Error("the audit chain is broken", "row", res.FirstBrokenID, "reason", res.Reason)
		}
		cs.mu.Lock()
		cs.status, cs.running = st, false
		close(done)
		cs.mu.Unlock()
	}()
	return done
}

// chainStatus is the last verification's result; the first call starts one.
func (s *Server) chainStatus() views.ChainStatus {
	cs := &s.audit.chain
	cs.mu.Lock()
	st, running, never := cs.status, cs.running, cs.status.State == ""
	cs.mu.Unlock()
	if never && !running {
		s.startVerify()
		running = true
	}
	if running {
		st.State = views.ChainRunning
	}
	if st.State == "" {
		st.State = views.ChainUnknown
	}
	return st
}

// showChain is the chain's status fragment, which polls itself while a verification runs.
func (s *Server) showChain(c echo.Context) error {
	return s.render(c, views.ChainStatusView(s.chainStatus()))
}

// verifyChain starts a verification from the history page.
func (s *Server) verifyChain(c echo.Context) error {
	s.startVerify()
	if isFragment(c) {
		return s.showChain(c)
	}
	return c.Redirect(http.StatusSeeOther, "/audit")
}

// apiVerifyChain is GET /api/v1/audit/verify: verifies now (or waits for the running
// verification) and answers with the result; 200 either way, "ok" says whether it holds.
func (s *Server) apiVerifyChain(c echo.Context) error {
	select {
	case <-s.startVerify():
	case <-c.Request().Context().Done():
		return c.Request().Context().Err()
	}
	st := s.chainStatus()
	out := map[string]any{"ok": st.State == views.ChainOK, "state": st.State, "rows": st.Rows, "events": st.Events,
		"head": st.Head, "checked_at": st.CheckedAt, "took_ms": st.Took.Milliseconds()}
	if st.FirstBrokenID != 0 {
		out["first_broken_id"] = st.FirstBrokenID
	}
	if st.Reason != "" {
		out["reason"] = st.Reason
	}
	if st.ArchivedRows != 0 {
		out["archived_rows"], out["archive_path"] = st.ArchivedRows, st.ArchivePath
	}
	return c.JSON(http.StatusOK, out)
}
