package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// TokenPrefix starts every API token, so that one pasted somewhere it should not be is easy
// to recognise (and to scan for).
const TokenPrefix = "nwf_"

// Token is an API token as listed: never the token itself, which is shown once at creation.
type Token struct {
	ID       int64
	User     string
	Name     string
	Created  time.Time
	LastUsed time.Time // zero when never used
	Revoked  time.Time // zero while valid
}

// Errors of the token methods.
var (
	ErrTokenRevoked   = errors.New("store: the API token was revoked")
	ErrTokenLabelLong = errors.New("store: a token's label is at most 100 characters")
)

// CreateToken makes an API token for user, named name (a label for `token list`), and returns
// the token itself: it is stored only as its SHA-256 and cannot be shown again.
func (s *Store) CreateToken(ctx context.Context, user, name string) (Token, string, error) {
	u, err := s.UserByName(ctx, user)
	if err != nil {
		return Token{}, "", err
	}
	name = strings.TrimSpace(name)
	if len(name) > 100 {
		return Token{}, "", ErrTokenLabelLong
	}
	secret, err := randomToken()
	if err != nil {
		return Token{}, "", err
	}
	secret = TokenPrefix + secret
	t := Token{User: u.Name, Name: name, Created: time.Now().UTC()}
	err = s.write(ctx, "creating API token", func(ctx context.Context, tx sqlTx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (user_id, name, hash, created_ns) VALUES (?, ?, ?, ?)`,
			u.ID, name, tokenHash(secret), t.Created.UnixNano())
		if err != nil {
			return err
		}
		t.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return Token{}, "", err
	}
	return t, secret, nil
}

// TokenUser is the owner of a valid API token: ErrNotFound for an unknown token,
// ErrTokenRevoked for a revoked one. Its last use is recorded at most once a minute.
func (s *Store) TokenUser(ctx context.Context, token string) (User, error) {
	var u User
	var id, created, used, revoked int64
	err := s.r.QueryRowContext(ctx, `SELECT t.id, t.last_used_ns, t.revoked_ns, u.id, u.name, u.role, u.created_ns
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`, tokenHash(token)).
		Scan(&id, &used, &revoked, &u.ID, &u.Name, &u.Role, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("%w: unknown API token", ErrNotFound)
	}
	if err != nil {
		return User{}, s.wrap("reading API token", err)
	}
	if revoked != 0 {
		return User{}, ErrTokenRevoked
	}
	u.Created = timeFromNS(created)
	now := time.Now()
	if now.Sub(timeFromNS(used)) > touchEvery && s.roErr == nil {
		_ = s.write(ctx, "recording API token use", func(ctx context.Context, tx sqlTx) error {
			_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_ns = ? WHERE id = ?`, now.UnixNano(), id)
			return err
		})
	}
	return u, nil
}

// Tokens lists every API token, valid and revoked, oldest first.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT t.id, u.name, t.name, t.created_ns, t.last_used_ns, t.revoked_ns
		FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id`)
	if err != nil {
		return nil, s.wrap("listing API tokens", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var created, used, revoked int64
		if err := rows.Scan(&t.ID, &t.User, &t.Name, &created, &used, &revoked); err != nil {
			return nil, s.wrap("listing API tokens", err)
		}
		t.Created = timeFromNS(created)
		if used != 0 {
			t.LastUsed = timeFromNS(used)
		}
		if revoked != 0 {
			t.Revoked = timeFromNS(revoked)
		}
		out = append(out, t)
	}
	return out, s.wrap("listing API tokens", rows.Err())
}

// RevokeToken revokes the token with this ID; ErrNotFound when there is none.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	return s.write(ctx, "revoking API token", func(ctx context.Context, tx sqlTx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_ns = ? WHERE id = ? AND revoked_ns = 0`, time.Now().UnixNano(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var exists int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM api_tokens WHERE id = ?`, id).Scan(&exists); err != nil {
				return err
			}
			if exists == 0 {
				return fmt.Errorf("%w: no API token %d", ErrNotFound, id)
			}
		}
		return nil
	})
}
