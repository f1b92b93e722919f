package store

// The audit hash chain: tamper evidence for the history.
//
// A row is written twice: BeginAudit inserts it before the libvirt call and FinishAudit
// completes it afterwards, and other rows may begin and finish in between. Hashing a row once
// would mean either leaving pending rows out of the chain (so a crash's "outcome unknown" rows,
// the ones an incident review cares most about, could be edited unseen) or chaining rows in an
// order other than their IDs. Instead the chain is made of events, kept in audit_chain in commit
// order: a 'begin' event covers the fields BeginAudit wrote, a 'finish' event the fields
// FinishAudit wrote. Each event stores prev_hash (the hash of the event before it; 32 zero bytes
// for the first, or the anchor after archiving) and
//
//	hash = SHA-256("nwfilter-web audit v1\x00" || prev_hash || kind || fields)
//
// where kind is "begin" or "finish", and every field is encoded canonically: an integer as 8
// bytes big-endian (two's complement), a string as its byte length (8 bytes big-endian)
// followed by its bytes. begin fields: id, time_ns, actor, client_addr, request_id, uri, action,
// target, before_xml, then note only when it is not empty (schema step 6 added it; rows
// written before have none, and their hashes stay what they were). finish fields: id, result,
// after_xml, error, duration_ns.
//
// VerifyChain recomputes every event from the row as it is now, so it detects an edited field
// (the covering event's hash differs), a deleted or reordered event (its successor's prev_hash
// or the sequence breaks), a deleted row (an event without its row), a row added without events,
// a pending row whose result was filled in behind the store's back, and the newest events
// being cut off (the chain ends before the sequence SQLite last handed out). What a hash chain
// cannot detect alone is someone rewriting the whole chain from the edit onwards: record
// VerifyResult.Head somewhere else (a log, a ticket) and compare it later to close that gap.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
)

// Chain event kinds.
const (
	eventBegin  = "begin"
	eventFinish = "finish"
)

// genesis is the prev_hash of the very first event.
var genesis = make([]byte, sha256.Size)

// hashWriter encodes fields canonically into a running SHA-256.
type hashWriter struct {
	h   hash.Hash
	buf [8]byte
}

func (w *hashWriter) int(v int64) {
	binary.BigEndian.PutUint64(w.buf[:], uint64(v))
	w.h.Write(w.buf[:])
}

func (w *hashWriter) str(v string) {
	w.int(int64(len(v)))
	w.h.Write([]byte(v))
}

// eventHash is the hash of the kind event of row e chained to prev.
func eventHash(prev []byte, kind string, e *AuditEntry) []byte {
	w := hashWriter{h: sha256.New()}
	w.h.Write([]byte("nwfilter-web audit v1\x00"))
	w.h.Write(prev)
	w.str(kind)
	w.int(e.ID)
	switch kind {
	case eventBegin:
		w.int(e.Time.UnixNano())
		w.str(e.Actor)
		w.str(e.ClientAddr)
		w.str(e.RequestID)
		w.str(e.URI)
		w.str(e.Action)
		w.str(e.Target)
		w.str(e.Before)
		if e.Note != "" {
			w.str(e.Note)
		}
	case eventFinish:
		w.str(e.Result)
		w.str(e.After)
		w.str(e.Error)
		w.int(int64(e.Duration))
	}
	return w.h.Sum(nil)
}

// chainHead is the hash the next event chains to: the newest event's, else the archive anchor's,
// else genesis.
func chainHead(ctx context.Context, tx sqlTx) ([]byte, error) {
	var h []byte
	err := tx.QueryRowContext(ctx, sqlChainHead).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, sqlAnchorHash).Scan(&h)
		if errors.Is(err, sql.ErrNoRows) {
			return genesis, nil
		}
	}
	return h, err
}

// appendEvent chains the kind event of row e (as written in this transaction).
func appendEvent(ctx context.Context, tx sqlTx, kind string, e *AuditEntry) error {
	prev, err := chainHead(ctx, tx)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, sqlAppendEvent, e.ID, kind, prev, eventHash(prev, kind, e))
	return err
}

