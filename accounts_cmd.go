package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/nwfilter-web/nwfilter-web/store"
)

const (
	userUsage = `Usage: nwfilter-web user COMMAND [OPTIONS]

Manage the accounts that may log in to the web GUI.

Commands:
  add NAME --role ROLE [--password-stdin]   create an account (asks for the password on a terminal)
  list                                      list accounts
  role NAME ROLE                            change an account's role (applies at its next request)
  del NAME                                  delete an account with its sessions and API tokens

Roles: viewer (read only), operator (also attach/detach filters on NICs, bindings, start/stop
VMs), admin (also define/undefine filters, users).

Options:
  --db FILE   SQLite database (default as for serve)
`
	tokenUsage = `Usage: nwfilter-web token COMMAND [OPTIONS]

Manage API tokens, sent as "Authorization: Bearer TOKEN"; a token acts with its owner's role.

Commands:
  create --user NAME [--name LABEL]   create a token and print it (shown only this once)
  list                                list tokens (never the tokens themselves)
  revoke ID                           revoke a token

Options:
  --db FILE   SQLite database (default as for serve)
`
	helpRole          = "the account's `ROLE`: viewer, operator or admin"
	helpPasswordStdin = "read the password from the first line of standard input"
	helpTokenUser     = "the user (`NAME`) the token acts as"
	helpTokenName     = "a `LABEL` for the token, shown by token list"
)

// runUser is `nwfilter-web user add|list|del`.
func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, userUsage)
		return nil
	}
	cmd, args := args[0], args[1:]
	fs := subFlags("user "+cmd, stderr, userUsage)
	db := fs.String("db", defaultDBPath(), helpDB)
	switch cmd {
	case "add":
		role := fs.String("role", "", helpRole)
		fromStdin := fs.Bool("password-stdin", false, helpPasswordStdin)
		pos, err := parseWithArgs(fs, args, 1, stdout)
		if err != nil {
			return err
		}
		if *role == "" {
			return usageError{"user add: --role is required (" + store.RoleNames() + ")"}
		}
		if store.RoleRank(*role) == 0 {
			return usageError{fmt.Sprintf("user add: unknown role %q (%s)", *role, store.RoleNames())}
		}
		pw, err := readPassword(stdin, stderr, *fromStdin)
		if err != nil {
			return err
		}
		return openStore(ctx, *db, true, func(st *store.Store) error {
			u, err := st.CreateUser(ctx, pos[0], *role, pw)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "user %s added with role %s\n", u.Name, u.Role)
			return nil
		})
	case "list":
		if _, err := parseWithArgs(fs, args, 0, stdout); err != nil {
			return err
		}
		return withStore(ctx, *db, func(st *store.Store) error {
			us, err := st.Users(ctx)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tROLE\tCREATED")
			for _, u := range us {
				fmt.Fprintf(w, "%s\t%s\t%s\n", u.Name, u.Role, u.Created.Format("2006-01-02 15:04"))
			}
			return w.Flush()
		})
	case "role":
		pos, err := parseWithArgs(fs, args, 2, stdout)
		if err != nil {
			return err
		}
		return withStore(ctx, *db, func(st *store.Store) error {
			if err := st.SetRole(ctx, pos[0], pos[1]); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "user %s now has role %s\n", pos[0], pos[1])
			return nil
		})
	case "del":
		pos, err := parseWithArgs(fs, args, 1, stdout)
		if err != nil {
			return err
		}
		return withStore(ctx, *db, func(st *store.Store) error {
			if err := st.DeleteUser(ctx, pos[0]); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "user %s deleted\n", pos[0])
			return nil
		})
	}
	fmt.Fprint(stderr, userUsage)
	return usageError{fmt.Sprintf("user: unknown command %q", cmd)}
}

