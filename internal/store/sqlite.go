package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// SQLite is a Store in one SQLite file, in WAL mode with synchronous=FULL so
// that a committed transaction survives a power cut.
type SQLite struct {
	path     string
	db       *sql.DB
	tileStmt *sql.Stmt // prepared once: proofs read tiles in a tight loop
	commit   commitStmts

	mu        sync.Mutex
	nodeStmts map[int]*sql.Stmt // TileHashes statements by hash count
}

// commitStmts are Commit's statements, prepared once: parsing them anew on
// each commit took a tenth or more of a small commit's CPU time.
type commitStmts struct {
	size, addBundle, closeOpen, addFragment, putTile, setSize *sql.Stmt
}

func (c *commitStmts) prepare(ctx context.Context, db *sql.DB) error {
	for _, p := range []struct {
		st **sql.Stmt
		q  string
	}{
		{&c.size, `SELECT size FROM audit_meta WHERE id = 1`},
		{&c.addBundle, `INSERT INTO audit_bundles (idx, data) VALUES (?, ?)`},
		{&c.closeOpen, `DELETE FROM audit_open WHERE idx < ?`},
		{&c.addFragment, `INSERT INTO audit_open (idx, data) VALUES (?, ?)`},
		{&c.putTile, `INSERT INTO audit_tiles (key, level, idx, width, hashes) VALUES (?,?,?,?,?)
			ON CONFLICT (key) DO UPDATE SET width = excluded.width, hashes = excluded.hashes`},
		{&c.setSize, `UPDATE audit_meta SET size = ? WHERE id = 1`},
	} {
		st, err := db.PrepareContext(ctx, p.q)
		if err != nil {
			c.close()
			return err
		}
		*p.st = st
	}
	return nil
}

func (c *commitStmts) close() {
	for _, st := range []*sql.Stmt{c.size, c.addBundle, c.closeOpen, c.addFragment, c.putTile, c.setSize} {
		if st != nil {
			st.Close()
		}
	}
}

// tileKey packs a tile's level and index into the table's rowid.
func tileKey(level, index uint64) int64 { return int64(level<<40 | index) }

const sqliteSchema = `
CREATE TABLE IF NOT EXISTS audit_meta (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	origin TEXT NOT NULL,
	verifier_key TEXT NOT NULL,
	size INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_bundles (
	idx INTEGER PRIMARY KEY,
	data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_open (
	idx INTEGER PRIMARY KEY, -- the index of the fragment's first entry
	data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_tiles (
	key INTEGER PRIMARY KEY, -- level<<40 | idx: a rowid keeps a whole tile on one page
	level INTEGER NOT NULL,
	idx INTEGER NOT NULL,
	width INTEGER NOT NULL,
	hashes BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
	size INTEGER PRIMARY KEY,
	note BLOB NOT NULL
);
`

// OpenSQLite opens (creating if needed) the SQLite file at path. The folder
// is created with mode 0700 and the file with 0600: decision records may
// name people and resources.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("store: empty SQLite path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store %s: %w", path, err)
		}
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("store %s: %w", path, err)
		}
		if f != nil {
			f.Close()
		}
	}
	q := url.Values{}
	// The page size only takes effect on a new file, before WAL mode.
	// 16 KiB pages hold a whole tile of the tree in one read; memory
	// mapping and a larger cache keep proof reads off system calls.
	q.Add("_pragma", "page_size(16384)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "mmap_size(2147418112)")
	q.Add("_pragma", "cache_size(-32768)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(30000)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if _, err := db.ExecContext(ctx, sqliteSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: create schema: %w", path, err)
	}
	tileStmt, err := db.PrepareContext(ctx, `SELECT width, hashes FROM audit_tiles WHERE key = ?`)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	s := &SQLite{path: path, db: db, tileStmt: tileStmt, nodeStmts: map[int]*sql.Stmt{}}
	if err := s.commit.prepare(ctx, db); err != nil {
		tileStmt.Close()
		db.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return s, nil
}

// Path returns the file the store lives in.
func (s *SQLite) Path() string { return s.path }

func (s *SQLite) errf(format string, args ...any) error {
	return fmt.Errorf("store %s: "+format, append([]any{s.path}, args...)...)
}

// Create implements Store.
func (s *SQLite) Create(ctx context.Context, m Meta) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.errf("create: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_meta`).Scan(&n); err != nil {
		return s.errf("create: %w", err)
	}
	if n > 0 {
		return s.errf("%w", ErrExists)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_meta (id, origin, verifier_key, size) VALUES (1, ?, ?, 0)`, m.Origin, m.VerifierKey); err != nil {
		return s.errf("create: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return s.errf("create: %w", err)
	}
	return nil
}

// Meta implements Store.
func (s *SQLite) Meta(ctx context.Context) (Meta, error) {
	var m Meta
	err := s.db.QueryRowContext(ctx, `SELECT origin, verifier_key FROM audit_meta WHERE id = 1`).Scan(&m.Origin, &m.VerifierKey)
	if errors.Is(err, sql.ErrNoRows) {
		return m, s.errf("%w", ErrNotInitialized)
	}
	if err != nil {
		return m, s.errf("read meta: %w", err)
	}
	return m, nil
}

// Size implements Store.
func (s *SQLite) Size(ctx context.Context) (uint64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT size FROM audit_meta WHERE id = 1`).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, s.errf("%w", ErrNotInitialized)
	}
	if err != nil {
		return 0, s.errf("read size: %w", err)
	}
	return uint64(n), nil
}

