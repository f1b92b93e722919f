package web

// Rollback: restore a version of a filter, of a NIC's filterref or of a binding from any entry
// of the history, after a preview of the diff and of the chains libvirt would make of it. The
// rollback is itself an audited change (through apply), and it is refused when the target
// changed since the preview: the preview carries a digest of the target's XML as it showed it,
// and the rollback compares it with the target's XML at the time it is made.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/store"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// rollbackPlan is what restoring a version of an entry's target means now.
type rollbackPlan struct {
	entry    store.AuditEntry
	to       string // "before" or "after"
	kind     string // kindFilter, kindNIC, kindBinding
	domain   string // for a NIC
	mac      string
	version  string // the entry's version, as recorded
	current  string // the target's XML now, "" when it does not exist
	restored string // what the target will be: "" removes it
	ref      *libvirtx.FilterRef
	notice   string // what to know about it
	refusal  string // why it cannot be made ("" when it can)
}

// planRollback reads the entry's version and the target's current XML and works out the
// change. A plan that cannot be made says why in refusal.
func (s *Server) planRollback(ctx context.Context, e store.AuditEntry, to string) (*rollbackPlan, error) {
	p := &rollbackPlan{entry: e, to: to, kind: rollbackKind(e.Action)}
	switch to {
	case "before":
		p.version = e.Before
	case "after":
		if e.Result != store.ResultOK {
			return nil, badField("to", "entry %d did not succeed, so it made no version to restore: restore the version before it", e.ID)
		}
		p.version = e.After
	default:
		return nil, badField("to", "to must be before or after, not %q", to)
	}
	var err error
	switch p.kind {
	case kindFilter:
		err = s.planFilter(ctx, p)
	case kindNIC:
		err = s.planNIC(ctx, p)
	case kindBinding:
		err = s.planBinding(ctx, p)
	default:
		return nil, &fieldError{Field: "id", Status: http.StatusConflict,
			Msg: fmt.Sprintf("entry %d (%s) changed no version of anything that can be restored", e.ID, e.Action)}
	}
	if err != nil {
		return nil, err
	}
	if p.refusal == "" && sameVersion(p.kind, p.current, p.restored) {
		p.refusal = fmt.Sprintf("%s is already at this version: there is nothing to restore", e.Target)
	}
	return p, nil
}

// planFilter restores the stored text itself (never re-serialised: libvirtxml would drop
// priority='0'), under the filter's current UUID when it still exists, since libvirt refuses to
// redefine a filter under another UUID.
func (s *Server) planFilter(ctx context.Context, p *rollbackPlan) error {
	cur, err := s.lv.FilterXML(ctx, p.entry.Target)
	if err != nil && !errors.Is(err, libvirtx.ErrNoFilter) {
		return err
	}
	p.current = cur
	if p.version == "" {
		p.notice = "The filter did not exist in this version: restoring it undefines the filter. libvirt refuses that while a VM NIC, a binding or another filter uses it."
		if cur == "" {
			return nil
		}
		inv, err := s.loadInventory(ctx)
		if err != nil {
			return err
		}
		if users := s.filterUsers(inv, p.entry.Target); len(users) > 0 {
			var names []string
			for _, u := range users {
				names = append(names, u.Kind+" "+u.Label)
			}
			p.refusal = fmt.Sprintf("%s is in use now (%s): detach it first, since libvirt refuses to undefine a filter in use",
				p.entry.Target, strings.Join(names, ", "))
		}
		return nil
	}
	sum, err := nwfilter.Summarize(p.version)
	if err != nil || sum.Name != p.entry.Target {
		return fmt.Errorf("entry %d: its XML is not filter %s's: %v", p.entry.ID, p.entry.Target, err)
	}
	p.restored = p.version
	if cur == "" {
		p.notice = "The filter no longer exists: restoring this version defines it again."
		return nil
	}
	if now, err := nwfilter.Summarize(cur); err == nil && now.UUID != "" && now.UUID != sum.UUID {
		if p.restored, err = nwfilter.SetUUID(p.version, now.UUID); err != nil {
			return err
		}
		p.notice = "The filter was re-created since this version: it is restored under its current UUID " + now.UUID + "."
	}
	return nil
}

