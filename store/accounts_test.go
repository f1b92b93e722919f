package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestUsersAndPasswords(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if _, err := s.CreateUser(ctx, "alice", RoleAdmin, "short"); !errors.Is(err, ErrWeakPassword) {
		t.Errorf("short password: %v", err)
	}
	for _, bad := range []string{"", "-x", "a b", "<script>", strings.Repeat("a", 65), "a/b"} {
		if _, err := s.CreateUser(ctx, bad, RoleAdmin, "long enough pw"); !errors.Is(err, ErrInvalidUserName) {
			t.Errorf("name %q: %v", bad, err)
		}
	}
	if _, err := s.CreateUser(ctx, "alice", "root", "long enough pw"); !errors.Is(err, ErrInvalidRole) {
		t.Errorf("bad role: %v", err)
	}
	u, err := s.CreateUser(ctx, "alice", RoleOperator, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, "alice", RoleAdmin, "correct horse"); !errors.Is(err, ErrUserExists) {
		t.Errorf("duplicate: %v", err)
	}
	var hash string
	if err := s.r.QueryRow(`SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=65536,t=3,p=2$") || strings.Contains(hash, "correct horse") {
		t.Errorf("stored hash %q", hash)
	}
	if got, err := s.Authenticate(ctx, "alice", "correct horse"); err != nil || got.Role != RoleOperator {
		t.Errorf("good password: %+v %v", got, err)
	}
	for _, c := range [][2]string{{"alice", "wrong horse"}, {"bob", "correct horse"}, {"alice", ""}} {
		if _, err := s.Authenticate(ctx, c[0], c[1]); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("Authenticate(%q, %q) = %v", c[0], c[1], err)
		}
	}
	// Two salts: the same password hashes differently.
	u2, _ := s.CreateUser(ctx, "bob", RoleViewer, "correct horse")
	var hash2 string
	_ = s.r.QueryRow(`SELECT password_hash FROM users WHERE id = ?`, u2.ID).Scan(&hash2)
	if hash2 == hash {
		t.Error("same hash for the same password: no per-user salt")
	}
	if _, err := s.CreateFirstAdmin(ctx, "carol", "correct horse"); !errors.Is(err, ErrNotFirstUser) {
		t.Errorf("first admin with users present: %v", err)
	}
}

func TestFirstAdminOnlyOnce(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.CreateFirstAdmin(ctx, "admin"+string(rune('a'+i)), "correct horse")
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !errors.Is(err, ErrNotFirstUser) {
			t.Error(err)
		}
	}
	if n, _ := s.CountUsers(ctx); ok != 1 || n != 1 {
		t.Errorf("%d first admins made, %d users", ok, n)
	}
}

func TestSessionsAndTokens(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	u, err := s.CreateUser(ctx, "alice", RoleOperator, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	id, sess, err := s.CreateSession(ctx, u.ID, time.Hour)
	if err != nil || sess.User.Name != "alice" || len(sess.CSRF) < 40 {
		t.Fatalf("session %+v %v", sess, err)
	}
	var stored int
	_ = s.r.QueryRow(`SELECT count(*) FROM sessions WHERE id_hash = ?`, []byte(id)).Scan(&stored)
	if stored != 0 {
		t.Error("the session ID is stored as is")
	}
	if got, err := s.Session(ctx, id, time.Minute); err != nil || got.CSRF != sess.CSRF {
		t.Errorf("Session: %+v %v", got, err)
	}
	if _, err := s.Session(ctx, id+"x", time.Minute); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown session: %v", err)
	}
	// Idle too long.
	if _, err := s.w.Exec(`UPDATE sessions SET last_seen_ns = ?`, time.Now().Add(-2*time.Hour).UnixNano()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, id, time.Hour); !errors.Is(err, ErrSessionExpired) {
		t.Errorf("idle session: %v", err)
	}
	// Past its end.
	id, _, _ = s.CreateSession(ctx, u.ID, time.Hour)
	if _, err := s.w.Exec(`UPDATE sessions SET expires_ns = ?`, time.Now().Add(-time.Second).UnixNano()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, id, 0); !errors.Is(err, ErrSessionExpired) {
		t.Errorf("expired session: %v", err)
	}

	tok, secret, err := s.CreateToken(ctx, "alice", "ci")
	if err != nil || !strings.HasPrefix(secret, TokenPrefix) || tok.Name != "ci" {
		t.Fatalf("token %+v %q %v", tok, secret, err)
	}
	if got, err := s.TokenUser(ctx, secret); err != nil || got.Name != "alice" {
		t.Errorf("TokenUser: %+v %v", got, err)
	}
	if _, err := s.TokenUser(ctx, secret+"x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown token: %v", err)
	}
	if err := s.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenUser(ctx, secret); !errors.Is(err, ErrTokenRevoked) {
		t.Errorf("revoked token: %v", err)
	}
	if err := s.RevokeToken(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke unknown: %v", err)
	}
	ts, err := s.Tokens(ctx)
	if err != nil || len(ts) != 1 || ts[0].Revoked.IsZero() || ts[0].LastUsed.IsZero() {
		t.Errorf("Tokens: %+v %v", ts, err)
	}
	// Deleting the user takes their sessions and tokens.
	id, _, _ = s.CreateSession(ctx, u.ID, time.Hour)
	_, secret, _ = s.CreateToken(ctx, "alice", "")
	if err := s.DeleteUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, id, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("session of a deleted user: %v", err)
	}
	if _, err := s.TokenUser(ctx, secret); !errors.Is(err, ErrNotFound) {
		t.Errorf("token of a deleted user: %v", err)
	}
	if err := s.DeleteUser(ctx, "alice"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete unknown: %v", err)
	}
}

// The last admin can neither be deleted nor demoted: nobody could manage accounts in the GUI.
func TestLastAdminStays(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, u := range []struct{ name, role string }{{"root", RoleAdmin}, {"ops", RoleOperator}} {
		if _, err := s.CreateUser(ctx, u.name, u.role, "long enough pw"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteUser(ctx, "root"); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("deleting the last admin: %v", err)
	}
	if err := s.SetRole(ctx, "root", RoleViewer); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("demoting the last admin: %v", err)
	}
	if err := s.SetRole(ctx, "ops", "root"); !errors.Is(err, ErrInvalidRole) {
		t.Errorf("an unknown role: %v", err)
	}
	if err := s.SetRole(ctx, "nobody", RoleAdmin); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown user: %v", err)
	}
	if err := s.SetRole(ctx, "ops", RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRole(ctx, "root", RoleViewer); err != nil {
		t.Errorf("demoting one of two admins: %v", err)
	}
	if u, err := s.UserByName(ctx, "root"); err != nil || u.Role != RoleViewer {
		t.Errorf("root after the change: %+v %v", u, err)
	}
	if err := s.DeleteUser(ctx, "root"); err != nil {
		t.Errorf("deleting a viewer: %v", err)
	}
	if err := s.DeleteUser(ctx, "ops"); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("deleting the admin left: %v", err)
	}
}
