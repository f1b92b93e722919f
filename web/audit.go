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
}

// apply records the change before calling libvirt and completes the record after, so that a
// crash in between leaves a visible "outcome unknown" row rather than an unrecorded change.
// When the record cannot be written, nothing is sent to libvirt.
func (s *Server) apply(c echo.Context, ch change) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	var before string
	var beforeErr error
	if ch.before != nil {
		before, beforeErr = ch.before(ctx)
		if isNotFound(beforeErr) {
			before, beforeErr = "", nil
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
	})
	if err != nil {
		return errStore{err}
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
	return err
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