// The chain's statements of every audit write, prepared once by the writer (writer.go).
const (
	sqlChainHead   = `SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1`
	sqlAnchorHash  = `SELECT hash FROM audit_anchor WHERE id = 1`
	sqlAppendEvent = `INSERT INTO audit_chain (audit_id, event, prev_hash, hash) VALUES (?, ?, ?, ?)`
)

// chainExistingRows chains the rows written before the chain existed (schema step 2), in ID
// order: each row's begin event, then its finish event when it has one. It reads the columns
// the table had at step 2, not today's.
func chainExistingRows(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, time_ns, actor, client_addr, request_id, uri, action, target,
		before_xml, after_xml, result, error, duration_ns FROM audit ORDER BY id`)
	if err != nil {
		return err
	}
	var all []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var ns, dur int64
		err := rows.Scan(&e.ID, &ns, &e.Actor, &e.ClientAddr, &e.RequestID, &e.URI, &e.Action, &e.Target,
			&e.Before, &e.After, &e.Result, &e.Error, &dur)
		e.Time, e.Duration = timeFromNS(ns), timeDuration(dur)
		if err != nil {
			rows.Close()
			return err
		}
		all = append(all, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	prev := genesis
	for i := range all {
		e := &all[i]
		kinds := []string{eventBegin}
		if e.Result != ResultPending {
			kinds = append(kinds, eventFinish)
		}
		for _, k := range kinds {
			h := eventHash(prev, k, e)
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_chain (audit_id, event, prev_hash, hash) VALUES (?, ?, ?, ?)`,
				e.ID, k, prev, h); err != nil {
				return err
			}
			prev = h
		}
	}
	return nil
}

// VerifyResult is the outcome of VerifyChain.
type VerifyResult struct {
	OK            bool
	Rows          int    // audit rows whose events were checked (archived rows not included)
	Events        int    // chain events checked
	FirstBrokenID int64  // the audit row where the chain first breaks (0 when OK)
	Reason        string // what is wrong there, for a person
	Head          string // hex hash of the newest event: record it elsewhere to detect a rewritten chain
	AnchorSeq     int64  // the archive anchor the chain starts from (0: from the beginning)
	// The anchor's hash (hex), and how many rows were archived where: the archive file's own
	// verification must end at this hash (its Head), which links the two.
	AnchorHash   string
	ArchivedRows int64
	ArchivePath  string
}

// VerifyChain recomputes the hash chain over the whole history in this file, from the archive
// anchor (if rows were archived; see ArchiveBefore) to the newest event, and reports the first
// break. A broken chain is a result (OK false), not an error; err is for failing to read.
func (s *Store) VerifyChain(ctx context.Context) (VerifyResult, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return VerifyResult{}, fmt.Errorf("store: verifying the audit chain: %w", err)
	}
	defer tx.Rollback()
	res, err := verifyChain(ctx, tx, true)
	if err != nil {
		return VerifyResult{}, fmt.Errorf("store: verifying the audit chain: %w", err)
	}
	return res, nil
}

