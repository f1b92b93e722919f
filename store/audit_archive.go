package store

// Retention: ArchiveBefore moves the oldest part of the history into a file of its own without
// breaking verification.
//
// The chain is cut at an event S: every event up to S moves to the archive file, with the rows
// they cover, and the live database keeps an anchor (S and its hash) that VerifyChain starts
// from. The archive is a database of the same schema: its own anchor is the one the live
// database had before (none the first time), so it verifies by itself with `nwfilter-web audit
// verify --db FILE`, and the head it verifies to is the anchor the live chain now starts from.
// Archives made one after another link up the same way, oldest to newest.
//
// Rows begin and finish as separate events, and a row may finish after newer rows began. S is
// the last event before the first row that is not old enough, moved back before the begin event
// of any row that finished after it, so that no row is split between the files.

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// archiveBatch is how many rows each copying transaction moves into the archive file.
const archiveBatch = 2000

// ArchiveResult says what ArchiveBefore moved.
type ArchiveResult struct {
	Rows    int64  // rows moved (0: nothing was old enough, and no file was written)
	Events  int64  // chain events moved
	FirstID int64  // the oldest and newest row moved
	LastID  int64  //
	Path    string // the archive file
	Anchor  string // hex hash of the last moved event: where the live chain now starts
}

// chainEvent is one row of audit_chain.
type chainEvent struct {
	seq            int64
	auditID        int64
	kind           string
	prevHash, hash []byte
}

// ArchiveBefore moves every row that started before `before` (and whose chain events all precede
// those of newer rows) into a new database file at path, verifies that file, and only then
// deletes the rows here and anchors the chain at the last moved event. path must not exist.
// When no row is old enough it writes nothing and returns a zero Rows.
func (s *Store) ArchiveBefore(ctx context.Context, before time.Time, path string) (ArchiveResult, error) {
	res := ArchiveResult{}
	if s.roErr != nil {
		return res, s.roErr
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return res, fmt.Errorf("store: archiving: %w", err)
	}
	if abs == s.path {
		return res, errors.New("store: archiving: the archive cannot be the database itself")
	}
	res.Path = abs
	cut, lastID, err := s.archiveCut(ctx, before)
	if err != nil || cut == 0 {
		return res, err
	}
	if _, err := os.Stat(abs); err == nil {
		return res, fmt.Errorf("store: archiving: %s already exists: choose a new file", abs)
	}
	res, err = s.copyToArchive(ctx, abs, cut, lastID)
	if err != nil {
		os.Remove(abs)
		os.Remove(abs + "-wal")
		os.Remove(abs + "-shm")
		return ArchiveResult{}, err
	}
	err = s.write(ctx, "archiving", func(ctx context.Context, tx sqlTx) error {
		return dropArchived(ctx, tx, res, cut)
	})
	if err != nil {
		return ArchiveResult{}, fmt.Errorf("%w (the archive %s was written but nothing was removed here; delete it and try again)", err, abs)
	}
	return res, nil
}

