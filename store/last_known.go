package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// LastKnown returns the XML target had after the last change the store knows of: a filter name
// or "domain/MAC", as in AuditEntry.Target (only filter.* and nic.* changes keep one). "" means the target was
// known not to exist (undefined, detached). ErrNotFound means nothing is known about it yet,
// which is different: the first sighting is a baseline, not a change made outside.
//
// FinishAudit keeps it current for every successful change; SetLastKnown records a baseline
// or what a "changed outside" check found.
func (s *Store) LastKnown(ctx context.Context, target string) (string, error) {
	var xml string
	err := s.r.QueryRowContext(ctx, `SELECT xml FROM last_known WHERE target = ?`, target).Scan(&xml)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%w: no last known XML for %q", ErrNotFound, target)
	}
	if err != nil {
		return "", fmt.Errorf("store: reading the last known XML of %q: %w", target, err)
	}
	return xml, nil
}

// LastKnownAll returns every target's last known XML, for a periodic check that must also
// notice targets that disappeared outside nwfilter-web.
func (s *Store) LastKnownAll(ctx context.Context) (map[string]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT target, xml FROM last_known`)
	if err != nil {
		return nil, fmt.Errorf("store: reading last known XML: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var t, x string
		if err := rows.Scan(&t, &x); err != nil {
			return nil, fmt.Errorf("store: reading last known XML: %w", err)
		}
		out[t] = x
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading last known XML: %w", err)
	}
	return out, nil
}

// SetLastKnown records xml as target's last known XML ("" for "known not to exist").
func (s *Store) SetLastKnown(ctx context.Context, target, xml string) error {
	if target == "" {
		return errors.New("store: last known XML needs a target")
	}
	return s.write(ctx, "recording the last known XML of "+target, func(ctx context.Context, tx sqlTx) error {
		return setLastKnown(ctx, tx, target, xml, 0)
	})
}

// setLastKnown upserts the row; auditID 0 means "not from a change".
func setLastKnown(ctx context.Context, tx sqlTx, target, xml string, auditID int64) error {
	var id sql.NullInt64
	if auditID != 0 {
		id = sql.NullInt64{Int64: auditID, Valid: true}
	}
	_, err := tx.ExecContext(ctx, sqlSetLastKnown, target, xml, id, time.Now().UnixNano())
	return err
}

// sqlSetLastKnown runs with every successful change; the writer prepares it once (writer.go).
const sqlSetLastKnown = `INSERT INTO last_known (target, xml, audit_id, updated_ns) VALUES (?, ?, ?, ?)
	ON CONFLICT (target) DO UPDATE SET xml = excluded.xml, audit_id = excluded.audit_id, updated_ns = excluded.updated_ns`

// BaselineLastKnown records the XML of targets seen for the first time, in one transaction:
// each becomes its target's last known XML only when nothing is known of the target yet, so a
// baseline taken from a read that raced a change never overwrites what that change recorded.
func (s *Store) BaselineLastKnown(ctx context.Context, seen map[string]string) error {
	if len(seen) == 0 {
		return nil
	}
	return s.write(ctx, "recording first sightings", func(ctx context.Context, tx sqlTx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO last_known (target, xml, audit_id, updated_ns)
			VALUES (?, ?, NULL, ?) ON CONFLICT (target) DO NOTHING`)
		if err != nil {
			return err
		}
		defer st.Close()
		now := time.Now().UnixNano()
		for target, xml := range seen {
			if target == "" {
				return errors.New("store: last known XML needs a target")
			}
			if _, err := st.ExecContext(ctx, target, xml, now); err != nil {
				return err
			}
		}
		return nil
	})
}
