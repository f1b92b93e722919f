package web

import (
	"context"
	"errors"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/store"
)

// Audit actions, as they appear in the history.
const (
	actFilterDefine   = "filter.define"
	actFilterUndefine = "filter.undefine"
	actNICSet         = "nic.filterref.set"
	actNICClear       = "nic.filterref.clear"
	actDomainStart    = "domain.start"
	actDomainStop     = "domain.stop"
	actBindingCreate  = "binding.create"
	actBindingDelete  = "binding.delete"

	// Restoring a version from the history (audit_rollback.go).
	actFilterRollback  = "filter.rollback"
	actNICRollback     = "nic.filterref.rollback"
	actBindingRollback = "binding.rollback"

	// Changes made outside nwfilter-web, noticed afterwards (audit_outside.go).
	actFilterOutside = "filter.changed-outside"
	actNICOutside    = "nic.changed-outside"
)

// change is one mutation of libvirt state to be audited.
type change struct {
	action string
	target string
	// before reads the target's XML before the change; a "not found" error means "" (it did
	// not exist). Optional.
	before func(ctx context.Context) (string, error)
	// do makes the change and returns the target's XML after it ("" when it no longer exists).
	do func(ctx context.Context) (string, error)
	// note is recorded with the row (AuditEntry.Note), e.g. which entry a rollback restores.
	note string
}

// apply records the change before calling libvirt and completes the record after, so that a
// crash in between leaves a visible "outcome unknown" row rather than an unrecorded change.
// When the record cannot be written, nothing is sent to libvirt.
func (s *Server) apply(c echo.Context, ch change) error {
	_, err := s.applyID(c, ch)
	return err
}

// applyID is apply, also returning the ID of the entry it wrote (0 when none was written).
func (s *Server) applyID(c echo.Context, ch change) (int64, error) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	// Checks for changes made outside hold off while this one is under way (audit_outside.go).
	s.audit.changeStarted()
	defer s.audit.changeEnded()
	var before string
	var beforeErr error
	if ch.before != nil {
		before, beforeErr = ch.before(ctx)
		if isNotFound(beforeErr) {
			before, beforeErr = "", nil
		}
		if beforeErr == nil {
			s.noticeBefore(ctx, ch.target, before)
		}
	}
	start := time.Now()
	id, err := s.st.BeginAudit(ctx, store.AuditEntry{
		Time:       start.UTC(),
		Actor:      actor(c),
		ClientAddr: c.RealIP(),
		RequestID:  c.Response().Header().Get(echo.HeaderXRequestID),
		URI:        s.lv.URI(),
		Action:     ch.action,
		Target:     ch.target,
		Before:     before,
		Result:     store.ResultPending,
		Note:       ch.note,
	})
	if err != nil {
		return 0, errStore{err}
	}
	after, err := "", beforeErr
	if err == nil {
		after, err = ch.do(ctx)
	}
	result, msg := store.ResultOK, ""
	if err != nil {
		result, msg = store.ResultError, err.Error()
		after = ""
	}
	// The record is completed even when the request's context is gone.
	if ferr := s.st.FinishAudit(context.WithoutCancel(ctx), id, result, after, msg, time.Since(start)); ferr != nil {
		s.log.Error("completing audit record", "id", id, "err", ferr)
	}
	return id, err
}

func isNotFound(err error) bool {
	return errors.Is(err, libvirtx.ErrNoFilter) || errors.Is(err, libvirtx.ErrNoBinding)
}

// actor names who made a change: the logged-in user once accounts exist.
func actor(c echo.Context) string {
	if u, ok := c.Get("user").(string); ok && u != "" {
		return u
	}
	return "anonymous"
}
