package web

import (
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/store"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// timelinePageSize is how many entries a timeline page shows, each with its diff.
const timelinePageSize = 25

// filterTimeline is the history of one filter, newest first, each change with its diff. It
// reads only the store, so a filter undefined since still has one.
func (s *Server) filterTimeline(c echo.Context) error {
	name := c.Param("name")
	return s.timeline(c, views.AuditTimeline{Meta: s.meta(c, "History of "+name, "filters"), Kind: "filter", Name: name,
		HistoryURL: "/audit?" + url.Values{"target": {name}}.Encode()}, store.AuditQuery{Target: name})
}

// domainTimeline is the history of one VM: its NICs' filterrefs and its starts and stops.
func (s *Server) domainTimeline(c echo.Context) error {
	name := c.Param("name")
	return s.timeline(c, views.AuditTimeline{Meta: s.meta(c, "History of "+name, "domains"), Kind: "domain", Name: name,
		HistoryURL: "/audit?" + url.Values{"domain": {name}}.Encode()}, store.AuditQuery{Domain: name})
}

func (s *Server) timeline(c echo.Context, p views.AuditTimeline, q store.AuditQuery) error {
	q.Limit = timelinePageSize
	if v := c.QueryParam("before"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 0 {
			return badField("before", "before must be an entry number")
		}
		q.BeforeID = id
	}
	entries, err := s.st.Timeline(c.Request().Context(), q)
	if err != nil {
		return err
	}
	for _, e := range entries {
		p.Items = append(p.Items, views.TimelineItem{Row: auditRow(e), Diff: lineDiff(e.Before, e.After)})
	}
	if next := nextCursor(entries, q.Limit); next != 0 {
		p.OlderURL = c.Request().URL.Path + "?before=" + strconv.FormatInt(next, 10)
	}
	return s.render(c, views.AuditTimelineView(p))
}
