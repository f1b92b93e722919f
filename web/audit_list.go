package web

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/store"
	"github.com/nwfilter-web/nwfilter-web/views"
)

const auditPageSize = 50

// auditActions are the actions the history's filter offers.
var auditActions = []string{actFilterDefine, actFilterUndefine, actFilterRollback, actFilterOutside,
	actNICSet, actNICClear, actNICRollback, actNICOutside, actDomainStart, actDomainStop,
	actBindingCreate, actBindingDelete, actBindingRollback}

// listAudit is the audit history, newest first, one keyset page at a time, filtered by target,
// actor, action, result, VM and time range; the filters carry over to the next page and to
// the export links.
func (s *Server) listAudit(c echo.Context) error {
	q, f, err := auditQuery(c, auditPageSize)
	if err != nil {
		return err
	}
	entries, err := s.st.AuditEntries(c.Request().Context(), q)
	if err != nil {
		return err
	}
	p := views.AuditList{Meta: s.meta(c, "Audit history", "audit"), Filter: f, Actions: auditActions,
		Chain: s.chainStatus(), CSVURL: "/audit/export?" + filterValues(f, "format", "csv").Encode(),
		JSONLURL: "/audit/export?" + filterValues(f, "format", "jsonl").Encode()}
	for _, e := range entries {
		p.Entries = append(p.Entries, auditRow(e))
	}
	if next := nextCursor(entries, q.Limit); next != 0 {
		p.OlderURL = "/audit?" + filterValues(f, "before", strconv.FormatInt(next, 10)).Encode()
	}
	if q.BeforeID != 0 {
		p.NewestURL = "/audit?" + filterValues(f).Encode()
	}
	return s.render(c, views.AuditListView(p))
}

// auditRow is an entry as the history shows it.
func auditRow(e store.AuditEntry) views.AuditRow {
	return views.AuditRow{ID: e.ID, Time: e.Time, Actor: e.Actor, ClientAddr: e.ClientAddr, RequestID: e.RequestID,
		Action: e.Action, Target: e.Target, URI: e.URI, Result: e.Result, Error: e.Error, Duration: e.Duration,
		Note: e.Note, Outside: strings.HasSuffix(e.Action, ".changed-outside"), TargetURL: timelineURL(e.Action, e.Target)}
}

// timelineURL is where the target's versions are listed: the filter's or the VM's timeline,
// else the history filtered to the target.
func timelineURL(action, target string) string {
	kind, _, _ := strings.Cut(action, ".")
	switch kind {
	case "filter":
		return "/filters/" + url.PathEscape(target) + "/history"
	case "nic":
		domain, _, _ := strings.Cut(target, "/")
		return "/domains/" + url.PathEscape(domain) + "/history"
	case "domain":
		return "/domains/" + url.PathEscape(target) + "/history"
	}
	return "/audit?" + url.Values{"target": {target}}.Encode()
}

// auditQuery reads the filters and the page cursor shared by the page, the API and the export:
// target, actor, action, result, domain, since and until (UTC; RFC 3339, or YYYY-MM-DD[THH:MM[:SS]]
// as a form's date and time fields send them), before (the cursor) and limit (1 to 500; the
// page size when absent, which is 0, everything, for an export).
func auditQuery(c echo.Context, defaultLimit int) (store.AuditQuery, views.AuditFilter, error) {
	f := views.AuditFilter{Target: strings.TrimSpace(c.QueryParam("target")), Actor: strings.TrimSpace(c.QueryParam("actor")),
		Action: strings.TrimSpace(c.QueryParam("action")), Result: c.QueryParam("result"),
		Domain: strings.TrimSpace(c.QueryParam("domain")), Since: strings.TrimSpace(c.QueryParam("since")),
		Until: strings.TrimSpace(c.QueryParam("until"))}
	q := store.AuditQuery{Limit: defaultLimit, Target: f.Target, Action: f.Action, Actor: f.Actor, Result: f.Result, Domain: f.Domain}
	switch f.Result {
	case "", store.ResultOK, store.ResultError, store.ResultPending:
	default:
		return q, f, badField("result", "result must be ok, error or pending, not %q", f.Result)
	}
	var err error
	if q.Since, err = parseAuditTime("since", f.Since); err != nil {
		return q, f, err
	}
	if q.Until, err = parseAuditTime("until", f.Until); err != nil {
		return q, f, err
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return q, f, badField("until", "until must be after since")
	}
	if v := c.QueryParam("before"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 0 {
			return q, f, badField("before", "before must be an entry number")
		}
		q.BeforeID = id
	}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return q, f, badField("limit", "limit must be between 1 and 500")
		}
		q.Limit = n
	}
	return q, f, nil
}

// auditTimeLayouts are the forms a time filter may take, all read as UTC.
var auditTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"}

func parseAuditTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, l := range auditTimeLayouts {
		if t, err := time.ParseInLocation(l, v, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, badField(field, "%s: %q is not a time like 2025-01-31T14:00 (UTC) or RFC 3339", field, v)
}

// filterValues is the filter as query parameters, plus extra name/value pairs.
func filterValues(f views.AuditFilter, extra ...string) url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"target", f.Target}, {"actor", f.Actor}, {"action", f.Action},
		{"result", f.Result}, {"domain", f.Domain}, {"since", f.Since}, {"until", f.Until}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

// nextCursor is the ID to continue from when the page is full, else 0.
func nextCursor(entries []store.AuditEntry, limit int) int64 {
	if len(entries) == 0 || len(entries) < limit {
		return 0
	}
	return entries[len(entries)-1].ID
}
