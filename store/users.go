package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Roles, from least to most allowed. Viewers read; operators also attach and detach filters on
// NICs, create and delete bindings and start and stop VMs; admins also define and undefine
// filters and manage users.
const (
	RoleViewer   = "viewer"
	RoleOperator = "operator"
	RoleAdmin    = "admin"
)

// RoleRank orders roles: a user may do what needs a rank at most their own. Unknown roles rank 0.
func RoleRank(role string) int {
	switch role {
	case RoleViewer:
		return 1
	case RoleOperator:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// Errors of the account methods.
var (
	ErrUserExists      = errors.New("store: a user with that name already exists")
	ErrBadCredentials  = errors.New("store: wrong user name or password")
	ErrNotFirstUser    = errors.New("store: users exist already")
	ErrInvalidUserName = errors.New("store: a user name is 1 to 64 letters, digits and . _ @ - (starting with a letter or digit)")
	ErrInvalidRole     = errors.New("store: the role must be viewer, operator or admin")
	ErrLastAdmin       = errors.New("store: the last admin cannot be deleted or lose the admin role: make another admin first")
)

// User is an account.
type User struct {
	ID      int64
	Name    string
	Role    string
	Created time.Time
}

var userName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// ValidUserName reports whether name may be a user name.
func ValidUserName(name string) bool { return userName.MatchString(name) }

func checkUser(name, role string) error {
	if !ValidUserName(name) {
		return ErrInvalidUserName
	}
	if RoleRank(role) == 0 {
		return ErrInvalidRole
	}
	return nil
}

// CreateUser adds a user with the password hashed (argon2id).
func (s *Store) CreateUser(ctx context.Context, name, role, password string) (User, error) {
	return s.createUser(ctx, name, role, password, false)
}

// CreateFirstAdmin adds an admin only while there is no user at all, checked in the same
// transaction, so two first-run forms sent at once cannot both make one.
func (s *Store) CreateFirstAdmin(ctx context.Context, name, password string) (User, error) {
	return s.createUser(ctx, name, RoleAdmin, password, true)
}

func (s *Store) createUser(ctx context.Context, name, role, password string, onlyFirst bool) (User, error) {
	if err := checkUser(name, role); err != nil {
		return User{}, err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return User{}, err
	}
	u := User{Name: name, Role: role, Created: time.Now().UTC()}
	err = s.write(ctx, "creating user", func(ctx context.Context, tx sqlTx) error {
		if onlyFirst {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return ErrNotFirstUser
			}
		}
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE name = ?`, name).Scan(&exists); err != nil {
			return err
		}
		if exists > 0 {
			return fmt.Errorf("%w: %s", ErrUserExists, name)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO users (name, role, password_hash, created_ns) VALUES (?, ?, ?, ?)`,
			name, role, hash, u.Created.UnixNano())
		if err != nil {
			return err
		}
		u.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// CountUsers is the number of accounts (0 before the first admin is made).
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, s.wrap("counting users", err)
	}
	return n, nil
}

// Users lists every account by name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, role, created_ns FROM users ORDER BY name`)
	if err != nil {
		return nil, s.wrap("listing users", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var ns int64
		if err := rows.Scan(&u.ID, &u.Name, &u.Role, &ns); err != nil {
			return nil, s.wrap("listing users", err)
		}
		u.Created = timeFromNS(ns)
		out = append(out, u)
	}
	return out, s.wrap("listing users", rows.Err())
}

// UserByName looks a user up; ErrNotFound when there is none.
func (s *Store) UserByName(ctx context.Context, name string) (User, error) {
	u, _, err := s.userWithHash(ctx, name)
	return u, err
}

func (s *Store) userWithHash(ctx context.Context, name string) (User, string, error) {
	var u User
	var ns int64
	var hash string
	err := s.r.QueryRowContext(ctx, `SELECT id, name, role, created_ns, password_hash FROM users WHERE name = ?`, name).
		Scan(&u.ID, &u.Name, &u.Role, &ns, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, "", fmt.Errorf("%w: no user %q", ErrNotFound, name)
	}
	if err != nil {
		return User{}, "", s.wrap("reading user", err)
	}
	u.Created = timeFromNS(ns)
	return u, hash, nil
}

// Authenticate checks a name and password; ErrBadCredentials for an unknown name or a wrong
// password alike, taking the same time for both.
func (s *Store) Authenticate(ctx context.Context, name, password string) (User, error) {
	u, hash, err := s.userWithHash(ctx, name)
	if errors.Is(err, ErrNotFound) {
		_, _ = checkPassword(dummyHash(), password)
		return User{}, ErrBadCredentials
	}
	if err != nil {
		return User{}, err
	}
	ok, err := checkPassword(hash, password)
	if err != nil {
		return User{}, fmt.Errorf("store: user %s: %w", name, err)
	}
	if !ok {
		return User{}, ErrBadCredentials
	}
	return u, nil
}

// DeleteUser removes a user with their sessions and tokens; ErrNotFound when there is none,
// ErrLastAdmin when they are the only admin (nobody could manage accounts from the GUI then).
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	return s.write(ctx, "deleting user", func(ctx context.Context, tx sqlTx) error {
		if err := keepAnAdmin(ctx, tx, name); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE name = ?`, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: no user %q", ErrNotFound, name)
		}
		return nil
	})
}

// SetRole changes a user's role, effective on their next request (sessions and tokens read
// it live); ErrLastAdmin when it would leave no admin.
func (s *Store) SetRole(ctx context.Context, name, role string) error {
	if RoleRank(role) == 0 {
		return ErrInvalidRole
	}
	return s.write(ctx, "changing role", func(ctx context.Context, tx sqlTx) error {
		if role != RoleAdmin {
			if err := keepAnAdmin(ctx, tx, name); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET role = ? WHERE name = ?`, role, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: no user %q", ErrNotFound, name)
		}
		return nil
	})
}

// keepAnAdmin refuses, in the transaction that would do it, to take away the last admin.
func keepAnAdmin(ctx context.Context, tx sqlTx, name string) error {
	var others, self int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE name <> ?), count(*) FILTER (WHERE name = ?)
		FROM users WHERE role = ?`, name, name, RoleAdmin).Scan(&others, &self)
	if err != nil {
		return err
	}
	if self > 0 && others == 0 {
		return ErrLastAdmin
	}
	return nil
}

// RoleNames lists the roles for help texts.
func RoleNames() string { return strings.Join([]string{RoleViewer, RoleOperator, RoleAdmin}, ", ") }
