package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres is a Store in a PostgreSQL database, for deployments where
// several gateway or server replicas append to one log. Commits lock the
// log's size row, so concurrent writers are serialised and a writer whose
// view is stale gets ErrConflict instead of forking the tree. The tables
// live in the connection's search_path (add search_path=SCHEMA to the URL
// to keep them in their own schema).
type Postgres struct {
	name string // the URL without its password, for error messages
	pool *pgxpool.Pool
}

const postgresSchema = `
CREATE TABLE IF NOT EXISTS audit_meta (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	origin TEXT NOT NULL,
	verifier_key TEXT NOT NULL,
	size BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_bundles (
	idx BIGINT PRIMARY KEY,
	data BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_open (
	idx BIGINT PRIMARY KEY, -- the index of the fragment's first entry
	data BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_tiles (
	level BIGINT NOT NULL,
	idx BIGINT NOT NULL,
	width INTEGER NOT NULL,
	hashes BYTEA NOT NULL,
	PRIMARY KEY (level, idx)
);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
	size BIGINT PRIMARY KEY,
	note BYTEA NOT NULL
);
`

// OpenPostgres connects to the database a postgres:// URL names and creates
// the log's tables when they are missing.
func OpenPostgres(ctx context.Context, url string) (*Postgres, error) {
	name := redactDSN(url)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", name, err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", name, err)
	}
	p := &Postgres{name: name, pool: pool}
	if _, err := pool.Exec(ctx, postgresSchema); err != nil {
		pool.Close()
		return nil, p.errf("create schema: %w", err)
	}
	return p, nil
}

func (p *Postgres) errf(format string, args ...any) error {
	return fmt.Errorf("store %s: "+format, append([]any{p.name}, args...)...)
}

// Create implements Store.
func (p *Postgres) Create(ctx context.Context, m Meta) error {
	tag, err := p.pool.Exec(ctx, `INSERT INTO audit_meta (id, origin, verifier_key, size) VALUES (1, $1, $2, 0) ON CONFLICT (id) DO NOTHING`, m.Origin, m.VerifierKey)
	if err != nil {
		return p.errf("create: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return p.errf("%w", ErrExists)
	}
	return nil
}

// Meta implements Store.
func (p *Postgres) Meta(ctx context.Context) (Meta, error) {
	var m Meta
	err := p.pool.QueryRow(ctx, `SELECT origin, verifier_key FROM audit_meta WHERE id = 1`).Scan(&m.Origin, &m.VerifierKey)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, p.errf("%w", ErrNotInitialized)
	}
	if err != nil {
		return m, p.errf("read meta: %w", err)
	}
	return m, nil
}

// Size implements Store.
func (p *Postgres) Size(ctx context.Context) (uint64, error) {
	var n int64
	err := p.pool.QueryRow(ctx, `SELECT size FROM audit_meta WHERE id = 1`).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, p.errf("%w", ErrNotInitialized)
	}
	if err != nil {
		return 0, p.errf("read size: %w", err)
	}
	return uint64(n), nil
}