// runToken is `nwfilter-web token create|list|revoke`.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, tokenUsage)
		return nil
	}
	cmd, args := args[0], args[1:]
	fs := subFlags("token "+cmd, stderr, tokenUsage)
	db := fs.String("db", defaultDBPath(), helpDB)
	switch cmd {
	case "create":
		user := fs.String("user", "", helpTokenUser)
		name := fs.String("name", "", helpTokenName)
		if _, err := parseWithArgs(fs, args, 0, stdout); err != nil {
			return err
		}
		if *user == "" {
			return usageError{"token create: --user is required"}
		}
		return withStore(ctx, *db, func(st *store.Store) error {
			t, secret, err := st.CreateToken(ctx, *user, *name)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, secret)
			fmt.Fprintf(stderr, "token %d for %s created: it is shown only this once\n", t.ID, t.User)
			return nil
		})
	case "list":
		if _, err := parseWithArgs(fs, args, 0, stdout); err != nil {
			return err
		}
		return withStore(ctx, *db, func(st *store.Store) error {
			ts, err := st.Tokens(ctx)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tUSER\tNAME\tCREATED\tLAST USED\tSTATE")
			for _, t := range ts {
				used, state := "never", "valid"
				if !t.LastUsed.IsZero() {
					used = t.LastUsed.Format("2006-01-02 15:04")
				}
				if !t.Revoked.IsZero() {
					state = "revoked " + t.Revoked.Format("2006-01-02 15:04")
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.User, t.Name, t.Created.Format("2006-01-02 15:04"), used, state)
			}
			return w.Flush()
		})
	case "revoke":
		pos, err := parseWithArgs(fs, args, 1, stdout)
		if err != nil {
			return err
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil {
			return usageError{fmt.Sprintf("token revoke: %q is not a token ID (see token list)", pos[0])}
		}
		return withStore(ctx, *db, func(st *store.Store) error {
			if err := st.RevokeToken(ctx, id); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "token %d revoked\n", id)
			return nil
		})
	}
	fmt.Fprint(stderr, tokenUsage)
	return usageError{fmt.Sprintf("token: unknown command %q", cmd)}
}

func subFlags(name string, stderr io.Writer, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage) }
	return fs
}

// parseWithArgs parses flags placed before, between or after exactly n positional arguments
// (virsh style: `user add alice --role admin`).
func parseWithArgs(fs *flag.FlagSet, args []string, n int, stdout io.Writer) ([]string, error) {
	pos, err := parseInterspersed(fs, args, stdout)
	if err != nil {
		return nil, err
	}
	if len(pos) != n {
		return nil, usageError{fmt.Sprintf("%s: expected %d argument(s), got %d (see --help)", fs.Name(), n, len(pos))}
	}
	return pos, nil
}

// readPassword reads the password: the first line of stdin with --password-stdin, else twice
// from the terminal without echo.
func readPassword(stdin io.Reader, stderr io.Writer, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("reading the password from stdin: %w", err)
		}
		pw := strings.TrimRight(line, "\r\n")
		if pw == "" {
			return "", errors.New("no password on stdin")
		}
		return pw, nil
	}
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usageError{"user add: standard input is not a terminal: use --password-stdin"}
	}
	fmt.Fprint(stderr, "Password: ")
	a, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(stderr, "Again: ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", err
	}
	if string(a) != string(b) {
		return "", errors.New("the two passwords differ")
	}
	return string(a), nil
}

func withStore(ctx context.Context, path string, fn func(*store.Store) error) error {
	return openStore(ctx, path, false, fn)
}

// openStore runs fn on the database at path. Only `user add` may create it (the first admin
// can be made before the first serve); the other commands say where they looked, so that a
// forgotten --db does not quietly make an empty database somewhere else.
func openStore(ctx context.Context, path string, create bool, fn func(*store.Store) error) error {
	var st *store.Store
	var err error
	if create {
		st, err = store.Open(ctx, path)
	} else {
		st, err = openExisting(ctx, path)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	if err := fn(st); err != nil {
		return fmt.Errorf("%w (in %s)", err, path)
	}
	return nil
}
