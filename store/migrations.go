package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations is the schema's history, oldest first. It is append-only: a step that has been
// committed may have run on someone's database, so it is never edited or reordered; a change is
// a new step. Step i (0-based) brings the database to version i+1, recorded in PRAGMA
// user_version inside the step's own transaction, so a crash leaves the schema at a version
// boundary and the step is simply run again on the next start.
//
// Each step says why it exists.
var migrations = []string{
	// 1: The audit history (issue 2). A row is written before the libvirt call with result
	// 'pending' and completed after it, so a crash in between leaves a visible "outcome
	// unknown" row. AUTOINCREMENT: an ID is never reused, even once old rows are archived, so
	// a page cursor or a link to an entry never lands on a different change. Times are Unix
	// nanoseconds (UTC) and never decrease with the ID (BeginAudit clamps them), which turns
	// a time range into an ID range. Each single-column index also orders by rowid inside a
	// key, so "filter = ? AND id < ? ORDER BY id DESC LIMIT n" walks one index backwards
	// without sorting: the keyset pages stay fast at millions of rows.
	`CREATE TABLE audit (
		id          INTEGER PRIMARY KEY AUTOINCREMENT,
		time_ns     INTEGER NOT NULL,
		actor       TEXT    NOT NULL,
		client_addr TEXT    NOT NULL DEFAULT '',
		request_id  TEXT    NOT NULL DEFAULT '',
		uri         TEXT    NOT NULL,
		action      TEXT    NOT NULL,
		target      TEXT    NOT NULL,
		before_xml  TEXT    NOT NULL DEFAULT '',
		after_xml   TEXT    NOT NULL DEFAULT '',
		result      TEXT    NOT NULL CHECK (result IN ('pending', 'ok', 'error')),
		error       TEXT    NOT NULL DEFAULT '',
		duration_ns INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX audit_target ON audit (target);
	CREATE INDEX audit_action ON audit (action);
	CREATE INDEX audit_actor  ON audit (actor);
	CREATE INDEX audit_result ON audit (result);
	CREATE INDEX audit_time   ON audit (time_ns);`,
}

// migrate brings the database up to len(migrations), one step per transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	for {
		done, err := migrateOne(ctx, db)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next pending step and reports whether there was none. The version is
// read inside the (immediate, hence locked) transaction, so two processes starting at once
// cannot both apply the same step.
func migrateOne(ctx context.Context, db *sql.DB) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return false, err
	}
	switch {
	case v > len(migrations):
		return false, fmt.Errorf("database schema version %d is newer than this program's %d: use a newer nwfilter-web", v, len(migrations))
	case v == len(migrations):
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
		return false, fmt.Errorf("schema step %d: %w", v+1, err)
	}
	// PRAGMA takes no bound parameters; v+1 is an int we computed.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
		return false, fmt.Errorf("schema step %d: %w", v+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("schema step %d: %w", v+1, err)
	}
	return false, nil
}

// schemaVersion reads the recorded schema version.
func schemaVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}
