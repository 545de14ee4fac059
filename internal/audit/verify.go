package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/parapet-sec/parapet/internal/store"
)

// TamperError says where verification found the log damaged. Entry is the
// index of the first bad entry when it could be located.
type TamperError struct {
	Entry   uint64
	Located bool
	Reason  string
}

// Error names the entry, where located, and what was found.
func (e *TamperError) Error() string {
	if e.Located {
		return fmt.Sprintf("audit log verification failed at entry %d: %s", e.Entry, e.Reason)
	}
	return "audit log verification failed: " + e.Reason
}

func tamperAt(i uint64, format string, args ...any) error {
	return &TamperError{Entry: i, Located: true, Reason: fmt.Sprintf(format, args...)}
}

func tampered(format string, args ...any) error {
	return &TamperError{Reason: fmt.Sprintf(format, args...)}
}

// Report is what a successful verification checked.
type Report struct {
	Origin      string `json:"origin"`
	Size        uint64 `json:"size"`
	RootHash    []byte `json:"root_hash"`
	Checkpoints int    `json:"checkpoints_verified"`
	// Checkpoint is the newest signed checkpoint that verified.
	Checkpoint []byte `json:"checkpoint,omitempty"`
	// TrustedSize is the size of the trusted checkpoint the log was shown
	// to extend, when one was given.
	TrustedSize *uint64 `json:"trusted_size,omitempty"`
}

// recompute rebuilds a tree from entries in order and compares each tile,
// as it completes, with the stored one.
type recompute struct {
	tr     *tree
	rows   int                                                 // how many rows of each stored tile to compare
	stored func(level, index uint64, width int) (*tile, error) // width is the one wanted; the result may differ
	want   []uint64                                            // sizes whose roots are wanted, ascending
	roots  map[uint64][]byte                                   // computed roots by size
	err    error
}

func newRecompute(rows int, want []uint64, stored func(level, index uint64, width int) (*tile, error)) *recompute {
	sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
	return &recompute{tr: newTree(), rows: rows, stored: stored, want: want, roots: map[uint64][]byte{}}
}

func (rc *recompute) add(data []byte) error {
	rc.tr.append(leafHash(data), func(t *tile) {
		if rc.err == nil && t.width() == tileWidth {
			rc.err = rc.compare(t, tileWidth)
		}
	})
	if rc.err != nil {
		return rc.err
	}
	for len(rc.want) > 0 && rc.want[0] == rc.tr.size {
		rc.roots[rc.tr.size] = rc.tr.root()
		rc.want = rc.want[1:]
	}
	return nil
}

// finish compares the partial tiles of the right edge.
func (rc *recompute) finish() error {
	if rc.tr.size == 0 {
		rc.roots[0] = hasher.EmptyRoot()
		return nil
	}
	for _, t := range rc.tr.edge {
		if w := t.width(); w > 0 {
			if err := rc.compare(t, w); err != nil {
				return err
			}
		}
	}
	return nil
}

// compare checks a recomputed tile against the stored one and locates the
// first entry under the first hash that differs.
func (rc *recompute) compare(t *tile, width int) error {
	return rc.compareRows(t, width, false)
}

// checkPrefix compares the bottom tile of the right edge with the stored
// tile as far as the recomputed one reaches. It runs before reporting
// missing entries, so that an entry removed from the middle of a bundle is
// located where it was, not where the shifted entries run out.
func (rc *recompute) checkPrefix() error {
	t := rc.tr.edge[0]
	if t.width() == 0 {
		return nil
	}
	return rc.compareRows(t, t.width(), true)
}

func (rc *recompute) compareRows(t *tile, width int, prefix bool) error {
	first := (t.index * tileWidth) << (tileHeight * t.level)
	s, err := rc.stored(t.level, t.index, width)
	if err != nil {
		return tamperAt(first, "tile %d/%d of the tree: %v", t.level, t.index, err)
	}
	if !prefix && s.width() != width {
		return tamperAt(first, "tile %d/%d of the tree: stored with %d hashes, want %d", t.level, t.index, s.width(), width)
	}
	rows := rc.rows
	if prefix {
		rows = 1
	}
	for k := 0; k < rows; k++ {
		a, b := t.rows[k], s.rows[k]
		if prefix && len(b) > len(a) {
			b = b[:len(a)]
		}
		if bytes.Equal(a, b) {
			continue
		}
		pos := 0
		for pos*hashSize < len(a) && pos*hashSize < len(b) && bytes.Equal(a[pos*hashSize:(pos+1)*hashSize], b[pos*hashSize:(pos+1)*hashSize]) {
			pos++
		}
		shift := uint64(tileHeight)*t.level + uint64(k)
		first := ((t.index*tileWidth)>>k + uint64(pos)) << shift
		if t.level == 0 && k == 0 {
			return tamperAt(first, "its hash does not match the hash the tree recorded for it: the entry, or the tree's record of it, was changed, replaced or moved")
		}
		return tamperAt(first, "tree node %d/%d (covering entries %d to %d) differs from the one recomputed from the entries", shift, first>>shift, first, first+(1<<shift)-1)
	}
	return nil
}