// planNIC restores the NIC's filterref (filter and parameters); the rest of the NIC stays as it
// is now, since nwfilter-web changes nothing else on a NIC.
func (s *Server) planNIC(ctx context.Context, p *rollbackPlan) error {
	p.domain, p.mac, _ = strings.Cut(p.entry.Target, "/")
	cur, err := s.lv.InterfaceXML(ctx, p.domain, p.mac)
	switch {
	case errors.Is(err, libvirtx.ErrNoDomain), errors.Is(err, libvirtx.ErrNoInterface):
		p.refusal = fmt.Sprintf("%s no longer exists: nwfilter-web does not add NICs or VMs", p.entry.Target)
		return nil
	case err != nil:
		return err
	}
	p.current = cur
	if p.version == "" {
		p.refusal = "The NIC did not exist in this version: nwfilter-web does not remove NICs"
		return nil
	}
	if p.ref, err = libvirtx.FilterRefOf(p.version); err != nil {
		return err
	}
	if p.restored, err = libvirtx.WithFilterRefXML(cur, p.ref); err != nil {
		return err
	}
	p.notice = "Only the NIC's filterref (the filter and its parameters) is restored; the rest of the NIC stays as it is."
	return nil
}

// planBinding deletes a binding that did not exist in the version, or re-creates one that
// did; a binding cannot be changed in place, so one that differs must be deleted first.
func (s *Server) planBinding(ctx context.Context, p *rollbackPlan) error {
	cur, err := s.lv.BindingXML(ctx, p.entry.Target)
	if err != nil && !errors.Is(err, libvirtx.ErrNoBinding) {
		return err
	}
	p.current, p.restored = cur, p.version
	switch {
	case p.version == "":
		p.notice = "The binding did not exist in this version: restoring it deletes the binding."
	case cur != "" && cur != p.version:
		p.refusal = fmt.Sprintf("a different binding exists on %s now, and libvirt cannot change a binding in place: delete it first", p.entry.Target)
	}
	return nil
}

// do makes the plan's change: the apply step of the rollback. It checks the target is still
// what the caller saw (expect, a digest) right before libvirt is called.
func (s *Server) rollbackChange(p *rollbackPlan, expect string) change {
	action := map[string]string{kindFilter: actFilterRollback, kindNIC: actNICRollback, kindBinding: actBindingRollback}[p.kind]
	read := func(ctx context.Context) (string, error) { return s.readTarget(ctx, p) }
	return change{action: action, target: p.entry.Target, before: read,
		note: fmt.Sprintf("restores the version %s entry #%d", p.to, p.entry.ID),
		do: func(ctx context.Context) (string, error) {
			cur, err := read(ctx)
			if err != nil {
				return "", err
			}
			if xmlDigest(cur) != expect {
				return "", errChangedSince(p.entry.Target)
			}
			switch {
			case p.kind == kindNIC:
				_, after, err := s.lv.SetFilterRef(ctx, p.domain, p.mac, p.ref)
				return after, err
			case p.kind == kindFilter && p.restored == "":
				return "", s.lv.UndefineFilter(ctx, p.entry.Target)
			case p.kind == kindFilter:
				if _, err := s.lv.DefineFilter(ctx, p.restored); err != nil {
					return "", err
				}
				return s.lv.FilterXML(ctx, p.entry.Target)
			case p.restored == "":
				return "", s.lv.DeleteBinding(ctx, p.entry.Target)
			default:
				b, err := libvirtx.ParseBindingXML(p.restored)
				if err != nil {
					return "", err
				}
				return s.lv.CreateBinding(ctx, b)
			}
		}}
}