// Commit implements Store. Bundles, the open bundle's fragment and tiles go
// in as one pipelined batch.
func (p *Postgres) Commit(ctx context.Context, b Batch) error {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return p.errf("commit: %w", err)
	}
	defer tx.Rollback(ctx)
	var size int64
	err = tx.QueryRow(ctx, `SELECT size FROM audit_meta WHERE id = 1 FOR UPDATE`).Scan(&size)
	if errors.Is(err, pgx.ErrNoRows) {
		return p.errf("%w", ErrNotInitialized)
	}
	if err != nil {
		return p.errf("commit: %w", err)
	}
	if uint64(size) != b.Start {
		return p.errf("%w: log has %d entries, batch starts at %d", ErrConflict, size, b.Start)
	}
	if b.Start%BundleSize != 0 {
		if err := p.reopenBundle(ctx, tx, b.Start); err != nil {
			return err
		}
	}
	plan, err := planBatch(b.Start, b.Entries, func() ([][]byte, error) { return p.openEntries(ctx, tx, b.Start) })
	if err != nil {
		return p.errf("commit: %w", err)
	}
	batch := &pgx.Batch{}
	for _, w := range plan.bundles {
		batch.Queue(`INSERT INTO audit_bundles (idx, data) VALUES ($1, $2)`, int64(w.index), w.data)
	}
	if plan.closeOpen {
		batch.Queue(`DELETE FROM audit_open WHERE idx < $1`, int64(b.Start))
	}
	if f := plan.fragment; f != nil {
		batch.Queue(`INSERT INTO audit_open (idx, data) VALUES ($1, $2)`, int64(f.index), f.data)
	}
	for _, t := range b.Tiles {
		batch.Queue(`INSERT INTO audit_tiles (level, idx, width, hashes) VALUES ($1,$2,$3,$4)
			ON CONFLICT (level, idx) DO UPDATE SET width = excluded.width, hashes = excluded.hashes`,
			int64(t.Level), int64(t.Index), t.Width, t.Hashes)
	}
	if batch.Len() > 0 {
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return p.errf("commit entries and tiles at %d: %w", b.Start, err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_meta SET size = $1 WHERE id = 1`, int64(b.Start)+int64(len(b.Entries))); err != nil {
		return p.errf("commit size: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return p.errf("commit: %w", err)
	}
	return nil
}

// reopenBundle moves an open bundle stored whole, as the store kept it
// before open bundles were kept as fragments, into audit_open as one
// fragment, in the commit's transaction.
func (p *Postgres) reopenBundle(ctx context.Context, tx pgx.Tx, start uint64) error {
	var data []byte
	err := tx.QueryRow(ctx, `SELECT data FROM audit_bundles WHERE idx = $1`, int64(start/BundleSize)).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return p.errf("commit: read entry bundle %d: %w", start/BundleSize, err)
	}
	if es, err := SplitBundle(data); err != nil || uint64(len(es)) != start%BundleSize {
		return p.errf("commit: stored entry bundle %d holds %d entries (%v), want %d", start/BundleSize, len(es), err, start%BundleSize)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_open (idx, data) VALUES ($1, $2)`, int64(start-start%BundleSize), data); err != nil {
		return p.errf("commit: reopen entry bundle %d: %w", start/BundleSize, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM audit_bundles WHERE idx = $1`, int64(start/BundleSize)); err != nil {
		return p.errf("commit: reopen entry bundle %d: %w", start/BundleSize, err)
	}
	return nil
}

// openEntries reads the open bundle's entries before start.
func (p *Postgres) openEntries(ctx context.Context, tx pgx.Tx, start uint64) ([][]byte, error) {
	rs, err := tx.Query(ctx, `SELECT idx, data FROM audit_open WHERE idx >= $1 AND idx < $2 ORDER BY idx`, int64(start-start%BundleSize), int64(start))
	if err != nil {
		return nil, fmt.Errorf("read open entry bundle %d: %w", start/BundleSize, err)
	}
	defer rs.Close()
	return openEntries(rs, start)
}

// Entries implements Store. It reads in one repeatable-read transaction,
// so that a commit closing the open bundle meanwhile cannot hide entries
// from it.
func (p *Postgres) Entries(ctx context.Context, start, end uint64, fn func(uint64, []byte) error) error {
	// Pages of bundles keep memory bounded on a log of millions of entries.
	const page = 64
	if start >= end {
		return nil
	}
	tx, err := p.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return p.errf("read entries: %w", err)
	}
	defer tx.Rollback(ctx)
	wrap := func(err error) error { return p.errf("read entries: %w", err) }
	read := func(query string, lo, hi uint64, emit func(uint64, []byte) error) error {
		rows, err := tx.Query(ctx, query, int64(lo), int64(hi))
		if err != nil {
			return wrap(err)
		}
		defer rows.Close()
		return eachRow(rows, emit, wrap)
	}
	for b := start / BundleSize; b <= (end-1)/BundleSize; b += page {
		err := read(`SELECT idx, data FROM audit_bundles WHERE idx >= $1 AND idx < $2 ORDER BY idx`, b, b+page,
			func(idx uint64, data []byte) error { return emitBundle(idx, data, start, end, fn) })
		if err != nil {
			return err
		}
	}
	return read(`SELECT idx, data FROM audit_open WHERE idx >= $1 AND idx < $2 ORDER BY idx`, start-start%BundleSize, end,
		func(idx uint64, data []byte) error { return emitEntries(idx, data, start, end, fn) })
}

// Tile implements Store.
func (p *Postgres) Tile(ctx context.Context, level, index uint64) (Tile, error) {
	t := Tile{Level: level, Index: index}
	err := p.pool.QueryRow(ctx, `SELECT width, hashes FROM audit_tiles WHERE level = $1 AND idx = $2`, int64(level), int64(index)).Scan(&t.Width, &t.Hashes)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, p.errf("tile %d/%d: %w", level, index, ErrNotFound)
	}
	if err != nil {
		return t, p.errf("tile %d/%d: %w", level, index, err)
	}
	return t, nil
}

// TileHashes implements Store.
func (p *Postgres) TileHashes(ctx context.Context, level, index uint64, offsets []int) ([]byte, error) {
	if len(offsets) == 0 {
		return nil, nil
	}
	var q strings.Builder
	q.WriteString("SELECT ")
	args := []any{int64(level), int64(index)}
	for i, o := range offsets {
		if i > 0 {
			q.WriteString(" || ")
		}
		args = append(args, o+1)
		fmt.Fprintf(&q, "substring(hashes from $%d for 32)", len(args))
	}
	q.WriteString(" FROM audit_tiles WHERE level = $1 AND idx = $2")
	var out []byte
	err := p.pool.QueryRow(ctx, q.String(), args...).Scan(&out)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, p.errf("tile %d/%d: %w", level, index, ErrNotFound)
	}
	if err != nil {
		return nil, p.errf("tile %d/%d: %w", level, index, err)
	}
	if len(out) != 32*len(offsets) {
		return nil, p.errf("tile %d/%d: %d bytes of hashes, want %d", level, index, len(out), 32*len(offsets))
	}
	return out, nil
}

// PutCheckpoint implements Store.
func (p *Postgres) PutCheckpoint(ctx context.Context, size uint64, note []byte) error {
	if _, err := p.pool.Exec(ctx, `INSERT INTO audit_checkpoints (size, note) VALUES ($1, $2)
		ON CONFLICT (size) DO UPDATE SET note = excluded.note`, int64(size), note); err != nil {
		return p.errf("store checkpoint %d: %w", size, err)
	}
	return nil
}

// Checkpoints implements Store.
func (p *Postgres) Checkpoints(ctx context.Context) ([]Checkpoint, error) {
	rows, err := p.pool.Query(ctx, `SELECT size, note FROM audit_checkpoints ORDER BY size`)
	if err != nil {
		return nil, p.errf("read checkpoints: %w", err)
	}
	defer rows.Close()
	var out []Checkpoint
	for rows.Next() {
		var c Checkpoint
		var size int64
		if err := rows.Scan(&size, &c.Note); err != nil {
			return nil, p.errf("read checkpoints: %w", err)
		}
		c.Size = uint64(size)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, p.errf("read checkpoints: %w", err)
	}
	return out, nil
}

// Close implements Store.
func (p *Postgres) Close() error {
	p.pool.Close()
	return nil
}
