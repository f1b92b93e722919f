package web

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/store"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// showAuditEntry is one entry: who, when, from where, and the diff of before -> after, with
// the versions it can restore.
func (s *Server) showAuditEntry(c echo.Context) error {
	e, err := s.auditEntryParam(c)
	if err != nil {
		return err
	}
	p := views.AuditEntryPage{Meta: s.meta(c, "Entry "+strconv.FormatInt(e.ID, 10), "audit"), Entry: auditRow(e),
		Before: e.Before, After: e.After, Diff: lineDiff(e.Before, e.After), TimelineURL: timelineURL(e.Action, e.Target)}
	p.Restore = restoreOptions(e)
	return s.render(c, views.AuditEntryView(p))
}

// auditEntryParam reads the entry the :id in the path names.
func (s *Server) auditEntryParam(c echo.Context) (store.AuditEntry, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.AuditEntry{}, badField("id", "%q is not an entry number", c.Param("id"))
	}
	return s.st.AuditEntry(c.Request().Context(), id)
}

// restoreOptions are the versions of the entry's target a rollback can restore: the one before
// the change, and the one it made when it succeeded.
func restoreOptions(e store.AuditEntry) []views.RollbackOption {
	kind := rollbackKind(e.Action)
	if kind == "" {
		return nil
	}
	base := "/audit/" + strconv.FormatInt(e.ID, 10) + "/rollback?to="
	label := func(xml, when string) string {
		if xml != "" {
			return "Restore the version " + when + " this change"
		}
		switch kind {
		case kindFilter:
			return "Undefine the filter (it did not exist " + when + " this change)"
		case kindBinding:
			return "Delete the binding (it did not exist " + when + " this change)"
		}
		return ""
	}
	var out []views.RollbackOption
	if l := label(e.Before, "before"); l != "" {
		out = append(out, views.RollbackOption{Label: l, URL: base + "before", TestID: "restore-before"})
	}
	if e.Result == store.ResultOK && e.After != e.Before {
		if l := label(e.After, "after"); l != "" {
			out = append(out, views.RollbackOption{Label: l, URL: base + "after", TestID: "restore-after"})
		}
	}
	return out
}

// rollbackKind is what a rollback of an entry restores: a filter, a NIC's filterref or a
// binding; "" for entries with no versions (a VM started or stopped).
func rollbackKind(action string) string {
	kind, _, _ := strings.Cut(action, ".")
	switch kind {
	case "filter":
		return kindFilter
	case "nic":
		return kindNIC
	case "binding":
		return kindBinding
	}
	return ""
}
