package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/mod/sumdb/note"

	"github.com/parapet-sec/parapet/internal/store"
)

// The C2SP tlog-tiles layout: "checkpoint", "tile/<L>/<N>[.p/<W>]" with the
// bottom row of each tile, and "tile/entries/<N>[.p/<W>]" with entry bundles
// (each entry a big-endian uint16 length and its bytes).

// TilePath returns the path of a hash tile in the tlog-tiles layout; width
// is the number of hashes, 256 for a full tile.
func TilePath(level, index uint64, width int) string {
	return fmt.Sprintf("tile/%d/%s", level, indexPath(index, width))
}

// EntriesPath returns the path of an entry bundle in the tlog-tiles layout.
func EntriesPath(index uint64, width int) string {
	return "tile/entries/" + indexPath(index, width)
}

// indexPath encodes a tile index as three-digit path elements, all but the
// last prefixed with "x" (1234067 is x001/x234/067), with ".p/W" for a
// partial tile.
func indexPath(n uint64, width int) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n >= 1000 {
		n /= 1000
		s = fmt.Sprintf("x%03d/%s", n%1000, s)
	}
	if width > 0 && width < tileWidth {
		s += fmt.Sprintf(".p/%d", width)
	}
	return s
}

// ExportTiles writes the entries and tree of the checkpoint's tree into dir
// in the tlog-tiles layout, ready to be served as static files (for example
// from a bucket under a retention lock). signed must be a checkpoint of
// this log (from Checkpoint). Files already there are kept when identical;
// a full tile or bundle that differs is an error, never overwritten. The
// checkpoint is written last, so a reader never sees one that the tiles do
// not yet back.
func (l *Log) ExportTiles(ctx context.Context, dir string, signed []byte) error {
	c, _, err := OpenCheckpoint(signed, l.verifier)
	if err != nil {
		return err
	}
	if c.Origin != l.meta.Origin {
		return fmt.Errorf("export: checkpoint is of log %q, not %q", c.Origin, l.meta.Origin)
	}
	r, err := l.reader(ctx, c.Size)
	if err != nil {
		return err
	}
	root, err := r.root(ctx, c.Size)
	if err != nil {
		return err
	}
	if !bytes.Equal(root, c.Hash) {
		return fmt.Errorf("export: checkpoint of size %d does not match the log's tree", c.Size)
	}
	x := exporter{dir: dir}
	for L := uint64(0); ; L++ {
		count := c.Size >> (tileHeight * L)
		if count == 0 {
			break
		}
		for idx := uint64(0); idx*tileWidth < count; idx++ {
			w := int(min(count-idx*tileWidth, tileWidth))
			// Ask for the tile's first node at this level: it reads
			// the tile from the edge, the cache or the store.
			t, err := r.tile(ctx, L, idx)
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			if t.width() < w {
				return fmt.Errorf("export: tile %d/%d has %d hashes, want %d", L, idx, t.width(), w)
			}
			if err := x.write(TilePath(L, idx, w), t.bottom(w), w == tileWidth); err != nil {
				return err
			}
		}
	}
	var bundle []byte
	n := 0
	flush := func(idx uint64) error {
		err := x.write(EntriesPath(idx, n), bundle, n == tileWidth)
		bundle, n = bundle[:0], 0
		return err
	}
	err = l.st.Entries(ctx, 0, c.Size, func(i uint64, data []byte) error {
		if i != i/tileWidth*tileWidth+uint64(n) {
			return fmt.Errorf("export: entry %d missing from the store", i/tileWidth*tileWidth+uint64(n))
		}
		var err error
		if bundle, err = store.AppendBundle(bundle, data); err != nil {
			return fmt.Errorf("export: entry %d: %w", i, err)
		}
		n++
		if n == tileWidth {
			return flush(i / tileWidth)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n > 0 {
		if err := flush(c.Size / tileWidth); err != nil {
			return err
		}
	}
	return x.replace("checkpoint", signed)
}

// tile returns a whole tile, full or the right edge's.
func (r hashReader) tile(ctx context.Context, level, index uint64) (*tile, error) {
	if level < uint64(len(r.tr.edge)) && r.tr.edge[level].index == index {
		return r.tr.edge[level], nil
	}
	if t := r.cache.get(level, index); t != nil {
		return t, nil
	}
	s, err := r.st.Tile(ctx, level, index)
	if err != nil {
		return nil, err
	}
	return decodeTile(s)
}

type exporter struct{ dir string }

// write puts a file in place unless an identical one is there. Immutable
// files (full tiles and bundles) that differ are refused.
func (x exporter) write(rel string, data []byte, immutable bool) error {
	path := filepath.Join(x.dir, filepath.FromSlash(rel))
	old, err := os.ReadFile(path)
	switch {
	case err == nil && bytes.Equal(old, data):
		return nil
	case err == nil && immutable:
		return fmt.Errorf("export: %s already exists with other content: refusing to overwrite a published tile", path)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("export: %w", err)
	}
	return x.replace(rel, data)
}

func (x exporter) replace(rel string, data []byte) error {
	path := filepath.Join(x.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	return nil
}

// VerifyTiles checks a tlog-tiles export in dir as any client would: the
// checkpoint's signature with v, every entry against the tiles, the tree
// recomputed from the entries against every tile and the checkpoint's root,
// and, when trusted is not nil, that the export extends that checkpoint. A
// *TamperError names the first bad entry where it can be located.
func VerifyTiles(ctx context.Context, dir string, v note.Verifier, trusted []byte) (*Report, error) {
	signed, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		return nil, fmt.Errorf("tiles %s: %w", dir, err)
	}
	c, _, err := OpenCheckpoint(signed, v)
	if err != nil {
		return nil, fmt.Errorf("tiles %s: %w", dir, err)
	}
	want := []uint64{c.Size}
	var tc *Checkpoint
	if trusted != nil {
		t, _, err := OpenCheckpoint(trusted, v)
		if err != nil {
			return nil, fmt.Errorf("trusted checkpoint: %w", err)
		}
		if t.Origin != c.Origin {
			return nil, fmt.Errorf("trusted checkpoint is of log %q, not %q", t.Origin, c.Origin)
		}
		if t.Size > c.Size {
			return nil, tamperAt(c.Size, "missing: the export's checkpoint covers %d entries but the trusted checkpoint covers %d (the log was truncated or rolled back)", c.Size, t.Size)
		}
		tc = &t
		want = append(want, t.Size)
	}
	readTile := func(level, index uint64, width int) ([]byte, error) {
		rel := TilePath(level, index, width)
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%s is missing", rel)
			}
			return nil, err
		}
		if len(b) != width*hashSize {
			return nil, fmt.Errorf("%s holds %d bytes, want %d", rel, len(b), width*hashSize)
		}
		return b, nil
	}
	rc := newRecompute(1, want, func(level, index uint64, width int) (*tile, error) {
		b, err := readTile(level, index, width)
		if err != nil {
			return nil, err
		}
		t := &tile{level: level, index: index}
		t.rows[0] = b
		return t, nil
	})
	for idx := uint64(0); idx*tileWidth < c.Size; idx++ {
		base := idx * tileWidth
		w := int(min(c.Size-base, tileWidth))
		rel := EntriesPath(idx, w)
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, tamperAt(base, "entry bundle %s is missing", rel)
			}
			return nil, err
		}
		entries, perr := store.SplitBundle(b)
		leaves, err := readTile(0, idx, w)
		if err != nil {
			return nil, tamperAt(base, "%v", err)
		}
		for i, e := range entries {
			if i >= w {
				return nil, tamperAt(base+uint64(i), "entry bundle %s holds more than %d entries", rel, w)
			}
			if !bytes.Equal(leafHash(e), leaves[i*hashSize:(i+1)*hashSize]) {
				return nil, tamperAt(base+uint64(i), "its hash differs from the one in %s: the entry was changed, replaced, moved or removed", TilePath(0, idx, w))
			}
		}
		if perr != nil {
			return nil, tamperAt(base+uint64(len(entries)), "entry bundle %s: %v", rel, perr)
		}
		if len(entries) < w {
			return nil, tamperAt(base+uint64(len(entries)), "entry bundle %s holds %d entries, want %d (the log was truncated)", rel, len(entries), w)
		}
		for _, e := range entries {
			if err := rc.add(e); err != nil {
				return nil, err
			}
		}
	}
	if err := rc.finish(); err != nil {
		return nil, err
	}
	root := rc.tr.root()
	if !bytes.Equal(root, c.Hash) {
		return nil, tampered("the root hash recomputed from the entries differs from the signed checkpoint's")
	}
	rep := &Report{Origin: c.Origin, Size: c.Size, RootHash: root, Checkpoints: 1, Checkpoint: signed}
	if tc != nil {
		if !bytes.Equal(rc.roots[tc.Size], tc.Hash) {
			return nil, tampered("the export does not extend the trusted checkpoint of size %d: an entry before %d was changed", tc.Size, tc.Size)
		}
		ts := tc.Size
		rep.TrustedSize = &ts
	}
	return rep, nil
}
