package store

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"
)

// exportPage is how many rows each read of an export fetches.
const exportPage = 500

// AuditRows yields every row q selects, newest first, starting below q.BeforeID. Here q.Limit
// caps the total (0: no cap), not a page. Rows are read one keyset page at a time, so memory
// stays flat and no read transaction is held open across a slow consumer; rows appended during
// the walk are newer than where it started and do not show up in it. The walk stops at the first
// error, which is yielded.
func (s *Store) AuditRows(ctx context.Context, q AuditQuery) iter.Seq2[AuditEntry, error] {
	return func(yield func(AuditEntry, error) bool) {
		left := q.Limit
		for {
			page := q
			page.Limit = exportPage
			if left > 0 {
				page.Limit = min(exportPage, left)
			}
			rows, err := s.AuditEntries(ctx, page)
			if err != nil {
				yield(AuditEntry{}, err)
				return
			}
			for _, e := range rows {
				if !yield(e, nil) {
					return
				}
			}
			if left > 0 {
				if left -= len(rows); left <= 0 {
					return
				}
			}
			if len(rows) < page.Limit {
				return
			}
			q.BeforeID = rows[len(rows)-1].ID
		}
	}
}

// csvHeader is the first line of ExportCSV.
var csvHeader = []string{"id", "time", "actor", "client_addr", "request_id", "uri", "action", "target",
	"result", "error", "duration_ms", "before", "after", "note"}

// ExportCSV writes the rows q selects (see AuditRows) as CSV with a header line and returns how
// many rows it wrote. Times are RFC 3339 in UTC. A text cell that a spreadsheet would run as a
// formula (starting with = + - @, tab or carriage return) is prefixed with a single quote, the
// usual defence against CSV injection; actors, targets and libvirt messages come from outside.
func (s *Store) ExportCSV(ctx context.Context, w io.Writer, q AuditQuery) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return 0, fmt.Errorf("store: exporting CSV: %w", err)
	}
	n := 0
	for e, err := range s.AuditRows(ctx, q) {
		if err != nil {
			return n, err
		}
		rec := []string{strconv.FormatInt(e.ID, 10), e.Time.Format(time.RFC3339Nano),
			csvText(e.Actor), csvText(e.ClientAddr), csvText(e.RequestID), csvText(e.URI), csvText(e.Action),
			csvText(e.Target), e.Result, csvText(e.Error),
			strconv.FormatFloat(float64(e.Duration)/float64(time.Millisecond), 'f', -1, 64),
			csvText(e.Before), csvText(e.After), csvText(e.Note)}
		if err := cw.Write(rec); err != nil {
			return n, fmt.Errorf("store: exporting CSV: %w", err)
		}
		n++
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, fmt.Errorf("store: exporting CSV: %w", err)
	}
	return n, nil
}

// csvText neutralises spreadsheet formulas.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ExportedEntry is one line of ExportJSONL.
type ExportedEntry struct {
	ID         int64     `json:"id"`
	Time       time.Time `json:"time"`
	Actor      string    `json:"actor"`
	ClientAddr string    `json:"client_addr"`
	RequestID  string    `json:"request_id"`
	URI        string    `json:"uri"`
	Action     string    `json:"action"`
	Target     string    `json:"target"`
	Before     string    `json:"before"`
	After      string    `json:"after"`
	Result     string    `json:"result"`
	Error      string    `json:"error"`
	DurationNS int64     `json:"duration_ns"`
	Note       string    `json:"note,omitempty"`
}

// ExportJSONL writes the rows q selects (see AuditRows) as JSON Lines, one ExportedEntry per
// line, and returns how many rows it wrote.
func (s *Store) ExportJSONL(ctx context.Context, w io.Writer, q AuditQuery) (int, error) {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	n := 0
	for e, err := range s.AuditRows(ctx, q) {
		if err != nil {
			return n, err
		}
		if err := enc.Encode(ExportedEntry{ID: e.ID, Time: e.Time, Actor: e.Actor, ClientAddr: e.ClientAddr,
			RequestID: e.RequestID, URI: e.URI, Action: e.Action, Target: e.Target, Before: e.Before,
			After: e.After, Result: e.Result, Error: e.Error, DurationNS: int64(e.Duration), Note: e.Note}); err != nil {
			return n, fmt.Errorf("store: exporting JSON Lines: %w", err)
		}
		n++
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("store: exporting JSON Lines: %w", err)
	}
	return n, nil
}