// Commit implements Store.
func (s *SQLite) Commit(ctx context.Context, b Batch) error {
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: takes the write lock now
	if err != nil {
		return s.errf("commit: %w", err)
	}
	defer tx.Rollback()
	st := func(p *sql.Stmt) *sql.Stmt { return tx.StmtContext(ctx, p) }
	var size int64
	err = st(s.commit.size).QueryRowContext(ctx).Scan(&size)
	if errors.Is(err, sql.ErrNoRows) {
		return s.errf("%w", ErrNotInitialized)
	}
	if err != nil {
		return s.errf("commit: %w", err)
	}
	if uint64(size) != b.Start {
		return s.errf("%w: log has %d entries, batch starts at %d", ErrConflict, size, b.Start)
	}
	if b.Start%BundleSize != 0 {
		if err := s.reopenBundle(ctx, tx, b.Start); err != nil {
			return err
		}
	}
	plan, err := planBatch(b.Start, b.Entries, func() ([][]byte, error) { return s.openEntries(ctx, tx, b.Start) })
	if err != nil {
		return s.errf("commit: %w", err)
	}
	for _, w := range plan.bundles {
		if _, err := st(s.commit.addBundle).ExecContext(ctx, int64(w.index), w.data); err != nil {
			return s.errf("commit entry bundle %d: %w", w.index, err)
		}
	}
	if plan.closeOpen {
		if _, err := st(s.commit.closeOpen).ExecContext(ctx, int64(b.Start)); err != nil {
			return s.errf("commit entry bundle %d: %w", b.Start/BundleSize, err)
		}
	}
	if f := plan.fragment; f != nil {
		if _, err := st(s.commit.addFragment).ExecContext(ctx, int64(f.index), f.data); err != nil {
			return s.errf("commit entries at %d: %w", f.index, err)
		}
	}
	putTile := st(s.commit.putTile)
	for _, t := range b.Tiles {
		if t.Index >= 1<<40 || t.Level >= 1<<20 {
			return s.errf("commit tile %d/%d: index out of range", t.Level, t.Index)
		}
		if _, err := putTile.ExecContext(ctx, tileKey(t.Level, t.Index), int64(t.Level), int64(t.Index), t.Width, t.Hashes); err != nil {
			return s.errf("commit tile %d/%d: %w", t.Level, t.Index, err)
		}
	}
	if _, err := st(s.commit.setSize).ExecContext(ctx, int64(b.Start)+int64(len(b.Entries))); err != nil {
		return s.errf("commit size: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return s.errf("commit: %w", err)
	}
	return nil
}

// reopenBundle moves an open bundle stored whole, as the store kept it
// before open bundles were kept as fragments, into audit_open as one
// fragment, in the commit's transaction.
func (s *SQLite) reopenBundle(ctx context.Context, tx *sql.Tx, start uint64) error {
	var data []byte
	err := tx.QueryRowContext(ctx, `SELECT data FROM audit_bundles WHERE idx = ?`, int64(start/BundleSize)).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return s.errf("commit: read entry bundle %d: %w", start/BundleSize, err)
	}
	if es, err := SplitBundle(data); err != nil || uint64(len(es)) != start%BundleSize {
		return s.errf("commit: stored entry bundle %d holds %d entries (%v), want %d", start/BundleSize, len(es), err, start%BundleSize)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_open (idx, data) VALUES (?, ?)`, int64(start-start%BundleSize), data); err != nil {
		return s.errf("commit: reopen entry bundle %d: %w", start/BundleSize, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM audit_bundles WHERE idx = ?`, int64(start/BundleSize)); err != nil {
		return s.errf("commit: reopen entry bundle %d: %w", start/BundleSize, err)
	}
	return nil
}

// openEntries reads the open bundle's entries before start.
func (s *SQLite) openEntries(ctx context.Context, tx *sql.Tx, start uint64) ([][]byte, error) {
	rs, err := tx.QueryContext(ctx, `SELECT idx, data FROM audit_open WHERE idx >= ? AND idx < ? ORDER BY idx`, int64(start-start%BundleSize), int64(start))
	if err != nil {
		return nil, fmt.Errorf("read open entry bundle %d: %w", start/BundleSize, err)
	}
	defer rs.Close()
	return openEntries(rs, start)
}

