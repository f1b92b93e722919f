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
	// Note is what a person should know that the other fields do not say: the entry a
	// rollback restored, how a change made outside nwfilter-web was noticed. Written with the
	// row (BeginAudit) and covered by its begin event.
	Note string
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
	Domain   string    // rows about this domain: its NICs ("Domain/MAC" targets) and actions "domain.*"
	Since    time.Time // rows that started at or after Since (zero: no bound)
	Until    time.Time // rows that started before Until (zero: no bound)
}

// BeginAudit writes the row before the libvirt call (Result pending) and returns its ID. The
// Result, After, Error and Duration of e are ignored: FinishAudit records them. A zero Time means
// now; a Time earlier than the newest row's is raised to it, so that history order (by ID) and
// time order always agree. The row's begin event joins the hash chain in the same transaction.
func (s *Store) BeginAudit(ctx context.Context, e AuditEntry) (int64, error) {
	if e.Action == "" || e.Target == "" {
		return 0, errors.New("store: audit entry needs an action and a target")
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Result, e.After, e.Error, e.Duration = ResultPending, "", "", 0
	err := s.write(ctx, "beginning audit entry", func(ctx context.Context, tx sqlTx) error {
		row := e
		ns := row.Time.UnixNano()
		last, err := lastAuditTime(ctx, tx)
		if err != nil {
			return err
		}
		ns = max(ns, last)
		row.Time = timeFromNS(ns)
		res, err := tx.ExecContext(ctx, sqlBeginAudit,
			ns, row.Actor, row.ClientAddr, row.RequestID, row.URI, row.Action, row.Target, row.Before, row.Note)
		if err != nil {
			return err
		}
		if row.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		if err := appendEvent(ctx, tx, eventBegin, &row); err != nil {
			return err
		}
		e.ID = row.ID
		return nil
	})
	if err != nil {
		return 0, err
	}
	return e.ID, nil
}

// lastAuditTime is the newest row's time, also when every row has been archived.
func lastAuditTime(ctx context.Context, tx sqlTx) (int64, error) {
	var ns int64
	err := tx.QueryRowContext(ctx, sqlLastAuditTime).Scan(&ns)
	return ns, err
}

// The statements of every audit row's two writes, prepared once by the writer (writer.go).
const (
	sqlBeginAudit = `INSERT INTO audit
		(time_ns, actor, client_addr, request_id, uri, action, target, before_xml, result, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`
	sqlLastAuditTime = `SELECT coalesce(
		(SELECT time_ns FROM audit ORDER BY id DESC LIMIT 1),
		(SELECT last_time_ns FROM audit_anchor WHERE id = 1), 0)`
	sqlFinishAudit = `UPDATE audit SET result = ?, after_xml = ?, error = ?, duration_ns = ?
		WHERE id = ? AND result = 'pending'`
	sqlAuditTarget = `SELECT target, action FROM audit WHERE id = ?`
)

// FinishAudit completes the row after the call: result ok with the XML after, or error with
// libvirt's message. A row is finished once: ErrAuditFinished after that, ErrNotFound for an
// unknown ID. The row's finish event joins the hash chain, and an ok result makes after the
// target's last known XML (see LastKnown), all in one transaction: there is no moment at which
// the history and the "changed outside" baseline disagree.
func (s *Store) FinishAudit(ctx context.Context, id int64, result, after, errMsg string, d time.Duration) error {
	if result != ResultOK && result != ResultError {
		return fmt.Errorf("store: finishing audit entry %d: result must be %q or %q, not %q", id, ResultOK, ResultError, result)
	}
	return s.write(ctx, "finishing audit entry", func(ctx context.Context, tx sqlTx) error {
		res, err := tx.ExecContext(ctx, sqlFinishAudit, result, after, errMsg, int64(d), id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			var r string
			err := tx.QueryRowContext(ctx, `SELECT result FROM audit WHERE id = ?`, id).Scan(&r)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: audit entry %d", ErrNotFound, id)
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("%w: %d is %s", ErrAuditFinished, id, r)
		}
		var target, action string
		if err := tx.QueryRowContext(ctx, sqlAuditTarget, id).Scan(&target, &action); err != nil {
			return err
		}
		e := AuditEntry{ID: id, Result: result, After: after, Error: errMsg, Duration: d}
		if err := appendEvent(ctx, tx, eventFinish, &e); err != nil {
			return err
		}
		if result == ResultOK && hasLastKnown(action) {
			return setLastKnown(ctx, tx, target, after, id)
		}
		return nil
	})
}

// hasLastKnown reports whether an action's target has a last known version: filters (named
// by their name) and NICs ("domain/MAC"), the two kinds compared for changes made outside.
// A VM's start and stop (named by the domain) and bindings (by the port device) have none:
// their names may equal a filter's, whose last known version they would overwrite.
func hasLastKnown(action string) bool {
	return strings.HasPrefix(action, "filter.") || strings.HasPrefix(action, "nic.")
}

// auditColumns is the column list scanAudit expects.
const auditColumns = `id, time_ns, actor, client_addr, request_id, uri, action, target,
	before_xml, after_xml, result, error, duration_ns, note`

type rowScanner interface{ Scan(dest ...any) error }

func scanAudit(r rowScanner) (AuditEntry, error) {
	var e AuditEntry
	var ns, dur int64
	err := r.Scan(&e.ID, &ns, &e.Actor, &e.ClientAddr, &e.RequestID, &e.URI, &e.Action, &e.Target,
		&e.Before, &e.After, &e.Result, &e.Error, &dur, &e.Note)
	e.Time, e.Duration = timeFromNS(ns), timeDuration(dur)
	return e, err
}

// timeFromNS is how times are read back: UTC, nanosecond precision, no monotonic reading.
func timeFromNS(ns int64) time.Time { return time.Unix(0, ns).UTC() }

func timeDuration(ns int64) time.Duration { return time.Duration(ns) }

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
// keep walking a filter's index in ID order instead of sorting everything in the range. The
// cursor and the range are folded into one lower and one upper ID bound: SQLite uses at most one
// bound of each side on the rowid, and a walk down from a cursor far above the range's end would
// otherwise read every row in between. empty reports a selection that holds no row at all.
func (s *Store) auditWhere(ctx context.Context, q AuditQuery) (where string, args []any, empty bool, err error) {
	var conds []string
	add := func(cond string, v any) {
		conds = append(conds, cond)
		args = append(args, v)
	}
	for _, f := range []struct{ col, v string }{
		{"target", q.Target}, {"action", q.Action}, {"actor", q.Actor}, {"result", q.Result}, {"domain", q.Domain},
	} {
		if f.v != "" {
			add(f.col+" = ?", f.v)
		}
	}
	var lo, hi int64 = 0, -1 // hi -1: no upper bound
	if q.BeforeID > 0 {
		hi = q.BeforeID - 1
	}
	if !q.Since.IsZero() {
		var first int64
		err := s.r.QueryRowContext(ctx, `SELECT id FROM audit WHERE time_ns >= ? ORDER BY time_ns, id LIMIT 1`,
			q.Since.UnixNano()).Scan(&first)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil, true, nil
		}
		if err != nil {
			return "", nil, false, fmt.Errorf("store: reading audit history: %w", err)
		}
		lo = first
	}
	if !q.Until.IsZero() {
		var last int64
		err := s.r.QueryRowContext(ctx, `SELECT id FROM audit WHERE time_ns < ? ORDER BY time_ns DESC, id DESC LIMIT 1`,
			q.Until.UnixNano()).Scan(&last)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil, true, nil
		}
		if err != nil {
			return "", nil, false, fmt.Errorf("store: reading audit history: %w", err)
		}
		if hi < 0 || last < hi {
			hi = last
		}
	}
	if hi >= 0 && hi < max(lo, 1) {
		return "", nil, true, nil
	}
	if lo > 0 {
		add("id >= ?", lo)
	}
	if hi >= 0 {
		add("id <= ?", hi)
	}
	if len(conds) == 0 {
		return "", nil, false, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, false, nil
}

// Timeline returns one page of the history of one target (q.Target: a filter, a NIC as
// "domain/MAC", a binding's port device) or of one VM (q.Domain: the domain and all its NICs),
// newest first. It is AuditEntries insisting on one of the two, so that the timeline of
// "nothing" is an error rather than the whole history.
func (s *Store) Timeline(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	if q.Target == "" && q.Domain == "" {
		return nil, errors.New("store: a timeline needs a target or a domain")
	}
	return s.AuditEntries(ctx, q)
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
