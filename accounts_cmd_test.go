package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nwfilter-web/nwfilter-web/store"
)

func TestUserAndTokenCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	ctx := context.Background()
	runCmd := func(stdin string, args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, append(args, "--db", db), strings.NewReader(stdin), &out, &errb)
		return out.String(), errb.String(), err
	}
	if _, _, err := runCmd("", "user", "add", "alice"); err == nil || exitCode(err) != 2 {
		t.Errorf("user add without --role: %v", err)
	}
	if _, _, err := runCmd("", "user", "add", "alice", "--role", "root", "--password-stdin"); err == nil {
		t.Error("unknown role accepted")
	}
	if _, _, err := runCmd("", "user", "add", "alice", "--role", "admin"); err == nil || !strings.Contains(err.Error(), "--password-stdin") {
		t.Errorf("password from a non-terminal without --password-stdin: %v", err)
	}
	out, _, err := runCmd("correct horse\n", "user", "add", "alice", "--role", "admin", "--password-stdin")
	if err != nil || !strings.Contains(out, "alice added with role admin") {
		t.Fatalf("user add: %q %v", out, err)
	}
	if _, _, err := runCmd("short\n", "user", "add", "bob", "--role", "viewer", "--password-stdin"); err == nil {
		t.Error("short password accepted")
	}
	out, _, _ = runCmd("", "user", "list")
	if !strings.Contains(out, "alice") || !strings.Contains(out, "admin") {
		t.Errorf("user list: %q", out)
	}
	tok, msg, err := runCmd("", "token", "create", "--user", "alice", "--name", "ci")
	if err != nil || !strings.HasPrefix(tok, "nwf_") || !strings.Contains(msg, "only this once") {
		t.Fatalf("token create: %q %q %v", tok, msg, err)
	}
	out, _, _ = runCmd("", "token", "list")
	if !strings.Contains(out, "ci") || strings.Contains(out, strings.TrimSpace(tok)) || !strings.Contains(out, "valid") {
		t.Errorf("token list: %q", out)
	}
	if out, _, err := runCmd("", "token", "revoke", "1"); err != nil || !strings.Contains(out, "revoked") {
		t.Errorf("token revoke: %q %v", out, err)
	}
	if _, _, err := runCmd("", "token", "revoke", "x"); err == nil || exitCode(err) != 2 {
		t.Errorf("token revoke x: %v", err)
	}
	if _, _, err := runCmd("", "user", "del", "alice"); err == nil || !strings.Contains(err.Error(), "last admin") {
		t.Errorf("deleting the last admin: %v", err)
	}
	if _, _, err := runCmd("another password\n", "user", "add", "bob", "--role", "viewer", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runCmd("", "user", "role", "bob", "admin"); err != nil || !strings.Contains(out, "bob now has role admin") {
		t.Errorf("user role: %q %v", out, err)
	}
	if _, _, err := runCmd("", "user", "role", "bob"); exitCode(err) != 2 {
		t.Errorf("user role without a role: %v", err)
	}
	if out, _, err := runCmd("", "user", "del", "alice"); err != nil || !strings.Contains(out, "deleted") {
		t.Errorf("user del: %q %v", out, err)
	}
	if _, _, err := runCmd("", "user", "del", "alice"); err == nil {
		t.Error("deleting an unknown user succeeded")
	}
}

// Only user add creates the database: the other commands name the one they did not find.
func TestAccountCommandsNeedTheDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "none.db")
	for _, args := range [][]string{{"user", "list"}, {"user", "del", "x"}, {"user", "role", "x", "admin"},
		{"token", "list"}, {"token", "create", "--user", "x"}, {"token", "revoke", "1"}} {
		_, _, err := runCmd(append(args, "--db", db)...)
		if err == nil || !strings.Contains(err.Error(), "no database at "+db) {
			t.Errorf("%v: %v", args, err)
		}
		if _, serr := os.Stat(db); serr == nil {
			t.Fatalf("%v created %s", args, db)
		}
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, _, err := runCmd("token", "create", "--user", "ghost", "--db", db); err == nil || !strings.Contains(err.Error(), "(in "+db+")") {
		t.Errorf("an unknown user does not name the database: %v", err)
	}
}
