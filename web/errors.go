package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/store"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// fieldError is the caller's mistake in one input field.
type fieldError struct {
	Field  string
	Msg    string
	Status int // 400 when 0
}

func (e *fieldError) Error() string { return e.Msg }

func badField(field, format string, a ...any) error {
	return &fieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// errStore wraps a failure to write the audit record: the change was not sent to libvirt.
type errStore struct{ err error }

func (e errStore) Error() string {
	return "the audit history cannot be written, so nothing was sent to libvirt: " + e.err.Error()
}
func (e errStore) Unwrap() error { return e.err }

// apiError is the JSON body of every API error.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

// classify maps an error to a status code, the field it concerns and a message fit to show.
// Unexpected errors get a generic message; they are logged by handleError.
func classify(err error) (status int, field, msg string, expected bool) {
	var fe *fieldError
	var he *echo.HTTPError
	var se errStore
	switch {
	case errors.As(err, &fe):
		status = fe.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		return status, fe.Field, fe.Msg, true
	case errors.As(err, new(*errEditConflict)):
		return http.StatusConflict, "version", err.Error(), true
	case errors.As(err, &se):
		return http.StatusServiceUnavailable, "", se.Error(), true
	case errors.As(err, &he):
		return he.Code, "", fmt.Sprint(he.Message), true
	case errors.Is(err, libvirtx.ErrNoFilter):
		return http.StatusNotFound, "filter", err.Error(), true
	case errors.Is(err, libvirtx.ErrNoDomain):
		return http.StatusNotFound, "domain", err.Error(), true
	case errors.Is(err, libvirtx.ErrNoInterface):
		return http.StatusNotFound, "mac", err.Error(), true
	case errors.Is(err, libvirtx.ErrNoBinding):
		return http.StatusNotFound, "portdev", err.Error(), true
	case errors.Is(err, store.ErrReadOnly), errors.Is(err, store.ErrDiskFull):
		return http.StatusServiceUnavailable, "", "the database cannot be written: " + err.Error(), true
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, "", "not found", true
	case errors.Is(err, libvirtx.ErrInvalidXML):
		return http.StatusBadRequest, "xml", err.Error(), true
	case errors.Is(err, libvirtx.ErrFilterInUse), errors.Is(err, libvirtx.ErrUUIDMismatch),
		errors.Is(err, libvirtx.ErrBindingExists):
		return http.StatusConflict, "", err.Error(), true
	case errors.Is(err, libvirtx.ErrUnreachable):
		return http.StatusServiceUnavailable, "", "libvirt is unreachable: " + err.Error(), true
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "", "libvirt did not answer in time", true
	}
	var le *libvirtx.Error
	if errors.As(err, &le) {
		return http.StatusBadGateway, "", "libvirt: " + le.Error(), true
	}
	return http.StatusInternalServerError, "", "internal error", false
}

// handleError is the one place errors become responses: JSON for the API, a fragment for
// HTMX requests, a page otherwise. Stacks and internals are never shown.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if clientGone(c.Request().Context(), err) {
		// The client closed the page or the connection: nothing failed, and nobody is left
		// to answer.
		s.log.Debug("request canceled by the client", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		return
	}
	status, field, msg, expected := classify(err)
	if !expected {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	var werr error
	switch {
	case isAPI(c):
		werr = c.JSON(status, apiError{Error: msg, Field: apiField(field)})
	case isFragment(c):
		werr = s.renderStatus(c, status, views.ErrorFragment(msg))
	default:
		werr = s.renderStatus(c, status, views.ErrorView(views.ErrorPage{
			Meta: s.meta(c, http.StatusText(status), ""), Status: status, Message: msg,
		}))
	}
	if werr != nil {
		s.log.Error("writing error response", "err", werr)
	}
}

// clientGone reports an error that only says the request's client went away (ctx is the
// request's context): not a failure to log as one.
func clientGone(ctx context.Context, err error) bool {
	return errors.Is(err, context.Canceled) && ctx.Err() != nil
}

// apiField names a field as the API's JSON does where the forms name it otherwise.
func apiField(field string) string {
	if field == "params" {
		return "parameters"
	}
	return field
}

func isAPI(c echo.Context) bool {
	p := c.Request().URL.Path
	return len(p) >= 8 && p[:8] == "/api/v1/"
}
