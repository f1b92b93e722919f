package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// Session is a logged-in browser. The ID itself is only ever in the cookie; the store keeps its
// SHA-256.
type Session struct {
	User     User
	CSRF     string // the token every state-changing request of this session must carry
	Created  time.Time
	LastSeen time.Time
	Expires  time.Time // absolute end, whatever the activity
}

// ErrSessionExpired is returned for a session past its absolute end or idle too long.
var ErrSessionExpired = errors.New("store: session expired")

// touchEvery bounds how often a session's last-seen time is written: an idle timeout of
// minutes does not need a write (and an fsync) for every request.
const touchEvery = time.Minute

// randomToken is 32 random bytes, base64url: 256 bits, so hashing it once with SHA-256 is
// enough (there is nothing to brute-force).
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("store: reading random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CreateSession starts a session for user that ends ttl from now, and returns its ID (for the
// cookie) and CSRF token.
func (s *Store) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (id string, sess Session, err error) {
	id, err = randomToken()
	if err != nil {
		return "", Session{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return "", Session{}, err
	}
	now := time.Now().UTC()
	err = s.write(ctx, "creating session", func(ctx context.Context, tx sqlTx) error {
		// Sessions past their end are of no use to anyone: drop them while writing anyway.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_ns < ?`, now.UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, csrf_token, created_ns, last_seen_ns, expires_ns)
			VALUES (?, ?, ?, ?, ?, ?)`, tokenHash(id), userID, csrf, now.UnixNano(), now.UnixNano(), now.Add(ttl).UnixNano())
		return err
	})
	if err != nil {
		return "", Session{}, err
	}
	sess, err = s.Session(ctx, id, 0)
	return id, sess, err
}

// Session returns the live session with this ID: ErrNotFound for an unknown ID,
// ErrSessionExpired past its end or when idle for longer than idle (0: no idle limit). A
// session in use has its last-seen time refreshed, at most once a minute; a failure to write
// that (a read-only database) does not end the session.
func (s *Store) Session(ctx context.Context, id string, idle time.Duration) (Session, error) {
	var sess Session
	var created, seen, expires, userCreated int64
	err := s.r.QueryRowContext(ctx, `SELECT s.csrf_token, s.created_ns, s.last_seen_ns, s.expires_ns,
			u.id, u.name, u.role, u.created_ns
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`, tokenHash(id)).
		Scan(&sess.CSRF, &created, &seen, &expires, &sess.User.ID, &sess.User.Name, &sess.User.Role, &userCreated)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("%w: no such session", ErrNotFound)
	}
	if err != nil {
		return Session{}, s.wrap("reading session", err)
	}
	sess.Created, sess.LastSeen, sess.Expires = timeFromNS(created), timeFromNS(seen), timeFromNS(expires)
	sess.User.Created = timeFromNS(userCreated)
	now := time.Now()
	if now.After(sess.Expires) || idle > 0 && now.Sub(sess.LastSeen) > idle {
		_ = s.DeleteSession(ctx, id)
		return Session{}, ErrSessionExpired
	}
	if now.Sub(sess.LastSeen) > touchEvery && s.roErr == nil {
		_ = s.write(ctx, "refreshing session", func(ctx context.Context, tx sqlTx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_ns = ? WHERE id_hash = ?`, now.UnixNano(), tokenHash(id))
			return err
		})
	}
	return sess, nil
}

// DeleteSession ends a session (logout). An unknown ID is not an error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return s.write(ctx, "deleting session", func(ctx context.Context, tx sqlTx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, tokenHash(id))
		return err
	})
}
