package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrLastKnownChanged is returned by RecordOutsideChange when the target's last known XML is no
// longer the change's Before: a change recorded meanwhile (FinishAudit, another check) already
// accounts for what was seen, and recording it again would invent a change.
var ErrLastKnownChanged = errors.New("store: the target's last known XML changed meanwhile")

// RecordChanges writes changes that are already complete (Result ok, error, or pending for an
// outcome nobody knows) in one transaction, in order, and returns their IDs. Each row gets its
// begin event and, unless pending, its finish event, chained as BeginAudit and FinishAudit would
// chain them; an ok row's After becomes its target's last known XML. Zero times mean now, and
// times are raised so they never decrease with the ID. It is how a batch is recorded in one
// durable commit instead of two per row: imports, and the generator of the benchmarks' history.
func (s *Store) RecordChanges(ctx context.Context, es []AuditEntry) ([]int64, error) {
	if err := checkFinished(es); err != nil {
		return nil, err
	}
	var ids []int64
	err := s.write(ctx, "recording changes", func(ctx context.Context, tx sqlTx) error {
		var err error
		ids, err = insertFinished(ctx, tx, es)
		return err
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// RecordOutsideChange records a change made outside nwfilter-web (e.Before the target's last
// known XML, e.After what libvirt has now), finished in one transaction, and makes e.After the
// last known XML. A target nothing is known of counts as last known "" (created outside: the
// caller decides that a first sighting is a creation, not a baseline). It refuses with
// ErrLastKnownChanged when the last known XML is no longer e.Before, so two checks racing each
// other, or a check racing a change of our own, never record one difference twice.
func (s *Store) RecordOutsideChange(ctx context.Context, e AuditEntry) (int64, error) {
	if err := checkFinished([]AuditEntry{e}); err != nil {
		return 0, err
	}
	var id int64
	err := s.write(ctx, "recording a change made outside", func(ctx context.Context, tx sqlTx) error {
		var known string
		err := tx.QueryRowContext(ctx, `SELECT xml FROM last_known WHERE target = ?`, e.Target).Scan(&known)
		if errors.Is(err, sql.ErrNoRows) {
			known, err = "", nil
		}
		if err != nil {
			return err
		}
		if known != e.Before {
			return fmt.Errorf("%w: %s", ErrLastKnownChanged, e.Target)
		}
		ids, err := insertFinished(ctx, tx, []AuditEntry{e})
		if err != nil {
			return err
		}
		id = ids[0]
		return nil
	})
	return id, err
}

func checkFinished(es []AuditEntry) error {
	for i, e := range es {
		if e.Action == "" || e.Target == "" {
			return fmt.Errorf("store: change %d needs an action and a target", i)
		}
		switch e.Result {
		case ResultOK, ResultError, ResultPending:
		default:
			return fmt.Errorf("store: change %d: result must be %q, %q or %q, not %q", i, ResultOK, ResultError, ResultPending, e.Result)
		}
	}
	return nil
}

// insertFinished inserts rows with their events, keeping the chain head in hand rather than
// reading it back for every event.
func insertFinished(ctx context.Context, tx sqlTx, es []AuditEntry) ([]int64, error) {
	prev, err := chainHead(ctx, tx)
	if err != nil {
		return nil, err
	}
	last, err := lastAuditTime(ctx, tx)
	if err != nil {
		return nil, err
	}
	insRow, err := tx.PrepareContext(ctx, `INSERT INTO audit (time_ns, actor, client_addr, request_id, uri,
		action, target, before_xml, after_xml, result, error, duration_ns, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return nil, err
	}
	defer insRow.Close()
	insEvent, err := tx.PrepareContext(ctx, sqlAppendEvent)
	if err != nil {
		return nil, err
	}
	defer insEvent.Close()
	now := time.Now()
	ids := make([]int64, 0, len(es))
	for _, e := range es {
		if e.Time.IsZero() {
			e.Time = now
		}
		last = max(last, e.Time.UnixNano())
		e.Time = timeFromNS(last)
		if e.Result == ResultPending {
			e.After, e.Error, e.Duration = "", "", 0
		}
		res, err := insRow.ExecContext(ctx, last, e.Actor, e.ClientAddr, e.RequestID, e.URI, e.Action, e.Target,
			e.Before, e.After, e.Result, e.Error, int64(e.Duration), e.Note)
		if err != nil {
			return nil, err
		}
		if e.ID, err = res.LastInsertId(); err != nil {
			return nil, err
		}
		kinds := []string{eventBegin, eventFinish}
		if e.Result == ResultPending {
			kinds = kinds[:1]
		}
		for _, k := range kinds {
			h := eventHash(prev, k, &e)
			if _, err := insEvent.ExecContext(ctx, e.ID, k, prev, h); err != nil {
				return nil, err
			}
			prev = h
		}
		if e.Result == ResultOK && hasLastKnown(e.Action) {
			if err := setLastKnown(ctx, tx, e.Target, e.After, e.ID); err != nil {
				return nil, err
			}
		}
		ids = append(ids, e.ID)
	}
	return ids, nil
}