// Entries implements Store. It reads the bundles and then the open
// bundle's fragments in one read transaction (one snapshot), so that a
// commit closing the open bundle meanwhile cannot hide entries from it.
func (s *SQLite) Entries(ctx context.Context, start, end uint64, fn func(uint64, []byte) error) error {
	if start >= end {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // BEGIN DEFERRED: no write lock
	if err != nil {
		return s.errf("read entries: %w", err)
	}
	defer tx.Rollback()
	err = s.readRows(ctx, tx, `SELECT idx, data FROM audit_bundles WHERE idx >= ? AND idx <= ? ORDER BY idx`, start/BundleSize, (end-1)/BundleSize,
		func(idx uint64, data []byte) error { return emitBundle(idx, data, start, end, fn) })
	if err != nil {
		return err
	}
	return s.readRows(ctx, tx, `SELECT idx, data FROM audit_open WHERE idx >= ? AND idx < ? ORDER BY idx`, start-start%BundleSize, end,
		func(idx uint64, data []byte) error { return emitEntries(idx, data, start, end, fn) })
}

// readRows calls emit for each (idx, data) row query returns.
func (s *SQLite) readRows(ctx context.Context, tx *sql.Tx, query string, lo, hi uint64, emit func(uint64, []byte) error) error {
	rows, err := tx.QueryContext(ctx, query, int64(lo), int64(hi))
	if err != nil {
		return s.errf("read entries: %w", err)
	}
	defer rows.Close()
	return eachRow(rows, emit, func(err error) error { return s.errf("read entries: %w", err) })
}

// Tile implements Store.
func (s *SQLite) Tile(ctx context.Context, level, index uint64) (Tile, error) {
	t := Tile{Level: level, Index: index}
	err := s.tileStmt.QueryRowContext(ctx, tileKey(level, index)).Scan(&t.Width, &t.Hashes)
	if errors.Is(err, sql.ErrNoRows) {
		return t, s.errf("tile %d/%d: %w", level, index, ErrNotFound)
	}
	if err != nil {
		return t, s.errf("tile %d/%d: %w", level, index, err)
	}
	return t, nil
}

// TileHashes implements Store.
func (s *SQLite) TileHashes(ctx context.Context, level, index uint64, offsets []int) ([]byte, error) {
	if len(offsets) == 0 {
		return nil, nil
	}
	s.mu.Lock()
	st, ok := s.nodeStmts[len(offsets)]
	if !ok {
		var q strings.Builder
		q.WriteString("SELECT ")
		for i := range offsets {
			if i > 0 {
				q.WriteString(" || ")
			}
			q.WriteString("substr(hashes, ?, 32)")
		}
		q.WriteString(" FROM audit_tiles WHERE key = ?")
		var err error
		if st, err = s.db.PrepareContext(ctx, q.String()); err != nil {
			s.mu.Unlock()
			return nil, s.errf("tile %d/%d: %w", level, index, err)
		}
		s.nodeStmts[len(offsets)] = st
	}
	s.mu.Unlock()
	args := make([]any, 0, len(offsets)+1)
	for _, o := range offsets {
		args = append(args, o+1) // substr counts from 1
	}
	args = append(args, tileKey(level, index))
	var out []byte
	err := st.QueryRowContext(ctx, args...).Scan(&out)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.errf("tile %d/%d: %w", level, index, ErrNotFound)
	}
	if err != nil {
		return nil, s.errf("tile %d/%d: %w", level, index, err)
	}
	if len(out) != 32*len(offsets) {
		return nil, s.errf("tile %d/%d: %d bytes of hashes, want %d", level, index, len(out), 32*len(offsets))
	}
	return out, nil
}

// PutCheckpoint implements Store.
func (s *SQLite) PutCheckpoint(ctx context.Context, size uint64, note []byte) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO audit_checkpoints (size, note) VALUES (?, ?)
		ON CONFLICT (size) DO UPDATE SET note = excluded.note`, int64(size), note); err != nil {
		return s.errf("store checkpoint %d: %w", size, err)
	}
	return nil
}

// Checkpoints implements Store.
func (s *SQLite) Checkpoints(ctx context.Context) ([]Checkpoint, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT size, note FROM audit_checkpoints ORDER BY size`)
	if err != nil {
		return nil, s.errf("read checkpoints: %w", err)
	}
	defer rows.Close()
	var out []Checkpoint
	for rows.Next() {
		var c Checkpoint
		var size int64
		if err := rows.Scan(&size, &c.Note); err != nil {
			return nil, s.errf("read checkpoints: %w", err)
		}
		c.Size = uint64(size)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errf("read checkpoints: %w", err)
	}
	return out, nil
}

// Close implements Store.
func (s *SQLite) Close() error {
	s.tileStmt.Close()
	s.commit.close()
	for _, st := range s.nodeStmts {
		st.Close()
	}
	return s.db.Close()
}
