// Package store keeps nwfilter-web's own records in SQLite (modernc.org/sqlite, pure Go): the
// audit history now; users, sessions and settings later. It knows no HTTP and no RPC.
package store

import (
	"context"
	"errors"
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("store: not found")

var errNotImplemented = errors.New("store: not implemented yet")

// Store is the SQLite database. One connection writes; readers share a pool.
type Store struct{}

// Open opens (creating when missing) the database at path, applies pending migrations and
// switches it to WAL.
func Open(ctx context.Context, path string) (*Store, error) { return nil, errNotImplemented }

// Close closes the database.
func (s *Store) Close() error { return nil }