// archiveCut finds the last event S to archive and the newest row it covers; 0 when none.
func (s *Store) archiveCut(ctx context.Context, before time.Time) (cut, lastID int64, err error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, 0, fmt.Errorf("store: archiving: %w", err)
	}
	defer tx.Rollback()
	fail := func(err error) (int64, int64, error) { return 0, 0, fmt.Errorf("store: archiving: %w", err) }

	// Begin events are written in the same transaction as their rows, so they follow ID order:
	// the first row not old enough begins at the first event that must stay.
	var keepFrom sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT c.seq FROM audit_chain c WHERE c.event = 'begin' AND c.audit_id =
		(SELECT id FROM audit WHERE time_ns >= ? ORDER BY time_ns, id LIMIT 1)`, before.UnixNano()).Scan(&keepFrom)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fail(err)
	}
	if keepFrom.Valid {
		cut = keepFrom.Int64 - 1
	} else if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM audit_chain`).Scan(&cut); err != nil {
		return fail(err)
	}
	// A row that began before the cut and finished after it stays, and so does everything after
	// its begin event. Moving the cut back can strand another row, hence the loop.
	for cut > 0 {
		var straddler sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT min(b.seq) FROM audit_chain b JOIN audit_chain f
			ON f.audit_id = b.audit_id AND f.event = 'finish'
			WHERE b.event = 'begin' AND b.seq <= ? AND f.seq > ?`, cut, cut).Scan(&straddler)
		if err != nil {
			return fail(err)
		}
		if !straddler.Valid {
			break
		}
		cut = straddler.Int64 - 1
	}
	var anchorSeq int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce((SELECT seq FROM audit_anchor WHERE id = 1), 0)`).Scan(&anchorSeq); err != nil {
		return fail(err)
	}
	if cut <= anchorSeq {
		return 0, 0, nil
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(audit_id), 0) FROM audit_chain WHERE seq <= ? AND event = 'begin'`,
		cut).Scan(&lastID); err != nil {
		return fail(err)
	}
	if lastID == 0 {
		return 0, 0, nil
	}
	return cut, lastID, nil
}

// copyToArchive creates the archive file, copies the rows up to lastID and the events up to cut
// into it, batch by batch, and verifies it.
func (s *Store) copyToArchive(ctx context.Context, path string, cut, lastID int64) (ArchiveResult, error) {
	res := ArchiveResult{Path: path}
	a, err := Open(ctx, path)
	if err != nil {
		return res, err
	}
	defer a.Close()
	// The archive starts where the live chain starts now.
	var anchor struct {
		seq, lastID, lastTime, rows int64
		hash                        []byte
		path                        string
	}
	err = s.r.QueryRowContext(ctx, `SELECT seq, hash, last_audit_id, last_time_ns, archived_rows, archive_path
		FROM audit_anchor WHERE id = 1`).Scan(&anchor.seq, &anchor.hash, &anchor.lastID, &anchor.lastTime, &anchor.rows, &anchor.path)
	switch {
	case err == nil:
		err = a.write(ctx, "archiving: the anchor", func(ctx context.Context, tx sqlTx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO audit_anchor (id, seq, hash, last_audit_id, last_time_ns,
				archived_rows, archive_path, updated_ns) VALUES (1, ?, ?, ?, ?, ?, ?, ?)`,
				anchor.seq, anchor.hash, anchor.lastID, anchor.lastTime, anchor.rows, anchor.path, time.Now().UnixNano())
			return err
		})
		if err != nil {
			return res, err
		}
	case !errors.Is(err, sql.ErrNoRows):
		return res, fmt.Errorf("store: archiving: %w", err)
	}

	// Rows, one batch at a time.
	after := int64(0)
	for {
		rows, err := s.readRows(ctx, after, lastID, archiveBatch)
		if err != nil {
			return res, err
		}
		if len(rows) == 0 {
			break
		}
		if res.FirstID == 0 {
			res.FirstID = rows[0].ID
		}
		err = a.write(ctx, "archiving rows", func(ctx context.Context, tx sqlTx) error {
			st, err := tx.PrepareContext(ctx, `INSERT INTO audit (id, time_ns, actor, client_addr, request_id, uri,
				action, target, before_xml, after_xml, result, error, duration_ns, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
			if err != nil {
				return err
			}
			defer st.Close()
			for _, e := range rows {
				if _, err := st.ExecContext(ctx, e.ID, e.Time.UnixNano(), e.Actor, e.ClientAddr, e.RequestID, e.URI,
					e.Action, e.Target, e.Before, e.After, e.Result, e.Error, int64(e.Duration), e.Note); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return res, err
		}
		res.Rows += int64(len(rows))
		res.LastID = rows[len(rows)-1].ID
		after = res.LastID
	}

	// Events, one batch at a time.
	afterSeq := anchor.seq
	var lastHash []byte
	for {
		evs, err := s.readEvents(ctx, afterSeq, cut, 4*archiveBatch)
		if err != nil {
			return res, err
		}
		if len(evs) == 0 {
			break
		}
		err = a.write(ctx, "archiving chain events", func(ctx context.Context, tx sqlTx) error {
			st, err := tx.PrepareContext(ctx, `INSERT INTO audit_chain (seq, audit_id, event, prev_hash, hash) VALUES (?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer st.Close()
			for _, ev := range evs {
				if _, err := st.ExecContext(ctx, ev.seq, ev.auditID, ev.kind, ev.prevHash, ev.hash); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return res, err
		}
		res.Events += int64(len(evs))
		afterSeq, lastHash = evs[len(evs)-1].seq, evs[len(evs)-1].hash
	}
	if afterSeq != cut {
		return res, fmt.Errorf("store: archiving: the chain ends at event %d, not %d", afterSeq, cut)
	}
	res.Anchor = hex.EncodeToString(lastHash)

	v, err := a.VerifyChain(ctx)
	if err != nil {
		return res, err
	}
	if !v.OK {
		return res, fmt.Errorf("store: archiving: the history does not verify (row %d: %s); run nwfilter-web audit verify, nothing was archived",
			v.FirstBrokenID, v.Reason)
	}
	if v.Head != res.Anchor || v.Rows != int(res.Rows) {
		return res, fmt.Errorf("store: archiving: the archive verifies to %s over %d rows, expected %s over %d", v.Head, v.Rows, res.Anchor, res.Rows)
	}
	return res, nil
}

// readRows reads up to n rows with after < id <= upTo, oldest first.
func (s *Store) readRows(ctx context.Context, after, upTo int64, n int) ([]AuditEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`, after, upTo, n)
	if err != nil {
		return nil, fmt.Errorf("store: archiving: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("store: archiving: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// readEvents reads up to n chain events with after < seq <= upTo, in order.
func (s *Store) readEvents(ctx context.Context, after, upTo int64, n int) ([]chainEvent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, audit_id, event, prev_hash, hash FROM audit_chain
		WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`, after, upTo, n)
	if err != nil {
		return nil, fmt.Errorf("store: archiving: %w", err)
	}
	defer rows.Close()
	var out []chainEvent
	for rows.Next() {
		var ev chainEvent
		if err := rows.Scan(&ev.seq, &ev.auditID, &ev.kind, &ev.prevHash, &ev.hash); err != nil {
			return nil, fmt.Errorf("store: archiving: %w", err)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// dropArchived removes what was copied and anchors the chain at the cut, after checking, under
// the write lock, that nothing it depends on changed since the copy: the same events up to the
// cut, and no archived row finished meanwhile.
func dropArchived(ctx context.Context, tx sqlTx, res ArchiveResult, cut int64) error {
	var n, anchorSeq int64
	var hash []byte
	if err := tx.QueryRowContext(ctx, `SELECT coalesce((SELECT seq FROM audit_anchor WHERE id = 1), 0)`).Scan(&anchorSeq); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_chain WHERE seq > ? AND seq <= ?`, anchorSeq, cut).Scan(&n); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `SELECT hash FROM audit_chain WHERE seq = ?`, cut).Scan(&hash); err != nil {
		return err
	}
	if n != res.Events || hex.EncodeToString(hash) != res.Anchor {
		return errors.New("store: archiving: the history changed while it was being archived")
	}
	var late int64
	err := tx.QueryRowContext(ctx, `SELECT audit_id FROM audit_chain WHERE audit_id <= ? AND seq > ? LIMIT 1`, res.LastID, cut).Scan(&late)
	if err == nil {
		return fmt.Errorf("store: archiving: row %d finished while it was being archived", late)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	var lastTime, rows int64
	if err := tx.QueryRowContext(ctx, `SELECT time_ns FROM audit WHERE id = ?`, res.LastID).Scan(&lastTime); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce((SELECT archived_rows FROM audit_anchor WHERE id = 1), 0)`).Scan(&rows); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM audit_chain WHERE seq <= ?`, cut); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM audit WHERE id <= ?`, res.LastID); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_anchor (id, seq, hash, last_audit_id, last_time_ns, archived_rows,
		archive_path, updated_ns) VALUES (1, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, last_audit_id = excluded.last_audit_id,
		last_time_ns = excluded.last_time_ns, archived_rows = excluded.archived_rows, archive_path = excluded.archive_path,
		updated_ns = excluded.updated_ns`,
		cut, hash, res.LastID, lastTime, rows+res.Rows, res.Path, time.Now().UnixNano())
	return err
}