// Verify recomputes the whole tree from the stored entries and checks it
// against the stored tiles, every stored checkpoint's signature and root,
// and, when trusted is not nil, a checkpoint the caller trusts (for example
// the last one it verified): the log must still contain that tree. A
// *TamperError names the first bad entry where it can be located.
func (l *Log) Verify(ctx context.Context, trusted []byte) (*Report, error) {
	size, err := l.st.Size(ctx)
	if err != nil {
		return nil, err
	}
	stored, err := l.st.Checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	type cp struct {
		c      Checkpoint
		signed []byte
	}
	var cps []cp
	for _, s := range stored {
		c, _, err := OpenCheckpoint(s.Note, l.verifier)
		if err != nil {
			return nil, tampered("stored checkpoint of size %d: %v", s.Size, err)
		}
		if c.Size != s.Size || c.Origin != l.meta.Origin {
			return nil, tampered("stored checkpoint of size %d names size %d of log %q", s.Size, c.Size, c.Origin)
		}
		cps = append(cps, cp{c, s.Note})
	}
	var tc *Checkpoint
	if trusted != nil {
		c, _, err := OpenCheckpoint(trusted, l.verifier)
		if err != nil {
			return nil, fmt.Errorf("trusted checkpoint: %w", err)
		}
		if c.Origin != l.meta.Origin {
			return nil, fmt.Errorf("trusted checkpoint is of log %q, not %q", c.Origin, l.meta.Origin)
		}
		tc = &c
	}
	want := []uint64{}
	for _, c := range cps {
		want = append(want, c.c.Size)
	}
	if tc != nil {
		want = append(want, tc.Size)
	}
	rc := newRecompute(tileHeight, want, func(level, index uint64, width int) (*tile, error) {
		s, err := l.st.Tile(ctx, level, index)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, errors.New("missing from the store")
			}
			return nil, err
		}
		return decodeTile(s)
	})
	err = l.st.Entries(ctx, 0, size, func(i uint64, data []byte) error {
		if i != rc.tr.size {
			if err := rc.checkPrefix(); err != nil {
				return err
			}
			return tamperAt(rc.tr.size, "missing from the store (next stored entry is %d)", i)
		}
		return rc.add(data)
	})
	if err != nil {
		return nil, err
	}
	if rc.tr.size < size {
		if err := rc.checkPrefix(); err != nil {
			return nil, err
		}
		return nil, tamperAt(rc.tr.size, "missing from the store: the log records %d entries but holds %d", size, rc.tr.size)
	}
	if err := rc.finish(); err != nil {
		return nil, err
	}
	prev := uint64(0)
	for _, c := range cps {
		if c.c.Size > size {
			return nil, tamperAt(size, "missing: the log holds %d entries but its checkpoint of size %d was signed over more (the log was truncated)", size, c.c.Size)
		}
		if !bytes.Equal(rc.roots[c.c.Size], c.c.Hash) {
			return nil, tampered("the signed checkpoint of size %d does not match the entries: an entry in [%d, %d) was changed", c.c.Size, prev, c.c.Size)
		}
		prev = c.c.Size
	}
	rep := &Report{Origin: l.meta.Origin, Size: size, RootHash: rc.tr.root(), Checkpoints: len(cps)}
	if len(cps) > 0 {
		rep.Checkpoint = cps[len(cps)-1].signed
	}
	if tc != nil {
		if tc.Size > size {
			return nil, tamperAt(size, "missing: the log holds %d entries but the trusted checkpoint covers %d (the log was truncated or rolled back)", size, tc.Size)
		}
		if !bytes.Equal(rc.roots[tc.Size], tc.Hash) {
			return nil, tampered("the log does not extend the trusted checkpoint of size %d: an entry before %d was changed", tc.Size, tc.Size)
		}
		// The recomputed roots agree; the stored tiles must also yield a
		// consistency proof between the two trees.
		if tc.Size > 0 {
			r := hashReader{st: l.st, tr: rc.tr, cache: l.cache}
			pf, err := r.consistency(ctx, tc.Size, size)
			if err != nil {
				return nil, err
			}
			if err := VerifyConsistency(tc.Size, size, pf, tc.Hash, rep.RootHash); err != nil {
				return nil, tampered("consistency proof from the trusted checkpoint of size %d: %v", tc.Size, err)
			}
		}
		ts := tc.Size
		rep.TrustedSize = &ts
	}
	return rep, nil
}