// verifyChain walks the chain in tx's database: from its anchor when anchored and it has one
// (rows were archived from it, or it is an archive made after an earlier one), else from genesis.
func verifyChain(ctx context.Context, tx *sql.Tx, anchored bool) (VerifyResult, error) {
	var res VerifyResult
	prev, nextSeq := genesis, int64(1)
	broken := func(id int64, format string, args ...any) (VerifyResult, error) {
		res.FirstBrokenID, res.Reason = id, fmt.Sprintf(format, args...)
		return res, nil
	}
	if anchored {
		var anchor []byte
		var seq int64
		err := tx.QueryRowContext(ctx, `SELECT seq, hash, archived_rows, archive_path FROM audit_anchor WHERE id = 1`).
			Scan(&seq, &anchor, &res.ArchivedRows, &res.ArchivePath)
		switch {
		case err == nil:
			prev, nextSeq, res.AnchorSeq, res.AnchorHash = anchor, seq+1, seq, hex.EncodeToString(anchor)
		case !errors.Is(err, sql.ErrNoRows):
			return res, err
		}
	}

	rows, err := tx.QueryContext(ctx, `SELECT c.seq, c.audit_id, c.event, c.prev_hash, c.hash, a.id IS NOT NULL,
		coalesce(a.time_ns, 0), coalesce(a.actor, ''), coalesce(a.client_addr, ''), coalesce(a.request_id, ''),
		coalesce(a.uri, ''), coalesce(a.action, ''), coalesce(a.target, ''),
		CASE c.event WHEN 'begin' THEN coalesce(a.before_xml, '') ELSE '' END,
		CASE c.event WHEN 'finish' THEN coalesce(a.after_xml, '') ELSE '' END,
		coalesce(a.result, ''), coalesce(a.error, ''), coalesce(a.duration_ns, 0), coalesce(a.note, '')
		FROM audit_chain c LEFT JOIN audit a ON a.id = c.audit_id ORDER BY c.seq`)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	open := map[int64]bool{} // rows begun and not (yet) finished
	for rows.Next() {
		var seq int64
		var kind string
		var ph, h []byte
		var exists bool
		var e AuditEntry
		var ns, dur int64
		if err := rows.Scan(&seq, &e.ID, &kind, &ph, &h, &exists, &ns, &e.Actor, &e.ClientAddr, &e.RequestID,
			&e.URI, &e.Action, &e.Target, &e.Before, &e.After, &e.Result, &e.Error, &dur, &e.Note); err != nil {
			return res, err
		}
		e.Time, e.Duration = timeFromNS(ns), timeDuration(dur)
		switch {
		case seq != nextSeq:
			return broken(e.ID, "chain event %d follows event %d: events %d to %d are missing", seq, nextSeq-1, nextSeq, seq-1)
		case !bytes.Equal(ph, prev):
			return broken(e.ID, "chain event %d (%s of row %d) does not link to the event before it", seq, kind, e.ID)
		case !exists:
			return broken(e.ID, "row %d was deleted (its %s event %d remains)", e.ID, kind, seq)
		case !bytes.Equal(h, eventHash(prev, kind, &e)):
			return broken(e.ID, "row %d was changed after it was recorded: its %s fields do not match chain event %d (or the event's hash was changed)", e.ID, kind, seq)
		}
		switch kind {
		case eventBegin:
			open[e.ID] = true
			res.Rows++
		case eventFinish:
			if !open[e.ID] {
				return broken(e.ID, "row %d has a finish event (%d) without a begin event before it", e.ID, seq)
			}
			delete(open, e.ID)
		}
		prev, nextSeq = h, seq+1
		res.Events++
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	rows.Close()

	// A row that never finished must still look the way BeginAudit left it.
	for id := range open {
		var result, after, msg string
		var dur int64
		err := tx.QueryRowContext(ctx, `SELECT result, after_xml, error, duration_ns FROM audit WHERE id = ?`, id).
			Scan(&result, &after, &msg, &dur)
		if err != nil {
			return res, err
		}
		if result != ResultPending || after != "" || msg != "" || dur != 0 {
			return broken(id, "row %d was completed outside the store (it has no finish event)", id)
		}
	}
	// Every row must be in the chain.
	var unchained int64
	err = tx.QueryRowContext(ctx, `SELECT a.id FROM audit a WHERE NOT EXISTS
		(SELECT 1 FROM audit_chain c WHERE c.audit_id = a.id AND c.event = 'begin') ORDER BY a.id LIMIT 1`).Scan(&unchained)
	switch {
	case err == nil:
		return broken(unchained, "row %d is not in the chain (added outside the store)", unchained)
	case !errors.Is(err, sql.ErrNoRows):
		return res, err
	}
	// The newest events must not have been cut off: AUTOINCREMENT remembers the last sequence
	// it handed out. (Someone who edits sqlite_sequence as well defeats this; see Head.)
	var issued sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = 'audit_chain'`).Scan(&issued)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return res, err
	}
	if issued.Valid && issued.Int64 > nextSeq-1 {
		return broken(0, "the newest chain events (%d to %d) are missing", nextSeq, issued.Int64)
	}
	res.OK, res.Head = true, hex.EncodeToString(prev)
	return res, nil
}
