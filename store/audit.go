package store

import (
	"context"
	"time"
)

// Audit results. ResultPending is what a row says between the start of a libvirt call and its
// end: after a crash it stays, shown as "outcome unknown".
const (
	ResultPending = "pending"
	ResultOK      = "ok"
	ResultError   = "error"
)

// AuditEntry is one mutation of libvirt state.
type AuditEntry struct {
	ID         int64
	Time       time.Time // when the change started (UTC)
	Actor      string
	ClientAddr string
	RequestID  string
	URI        string // libvirt URI
	Action     string // filter.define, filter.undefine, nic.filterref.set, nic.filterref.clear, binding.create, binding.delete
	Target     string // filter name, "domain/MAC", or binding port device
	Before     string // XML before ("" when it did not exist)
	After      string // XML after ("" when it no longer exists or the change failed)
	Result     string // ResultPending, ResultOK, ResultError
	Error      string // libvirt's message when Result is ResultError
	Duration   time.Duration
}

// AuditQuery selects a page of the history, newest first. BeforeID is the keyset cursor: only
// rows with ID < BeforeID (0: from the newest). Limit defaults to 50.
type AuditQuery struct {
	BeforeID int64
	Limit    int
	Target   string
	Action   string
	Actor    string
	Result   string
}

// BeginAudit writes the row before the libvirt call (Result pending) and returns its ID.
func (s *Store) BeginAudit(ctx context.Context, e AuditEntry) (int64, error) {
	return 0, errNotImplemented
}

// FinishAudit completes the row after the call: result ok with the XML after, or error with
// libvirt's message.
func (s *Store) FinishAudit(ctx context.Context, id int64, result, after, errMsg string, d time.Duration) error {
	return errNotImplemented
}

// AuditEntries returns one page of the history, newest first.
func (s *Store) AuditEntries(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	return nil, errNotImplemented
}

// AuditEntry returns one row; ErrNotFound when there is none.
func (s *Store) AuditEntry(ctx context.Context, id int64) (AuditEntry, error) {
	return AuditEntry{}, errNotImplemented
}