// readTarget reads the plan's target now: "" when it does not exist.
func (s *Server) readTarget(ctx context.Context, p *rollbackPlan) (string, error) {
	var x string
	var err error
	switch p.kind {
	case kindFilter:
		x, err = s.lv.FilterXML(ctx, p.entry.Target)
	case kindNIC:
		x, err = s.lv.InterfaceXML(ctx, p.domain, p.mac)
	default:
		x, err = s.lv.BindingXML(ctx, p.entry.Target)
	}
	if isGone(err) {
		return "", nil
	}
	return x, err
}

func errChangedSince(target string) error {
	return &fieldError{Field: "expect", Status: http.StatusConflict,
		Msg: fmt.Sprintf("%s changed since the preview: nothing was restored; look at the new preview and try again", target)}
}

// rollback checks the plan can be made and that the target is as expected, then makes it.
// It returns the new entry's ID.
func (s *Server) rollback(c echo.Context, p *rollbackPlan, expect string) (int64, error) {
	if p.refusal != "" {
		return 0, &fieldError{Field: "to", Status: http.StatusConflict, Msg: p.refusal}
	}
	// Checked here too, so that a stale preview is turned away without an entry in the history.
	if xmlDigest(p.current) != expect {
		return 0, errChangedSince(p.entry.Target)
	}
	return s.applyID(c, s.rollbackChange(p, expect))
}

