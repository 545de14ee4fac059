// Package store persists the audit log: its entries, the hashes of its Merkle
// tree kept as tiles, and its signed checkpoints. SQLite is the embedded
// default (one file, nothing to install); PostgreSQL serves shared
// deployments where several replicas append to one log. Both implement Store
// and pass the same test suite.
//
// The store holds bytes and does not interpret them: the audit package owns
// the record format, the tree and the signatures. What the store guarantees
// is atomicity and durability: a Commit is all or nothing, and once it
// returns nil its entries survive a crash of the process or the machine.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Errors a Store returns. Match them with errors.Is.
var (
	// ErrNotInitialized means the store holds no log yet: run Create first.
	ErrNotInitialized = errors.New("store holds no audit log (run `parapet audit init`)")
	// ErrExists means Create found a log already there.
	ErrExists = errors.New("store already holds an audit log")
	// ErrConflict means the log grew since the caller last read its size,
	// for example because another replica appended: reload and retry.
	ErrConflict = errors.New("audit log size changed underneath the writer")
	// ErrNotFound means a requested tile or checkpoint does not exist.
	ErrNotFound = errors.New("not found")
)

// Meta describes a log: its origin (the checkpoint's first line) and the
// signed-note verifier key of its checkpoints. The store never holds the
// signing key.
type Meta struct {
	Origin      string
	VerifierKey string
}

// Tile is one tile of the tree's hashes: Level is the tile level (tree level
// divided by 8) and Index its position in that level. Width is the number of
// hashes in its bottom row (1 to 256). Hashes is opaque to the store; the
// audit package keeps there the bottom row followed by the rows above it.
type Tile struct {
	Level  uint64
	Index  uint64
	Width  int
	Hashes []byte
}

// Batch is one atomic append: Entries take the indexes Start, Start+1, ...,
// and Tiles replace the stored tiles with the same level and index. Start
// must equal the log's size, or Commit fails with ErrConflict.
type Batch struct {
	Start   uint64
	Entries [][]byte
	Tiles   []Tile
}

// Store is the persistence a log needs. Implementations are safe for
// concurrent use; Commit calls are serialised by the store.
type Store interface {
	// Create records a new, empty log. It fails with ErrExists when the
	// store already holds one.
	Create(ctx context.Context, m Meta) error
	// Meta returns the log's description, or ErrNotInitialized.
	Meta(ctx context.Context) (Meta, error)
	// Size returns the number of committed entries.
	Size(ctx context.Context) (uint64, error)
	// Commit appends a batch in one durable transaction.
	Commit(ctx context.Context, b Batch) error
	// Entries calls fn for each stored entry with index in [start, end), in
	// index order. It passes only the entries that exist: a caller that
	// must see every index checks that they are contiguous.
	Entries(ctx context.Context, start, end uint64, fn func(index uint64, data []byte) error) error
	// Tile returns one tile, or ErrNotFound.
	Tile(ctx context.Context, level, index uint64) (Tile, error)
	// TileHashes returns, concatenated, the 32 bytes at each of the
	// given byte offsets into a tile's Hashes: a proof needs a few
	// hashes of a tile, not all of it.
	TileHashes(ctx context.Context, level, index uint64, offsets []int) ([]byte, error)
	// PutCheckpoint stores a signed checkpoint for a tree size, replacing
	// any stored for that size (to add cosignatures).
	PutCheckpoint(ctx context.Context, size uint64, note []byte) error
	// Checkpoints returns the stored checkpoints in increasing size order.
	Checkpoints(ctx context.Context) ([]Checkpoint, error)
	// Close releases the store.
	Close() error
}

// Checkpoint is a stored signed checkpoint.
type Checkpoint struct {
	Size uint64
	Note []byte
}

// Open opens the store a location names: "sqlite:PATH" (or a bare path) for
// SQLite, "postgres://..." or "postgresql://..." for PostgreSQL.
func Open(ctx context.Context, location string) (Store, error) {
	switch {
	case strings.HasPrefix(location, "postgres://"), strings.HasPrefix(location, "postgresql://"):
		return OpenPostgres(ctx, location)
	case location == "":
		return nil, errors.New("store: empty location (want sqlite:PATH or postgres://...)")
	case SQLitePath(location) != "":
		return OpenSQLite(ctx, SQLitePath(location))
	default:
		return nil, fmt.Errorf("store %q: unknown scheme (want sqlite:PATH or postgres://...)", redactDSN(location))
	}
}

// SQLitePath is the file a store location names when it is a SQLite
// store (as Open reads it), or "".
func SQLitePath(location string) string {
	if p, ok := strings.CutPrefix(location, "sqlite:"); ok {
		return p
	}
	if strings.Contains(location, "://") {
		return "" // PostgreSQL, or a scheme Open does not know
	}
	return location
}

// Redact returns a store location fit to show: a password in a connection
// string hidden.
func Redact(location string) string { return redactDSN(location) }

// redactDSN hides a password in a connection string before it is shown.
func redactDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return dsn
	}
	userinfo := dsn[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		return dsn[:scheme+3] + userinfo[:i] + ":xxxxx" + dsn[at:]
	}
	return dsn
}
