package web

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/store"
	"github.com/nwfilter-web/nwfilter-web/views"
)

const auditPageSize = 50

// listAudit is the audit history, newest first, one keyset page at a time.
func (s *Server) listAudit(c echo.Context) error {
	q, err := auditQuery(c)
	if err != nil {
		return err
	}
	entries, err := s.st.AuditEntries(c.Request().Context(), q)
	if err != nil {
		return err
	}
	p := views.AuditList{Meta: s.meta(c, "Audit history", "audit")}
	for _, e := range entries {
		p.Entries = append(p.Entries, views.AuditRow{ID: e.ID, Time: e.Time, Actor: e.Actor, ClientAddr: e.ClientAddr,
			Action: e.Action, Target: e.Target, URI: e.URI, Before: e.Before, After: e.After,
			Result: e.Result, Error: e.Error, Duration: e.Duration})
	}
	p.NextID = nextCursor(entries, q.Limit)
	return s.render(c, views.AuditListView(p))
}

// auditQuery reads the page cursor and filters shared by the page and the API.
func auditQuery(c echo.Context) (store.AuditQuery, error) {
	q := store.AuditQuery{Limit: auditPageSize, Target: c.QueryParam("target"), Action: c.QueryParam("action"),
		Actor: c.QueryParam("actor"), Result: c.QueryParam("result")}
	if v := c.QueryParam("before"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 0 {
			return q, badField("before", "before must be an entry number")
		}
		q.BeforeID = id
	}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return q, badField("limit", "limit must be between 1 and 500")
		}
		q.Limit = n
	}
	return q, nil
}

// nextCursor is the ID to continue from when the page is full, else 0.
func nextCursor(entries []store.AuditEntry, limit int) int64 {
	if len(entries) == 0 || len(entries) < limit {
		return 0
	}
	return entries[len(entries)-1].ID
}