// previewRollback is the page before a rollback: the diff from the target's current XML to the
// restored version, the chains libvirt would make of it, and the button.
func (s *Server) previewRollback(c echo.Context) error {
	e, err := s.auditEntryParam(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	p, err := s.planRollback(ctx, e, c.QueryParam("to"))
	if err != nil {
		return err
	}
	v, err := s.rollbackView(ctx, c, p)
	if err != nil {
		return err
	}
	return s.render(c, views.RollbackPreviewView(v))
}

// rollbackView is the preview page's model.
func (s *Server) rollbackView(ctx context.Context, c echo.Context, p *rollbackPlan) (views.RollbackPreview, error) {
	v := views.RollbackPreview{Meta: s.meta(c, "Restore "+p.entry.Target, "audit"), Entry: auditRow(p.entry), To: p.to,
		Kind: p.kind, Target: p.entry.Target, Current: p.current, Restored: p.restored,
		Diff: lineDiff(p.current, p.restored), Digest: xmlDigest(p.current), Notice: p.notice, Error: p.refusal,
		CanApply: p.refusal == ""}
	if p.refusal == "" {
		var err error
		if v.Ports, err = s.predictRollback(ctx, p); err != nil {
			return v, err
		}
	}
	return v, nil
}

// doRollback is the preview's button: restore, or show the preview again with the reason.
func (s *Server) doRollback(c echo.Context) error {
	e, err := s.auditEntryParam(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	p, err := s.planRollback(ctx, e, c.FormValue("to"))
	cancel()
	if err != nil {
		return err
	}
	if _, err := s.rollback(c, p, c.FormValue("expect")); err != nil {
		status, _, msg, expected := classify(err)
		if !expected {
			return err
		}
		ctx, cancel := s.ctx(c)
		defer cancel()
		// Planned again: the preview must show the target as it is now.
		if p, perr := s.planRollback(ctx, e, c.FormValue("to")); perr == nil {
			if v, verr := s.rollbackView(ctx, c, p); verr == nil {
				v.Error = msg
				return s.renderStatus(c, status, views.RollbackPreviewView(v))
			}
		}
		return err
	}
	done := fmt.Sprintf("%s restored to the version %s entry #%d.", e.Target, p.to, e.ID)
	return c.Redirect(http.StatusSeeOther, timelineURL(e.Action, e.Target)+flashQuery(timelineURL(e.Action, e.Target), done))
}

// flashQuery appends done=MSG to a URL that may already have a query.
func flashQuery(u, msg string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return sep + "done=" + url.QueryEscape(msg)
}

// apiRollbackRequest is the body of POST /api/v1/audit/{id}/rollback (all optional).
type apiRollbackRequest struct {
	To           string `json:"to"`            // "before" (default) or "after"
	ExpectDigest string `json:"expect_digest"` // the target's digest as last seen (also If-Match)
}

// apiRollbackPreview is GET /api/v1/audit/{id}/rollback?to=before|after: what a rollback would
// do, with the digest to pass back.
func (s *Server) apiRollbackPreview(c echo.Context) error {
	e, err := s.auditEntryParam(c)
	if err != nil {
		return err
	}
	to := c.QueryParam("to")
	if to == "" {
		to = "before"
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	p, err := s.planRollback(ctx, e, to)
	if err != nil {
		return err
	}
	out := map[string]any{"entry": e.ID, "to": to, "target": e.Target, "kind": p.kind, "current": p.current,
		"current_digest": xmlDigest(p.current), "restored": p.restored, "diff": unifiedText(lineDiff(p.current, p.restored)),
		"can_apply": p.refusal == ""}
	if p.refusal != "" {
		out["refusal"] = p.refusal
	} else {
		ports, err := s.predictRollback(ctx, p)
		if err != nil {
			return err
		}
		var pp []map[string]any
		for _, pt := range ports {
			pp = append(pp, map[string]any{"port": pt.Label, "example": pt.Example, "error": pt.Error,
				"learning": pt.Learning, "tables": pt.Tables, "diff": unifiedText(pt.Diff)})
		}
		out["predicted"] = pp
	}
	if p.notice != "" {
		out["notice"] = p.notice
	}
	c.Response().Header().Set("ETag", `"`+xmlDigest(p.current)+`"`)
	return c.JSON(http.StatusOK, out)
}

// apiRollback is POST /api/v1/audit/{id}/rollback: restore the version before the entry (or
// after it, "to":"after"). The target must be as the caller last saw it: pass its digest
// (from the preview's current_digest or ETag) as "expect_digest" or If-Match. Without one, the
// target must still be as the entry left it (its XML after the entry when the entry
// succeeded, before it otherwise), so that undoing the latest change needs no preview but
// nothing else is undone blindly. 409 with the reason when refused.
func (s *Server) apiRollback(c echo.Context) error {
	e, err := s.auditEntryParam(c)
	if err != nil {
		return err
	}
	var req apiRollbackRequest
	if c.Request().ContentLength != 0 {
		if err := c.Bind(&req); err != nil {
			return badField("body", "the body must be JSON like {\"to\":\"before\",\"expect_digest\":\"sha256:...\"}")
		}
	}
	if req.To == "" {
		req.To = "before"
	}
	expect := req.ExpectDigest
	if expect == "" {
		expect = strings.Trim(c.Request().Header.Get("If-Match"), `"`)
	}
	if expect == "" {
		left := e.After
		if e.Result != store.ResultOK {
			left = e.Before
		}
		expect = xmlDigest(left)
	}
	ctx, cancel := s.ctx(c)
	p, err := s.planRollback(ctx, e, req.To)
	cancel()
	if err != nil {
		return err
	}
	if p.kind == kindNIC && req.ExpectDigest == "" && c.Request().Header.Get("If-Match") == "" &&
		sameVersion(kindNIC, p.current, e.After) {
		expect = xmlDigest(p.current) // the NIC as the entry left it, bar what libvirt changes itself
	}
	id, err := s.rollback(c, p, expect)
	if err != nil {
		return err
	}
	ctx, cancel = s.ctx(c)
	defer cancel()
	after, err := s.readTarget(ctx, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": id, "target": e.Target, "restored": "entry " + strconv.FormatInt(e.ID, 10) + " " + p.to,
		"xml": after, "digest": xmlDigest(after)})
}

// unifiedText is a diff as diff -u prints its hunks.
func unifiedText(d views.Diff) string {
	var b strings.Builder
	for _, h := range d.Hunks {
		b.WriteString(h.Header + "\n")
		for _, l := range h.Lines {
			b.WriteString(map[string]string{views.DiffContext: " ", views.DiffDel: "-", views.DiffAdd: "+"}[l.Kind] + l.Text + "\n")
		}
	}
	return b.String()
}
