package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Audit results. ResultPending is what a row says between the start of a libvirt call and its
// end: after a crash it stays, shown as "outcome unknown".
const (
	ResultPending = "pending"
	ResultOK      = "ok"
	ResultError   = "error"
)

// ErrAuditFinished is returned by FinishAudit for a row that is no longer pending: a result,
// once recorded, is never overwritten.
var ErrAuditFinished = errors.New("store: audit entry already finished")

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

// Default and largest page sizes of AuditEntries.
const (
	DefaultAuditLimit = 50
	MaxAuditLimit     = 1000
)

// AuditQuery selects a page of the history, newest first. BeforeID is the keyset cursor: only
// rows with ID < BeforeID (0: from the newest). Limit defaults to 50 (at most MaxAuditLimit).
// Empty filters match everything; set filters must all match.
type AuditQuery struct {
	BeforeID int64
	Limit    int
	Target   string
	Action   string
	Actor    string
	Result   string
	Since    time.Time // rows that started at or after Since (zero: no bound)
	Until    time.Time // rows that started before Until (zero: no bound)
}

// BeginAudit writes the row before the libvirt call (Result pending) and returns its ID. The
// Result, After, Error and Duration of e are ignored: FinishAudit records them. A zero Time means
// now; a Time earlier than the newest row's is raised to it, so that history order (by ID) and
// time order always agree.
func (s *Store) BeginAudit(ctx context.Context, e AuditEntry) (int64, error) {
	w, err := s.writer()
	if err != nil {
		return 0, err
	}
	if e.Action == "" || e.Target == "" {
		return 0, errors.New("store: audit entry needs an action and a target")
	}
	t := e.Time
	if t.IsZero() {
		t = time.Now()
	}
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.wrap("beginning audit entry", err)
	}
	defer tx.Rollback()
	ns := t.UnixNano()
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT time_ns FROM audit ORDER BY id DESC LIMIT 1`).Scan(&last); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, s.wrap("beginning audit entry", err)
	}
	if last.Valid && last.Int64 > ns {
		ns = last.Int64
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO audit
		(time_ns, actor, client_addr, request_id, uri, action, target, before_xml, result)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
		ns, e.Actor, e.ClientAddr, e.RequestID, e.URI, e.Action, e.Target, e.Before)
	if err != nil {
		return 0, s.wrap("beginning audit entry", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, s.wrap("beginning audit entry", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, s.wrap("beginning audit entry", err)
	}
	return id, nil
}

// FinishAudit completes the row after the call: result ok with the XML after, or error with
// libvirt's message. A row is finished once: ErrAuditFinished after that, ErrNotFound for an
// unknown ID.
func (s *Store) FinishAudit(ctx context.Context, id int64, result, after, errMsg string, d time.Duration) error {
	w, err := s.writer()
	if err != nil {
		return err
	}
	if result != ResultOK && result != ResultError {
		return fmt.Errorf("store: finishing audit entry %d: result must be %q or %q, not %q", id, ResultOK, ResultError, result)
	}
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap("finishing audit entry", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE audit SET result = ?, after_xml = ?, error = ?, duration_ns = ?
		WHERE id = ? AND result = 'pending'`, result, after, errMsg, int64(d), id)
	if err != nil {
		return s.wrap("finishing audit entry", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.wrap("finishing audit entry", err)
	} else if n == 0 {
		var r string
		err := tx.QueryRowContext(ctx, `SELECT result FROM audit WHERE id = ?`, id).Scan(&r)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: audit entry %d", ErrNotFound, id)
		}
		if err != nil {
			return s.wrap("finishing audit entry", err)
		}
		return fmt.Errorf("%w: %d is %s", ErrAuditFinished, id, r)
	}
	if err := tx.Commit(); err != nil {
		return s.wrap("finishing audit entry", err)
	}
	return nil
}

// auditColumns is the column list scanAudit expects.
const auditColumns = `id, time_ns, actor, client_addr, request_id, uri, action, target,
	before_xml, after_xml, result, error, duration_ns`

type rowScanner interface{ Scan(dest ...any) error }

func scanAudit(r rowScanner) (AuditEntry, error) {
	var e AuditEntry
	var ns, dur int64
	err := r.Scan(&e.ID, &ns, &e.Actor, &e.ClientAddr, &e.RequestID, &e.URI, &e.Action, &e.Target,
		&e.Before, &e.After, &e.Result, &e.Error, &dur)
	e.Time = time.Unix(0, ns).UTC()
	e.Duration = time.Duration(dur)
	return e, err
}

// AuditEntries returns one page of the history, newest first.
func (s *Store) AuditEntries(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	where, args, empty, err := s.auditWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	if empty {
		return nil, nil
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultAuditLimit
	}
	limit = min(limit, MaxAuditLimit)
	rows, err := s.r.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit`+where+
		` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: reading audit history: %w", err)
	}
	defer rows.Close()
	out := make([]AuditEntry, 0, limit)
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("store: reading audit history: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading audit history: %w", err)
	}
	return out, nil
}

// auditWhere turns q's filters into a WHERE clause. A time range becomes an ID range (times
// never decrease with the ID), found with two probes of the time index, so that filtered pages
// keep walking a filter's index in ID order instead of sorting everything in the range. empty
// reports a range that holds no row at all.
func (s *Store) auditWhere(ctx context.Context, q AuditQuery) (where string, args []any, empty bool, err error) {
	var conds []string
	add := func(cond string, v any) {
		conds = append(conds, cond)
		args = append(args, v)
	}
	if q.BeforeID > 0 {
		add("id < ?", q.BeforeID)
	}
	for _, f := range []struct{ col, v string }{
		{"target", q.Target}, {"action", q.Action}, {"actor", q.Actor}, {"result", q.Result},
	} {
		if f.v != "" {
			add(f.col+" = ?", f.v)
		}
	}
	if !q.Since.IsZero() {
		var lo int64
		err := s.r.QueryRowContext(ctx, `SELECT id FROM audit WHERE time_ns >= ? ORDER BY time_ns, id LIMIT 1`,
			q.Since.UnixNano()).Scan(&lo)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil, true, nil
		}
		if err != nil {
			return "", nil, false, fmt.Errorf("store: reading audit history: %w", err)
		}
		add("id >= ?", lo)
	}
	if !q.Until.IsZero() {
		var hi int64
		err := s.r.QueryRowContext(ctx, `SELECT id FROM audit WHERE time_ns < ? ORDER BY time_ns DESC, id DESC LIMIT 1`,
			q.Until.UnixNano()).Scan(&hi)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil, true, nil
		}
		if err != nil {
			return "", nil, false, fmt.Errorf("store: reading audit history: %w", err)
		}
		add("id <= ?", hi)
	}
	if len(conds) == 0 {
		return "", nil, false, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, false, nil
}

// AuditEntry returns one row; ErrNotFound when there is none.
func (s *Store) AuditEntry(ctx context.Context, id int64) (AuditEntry, error) {
	e, err := scanAudit(s.r.QueryRowContext(ctx, `SELECT `+auditColumns+` FROM audit WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return AuditEntry{}, fmt.Errorf("%w: audit entry %d", ErrNotFound, id)
	}
	if err != nil {
		return AuditEntry{}, fmt.Errorf("store: reading audit entry %d: %w", id, err)
	}
	return e, nil
}
