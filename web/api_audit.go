package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/store"
)

type apiAuditEntry struct {
	ID         int64     `json:"id"`
	Time       time.Time `json:"time"`
	Actor      string    `json:"actor"`
	ClientAddr string    `json:"client_addr"`
	RequestID  string    `json:"request_id"`
	URI        string    `json:"uri"`
	Action     string    `json:"action"`
	Target     string    `json:"target"`
	Before     string    `json:"before"`
	After      string    `json:"after"`
	Result     string    `json:"result"`
	Error      string    `json:"error,omitempty"`
	DurationMS float64   `json:"duration_ms"`
	Note       string    `json:"note,omitempty"`
	Diff       string    `json:"diff,omitempty"` // unified diff of before -> after (one entry only)
}

func toAPIAuditEntry(e store.AuditEntry) apiAuditEntry {
	return apiAuditEntry{ID: e.ID, Time: e.Time, Actor: e.Actor, ClientAddr: e.ClientAddr,
		RequestID: e.RequestID, URI: e.URI, Action: e.Action, Target: e.Target, Before: e.Before, After: e.After,
		Result: e.Result, Error: e.Error, DurationMS: float64(e.Duration.Microseconds()) / 1000, Note: e.Note}
}

// apiListAudit is GET /api/v1/audit: newest first, filtered like the history page (target,
// actor, action, result, domain, since, until); ?before=ID continues, next is the cursor.
func (s *Server) apiListAudit(c echo.Context) error {
	q, _, err := auditQuery(c, auditPageSize)
	if err != nil {
		return err
	}
	entries, err := s.st.AuditEntries(c.Request().Context(), q)
	if err != nil {
		return err
	}
	out := struct {
		Entries []apiAuditEntry `json:"entries"`
		Next    int64           `json:"next,omitempty"`
	}{Entries: []apiAuditEntry{}, Next: nextCursor(entries, q.Limit)}
	for _, e := range entries {
		out.Entries = append(out.Entries, toAPIAuditEntry(e))
	}
	return c.JSON(http.StatusOK, out)
}

// apiGetAuditEntry is GET /api/v1/audit/{id}: one entry with the unified diff of its change.
func (s *Server) apiGetAuditEntry(c echo.Context) error {
	e, err := s.auditEntryParam(c)
	if err != nil {
		return err
	}
	out := toAPIAuditEntry(e)
	out.Diff = unifiedText(lineDiff(e.Before, e.After))
	return c.JSON(http.StatusOK, out)
}
