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
var migrations = []migration{
	// 1: The audit history (issue 2). A row is written before the libvirt call with result
	// 'pending' and completed after it, so a crash in between leaves a visible "outcome
	// unknown" row. AUTOINCREMENT: an ID is never reused, even once old rows are archived, so
	// a page cursor or a link to an entry never lands on a different change. Times are Unix
	// nanoseconds (UTC) and never decrease with the ID (BeginAudit clamps them), which turns
	// a time range into an ID range. Each single-column index also orders by rowid inside a
	// key, so "filter = ? AND id < ? ORDER BY id DESC LIMIT n" walks one index backwards
	// without sorting: the keyset pages stay fast at millions of rows.
	{sql: `CREATE TABLE audit (
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
	CREATE INDEX audit_time   ON audit (time_ns);`},

	// 2: Tamper evidence (issue 5). A row changes once after it is written (FinishAudit), so
	// the chain is made of events, not rows: a 'begin' event hashes the fields BeginAudit
	// wrote, a 'finish' event the fields FinishAudit wrote, each chained to the event before
	// it in commit order (see audit_chain.go). Rows written before this step are chained
	// here, in ID order. The foreign key stops a row from being deleted under its events
	// without first switching foreign keys off, which at least takes intent.
	{sql: `CREATE TABLE audit_chain (
		seq       INTEGER PRIMARY KEY AUTOINCREMENT,
		audit_id  INTEGER NOT NULL REFERENCES audit (id),
		event     TEXT    NOT NULL CHECK (event IN ('begin', 'finish')),
		prev_hash BLOB    NOT NULL,
		hash      BLOB    NOT NULL,
		UNIQUE (audit_id, event)
	);`, fn: chainExistingRows},

	// 3: A timeline per VM (issue 5): rows about a domain are its NICs' changes (targets
	// "domain/MAC") and the domain's own (actions "domain.*"). A virtual generated column
	// costs no space in the table, and its partial index only covers rows that have one.
	{sql: `ALTER TABLE audit ADD COLUMN domain TEXT GENERATED ALWAYS AS (
		CASE
			WHEN substr(action, 1, 7) = 'domain.' THEN target
			WHEN instr(target, '/') > 0 THEN substr(target, 1, instr(target, '/') - 1)
		END) VIRTUAL;
	CREATE INDEX audit_domain ON audit (domain) WHERE domain IS NOT NULL;`},

	// 4: "Changed outside" detection (issue 5): the XML each target had after the last change
	// we know of, to compare with what libvirt has now. audit_id is the change that set it
	// (NULL for a baseline taken without a change).
	{sql: `CREATE TABLE last_known (
		target     TEXT    PRIMARY KEY,
		xml        TEXT    NOT NULL,
		audit_id   INTEGER,
		updated_ns INTEGER NOT NULL
	) WITHOUT ROWID;`},

	// 5: Retention (issue 5): archived rows leave this file, and the chain that remains starts
	// from the hash of the last archived event. This one-row table keeps that anchor, and
	// where the archived rows went, so verification still works after archiving.
	{sql: `CREATE TABLE audit_anchor (
		id            INTEGER PRIMARY KEY CHECK (id = 1),
		seq           INTEGER NOT NULL,
		hash          BLOB    NOT NULL,
		last_audit_id INTEGER NOT NULL,
		last_time_ns  INTEGER NOT NULL,
		archived_rows INTEGER NOT NULL,
		archive_path  TEXT    NOT NULL,
		updated_ns    INTEGER NOT NULL
	);`},

	// 6: A note on a row (issue 5), for what a person reading the history should know that the
	// other fields do not say: which entry a rollback restored, how a change made outside
	// nwfilter-web was noticed. The begin event hashes it when it is not empty, so the rows
	// written before this step keep their hashes.
	{sql: `ALTER TABLE audit ADD COLUMN note TEXT NOT NULL DEFAULT '';`},

	// 7: Filters combined on the history page (issue 5: "actor X, errors only" at a million
	// rows). A single-column index finds the actor's rows in ID order but must read each row
	// from the table to test the other filters, which took tens of milliseconds for a rare
	// combination. The indexes of the low-selectivity filters now carry (id, then the other
	// two low-selectivity columns): the walk stays in ID order (id is the rowid, so (actor, id)
	// orders exactly as before) and the other filters are tested inside the index, so only the
	// 50 rows of the page are read from the table.
	{sql: `DROP INDEX audit_actor;
	DROP INDEX audit_action;
	DROP INDEX audit_result;
	CREATE INDEX audit_actor  ON audit (actor, id, action, result);
	CREATE INDEX audit_action ON audit (action, id, actor, result);
	CREATE INDEX audit_result ON audit (result, id, actor, action);`},

	// --- Accounts (issue 6: security). One block, appended. ---
	//
	// 8: Users, their browser sessions and their API tokens. A password is stored only as an
	// argon2id hash with its own salt and parameters (password.go); session IDs and API tokens
	// are random and stored only as their SHA-256, so a copy of the database logs nobody in.
	// Sessions and tokens go with their user (ON DELETE CASCADE). A session also carries its
	// CSRF token, which is not a secret from its own browser and so is kept as is. A revoked
	// token keeps its row (revoked_ns) so that `token list` still says what it was.
	{sql: `CREATE TABLE users (
		id            INTEGER PRIMARY KEY AUTOINCREMENT,
		name          TEXT    NOT NULL UNIQUE,
		role          TEXT    NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
		password_hash TEXT    NOT NULL,
		created_ns    INTEGER NOT NULL
	);
	CREATE TABLE sessions (
		id_hash      BLOB    PRIMARY KEY,
		user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
		csrf_token   TEXT    NOT NULL,
		created_ns   INTEGER NOT NULL,
		last_seen_ns INTEGER NOT NULL,
		expires_ns   INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE INDEX sessions_user ON sessions (user_id);
	CREATE TABLE api_tokens (
		id           INTEGER PRIMARY KEY AUTOINCREMENT,
		user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
		name         TEXT    NOT NULL,
		hash         BLOB    NOT NULL UNIQUE,
		created_ns   INTEGER NOT NULL,
		last_used_ns INTEGER NOT NULL DEFAULT 0,
		revoked_ns   INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX api_tokens_user ON api_tokens (user_id);`},
	// --- end of accounts (issue 6) ---
}

// migration is one schema step: SQL, then optionally Go for what SQL cannot do (hashing).
type migration struct {
	sql string
	fn  func(ctx context.Context, tx *sql.Tx) error
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
	m := migrations[v]
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("schema step %d: %w", v+1, err)
	}
	if m.fn != nil {
		if err := m.fn(ctx, tx); err != nil {
			return false, fmt.Errorf("schema step %d: %w", v+1, err)
		}
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

// SchemaVersion is the schema version this program writes (PRAGMA user_version): caches of
// generated databases are named after it.
func SchemaVersion() int { return len(migrations) }
