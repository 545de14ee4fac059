package audit

import (
	"container/list"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/parapet-sec/parapet/internal/store"
)

// The tree's hashes are kept in tiles as C2SP tlog-tiles defines them: a tile
// at tile level L holds up to 256 consecutive hashes of tree level 8L. The
// stored form adds the seven rows above the bottom one, so that any node is
// read, not recomputed: a proof on a ten-million-entry log reads three or
// four tiles and hashes nothing but the right edge.
const (
	tileHeight = 8
	tileWidth  = 1 << tileHeight
	hashSize   = sha256.Size
)

var hasher = rfc6962.DefaultHasher

// leafHash is the RFC 6962 hash of an entry: SHA-256(0x00 || data).
func leafHash(data []byte) []byte {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(data)
	return h.Sum(make([]byte, 0, hashSize))
}

// nodeHash is the RFC 6962 hash of an interior node: SHA-256(0x01 || l || r).
func nodeHash(l, r []byte) []byte {
	var buf [1 + 2*hashSize]byte
	buf[0] = 1
	copy(buf[1:], l)
	copy(buf[1+hashSize:], r)
	s := sha256.Sum256(buf[:])
	return s[:]
}

// tile is one tile with its rows: rows[k] holds the hashes of tree level
// 8*level+k that the tile covers, concatenated.
type tile struct {
	level, index uint64
	rows         [tileHeight][]byte
}

func (t *tile) width() int { return len(t.rows[0]) / hashSize }

func (t *tile) clone() *tile {
	c := &tile{level: t.level, index: t.index}
	for k, r := range t.rows {
		c.rows[k] = append(make([]byte, 0, cap(r)), r...)
	}
	return c
}

// add appends a hash to the bottom row and computes the parents it
// completes. When the tile becomes full it returns the tile's root, the
// node that goes into the tile level above.
func (t *tile) add(h []byte) (root []byte) {
	t.rows[0] = append(t.rows[0], h...)
	for k := 0; k < tileHeight-1; k++ {
		n := len(t.rows[k]) / hashSize
		if n%2 == 1 {
			return nil
		}
		r := t.rows[k]
		t.rows[k+1] = append(t.rows[k+1], nodeHash(r[(n-2)*hashSize:(n-1)*hashSize], r[(n-1)*hashSize:])...)
	}
	if t.width() < tileWidth {
		return nil
	}
	r := t.rows[tileHeight-1]
	return nodeHash(r[:hashSize], r[hashSize:])
}

// node returns the hash at position i of row k, or nil when the tile does
// not reach that far.
func (t *tile) node(k int, i uint64) []byte {
	r := t.rows[k]
	if (i+1)*hashSize > uint64(len(r)) {
		return nil
	}
	return r[i*hashSize : (i+1)*hashSize]
}

// encode gives the stored form: the rows one after the other.
func (t *tile) encode() store.Tile {
	n := 0
	for _, r := range t.rows {
		n += len(r)
	}
	b := make([]byte, 0, n)
	for _, r := range t.rows {
		b = append(b, r...)
	}
	return store.Tile{Level: t.level, Index: t.index, Width: t.width(), Hashes: b}
}

// bottom returns the tile's C2SP form: the bottom row alone, cut to w hashes.
func (t *tile) bottom(w int) []byte { return t.rows[0][:w*hashSize] }

// decodeTile checks and splits a stored tile.
func decodeTile(st store.Tile) (*tile, error) {
	if st.Width < 1 || st.Width > tileWidth {
		return nil, fmt.Errorf("tile %d/%d: width %d out of range", st.Level, st.Index, st.Width)
	}
	t := &tile{level: st.Level, index: st.Index}
	b := st.Hashes
	for k := range tileHeight {
		n := (st.Width >> k) * hashSize
		if len(b) < n {
			return nil, fmt.Errorf("tile %d/%d: %d bytes, too short for width %d", st.Level, st.Index, len(st.Hashes), st.Width)
		}
		t.rows[k] = b[:n:n]
		b = b[n:]
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("tile %d/%d: %d bytes, too long for width %d", st.Level, st.Index, len(st.Hashes), st.Width)
	}
	return t, nil
}

// truncate cuts a tile to a narrower width (tiles only grow, so a narrower
// version is a prefix of every row).
func (t *tile) truncate(w int) *tile {
	c := &tile{level: t.level, index: t.index}
	for k := range tileHeight {
		n := (w >> k) * hashSize
		c.rows[k] = t.rows[k][:n:n]
	}
	return c
}

// tree is the right edge of the tree: the last, partly filled tile of each
// tile level. Everything left of the edge lives in full tiles that never
// change again.
type tree struct {
	size uint64
	edge []*tile // edge[L] is the rightmost tile of tile level L
}

func newTree() *tree { return &tree{edge: []*tile{{}}} }

func (tr *tree) clone() *tree {
	c := &tree{size: tr.size, edge: make([]*tile, len(tr.edge))}
	for i, t := range tr.edge {
		c.edge[i] = t.clone()
	}
	return c
}

// append adds one leaf hash. Each tile it changes is passed to touched;
// a tile that fills is passed before it is replaced by the next one.
func (tr *tree) append(h []byte, touched func(*tile)) {
	for L := 0; ; L++ {
		if L == len(tr.edge) {
			tr.edge = append(tr.edge, &tile{level: uint64(L)})
		}
		t := tr.edge[L]
		root := t.add(h)
		if touched != nil {
			touched(t)
		}
		if root == nil {
			break
		}
		tr.edge[L] = &tile{level: uint64(L), index: t.index + 1}
		h = root
	}
	tr.size++
}

// loadTree rebuilds the right edge of a tree of the given size from stored
// tiles.
func loadTree(ctx context.Context, st store.Store, size uint64) (*tree, error) {
	tr := &tree{size: size}
	for L := uint64(0); ; L++ {
		count := size >> (tileHeight * L)
		if L > 0 && count == 0 {
			break
		}
		idx, w := count/tileWidth, int(count%tileWidth)
		if w == 0 {
			tr.edge = append(tr.edge, &tile{level: L, index: idx})
			continue
		}
		s, err := st.Tile(ctx, L, idx)
		if err != nil {
			return nil, fmt.Errorf("load tree of size %d: %w", size, err)
		}
		t, err := decodeTile(s)
		if err != nil {
			return nil, fmt.Errorf("load tree of size %d: %w", size, err)
		}
		if t.width() < w {
			return nil, fmt.Errorf("load tree of size %d: tile %d/%d has %d hashes, want %d", size, L, idx, t.width(), w)
		}
		tr.edge = append(tr.edge, t.truncate(w).clone())
	}
	return tr, nil
}

// tileCache keeps recently read full tiles, which never change.
type tileCache struct {
	mu    sync.Mutex
	max   int
	order *list.List
	items map[[2]uint64]*list.Element
}

type cached struct {
	key [2]uint64
	t   *tile
}

func newTileCache(max int) *tileCache {
	return &tileCache{max: max, order: list.New(), items: map[[2]uint64]*list.Element{}}
}

func (c *tileCache) get(level, index uint64) *tile {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[[2]uint64{level, index}]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*cached).t
	}
	return nil
}

func (c *tileCache) put(t *tile) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := [2]uint64{t.level, t.index}
	if _, ok := c.items[k]; ok {
		return
	}
	c.items[k] = c.order.PushFront(&cached{key: k, t: t})
	for c.order.Len() > c.max {
		e := c.order.Back()
		c.order.Remove(e)
		delete(c.items, e.Value.(*cached).key)
	}
}

// hashReader reads node hashes of a tree of a known size: from the right
// edge in memory, from the cache, or from the store.
type hashReader struct {
	st    store.Store
	tr    *tree
	cache *tileCache
}

var errBeyondTree = errors.New("node beyond the tree")

// nodes returns the hashes of the given perfect nodes. Nodes on the right
// edge come from memory; full tiles above the bottom level are read whole
// and cached (there are few and every proof passes through them); from a
// bottom-level tile only the hashes asked for are read.
func (r hashReader) nodes(ctx context.Context, ids []compact.NodeID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	type want struct {
		i      int
		offset int
	}
	var pendingKey [2]uint64
	var pending []want
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		offs := make([]int, len(pending))
		for j, w := range pending {
			offs[j] = w.offset
		}
		b, err := r.st.TileHashes(ctx, pendingKey[0], pendingKey[1], offs)
		if err != nil {
			return err
		}
		for j, w := range pending {
			out[w.i] = b[j*hashSize : (j+1)*hashSize]
		}
		pending = pending[:0]
		return nil
	}
	for i, id := range ids {
		L := uint64(id.Level / tileHeight)
		k := int(id.Level % tileHeight)
		tidx := (id.Index << k) >> tileHeight
		pos := id.Index % (tileWidth >> k)
		if L >= uint64(len(r.tr.edge)) || tidx > r.tr.edge[L].index {
			return nil, fmt.Errorf("node %d/%d: %w of size %d", id.Level, id.Index, errBeyondTree, r.tr.size)
		}
		var t *tile
		if r.tr.edge[L].index == tidx {
			t = r.tr.edge[L]
		} else if t = r.cache.get(L, tidx); t == nil && L > 0 {
			s, err := r.st.Tile(ctx, L, tidx)
			if err != nil {
				return nil, err
			}
			if t, err = decodeTile(s); err != nil {
				return nil, err
			}
			if t.width() != tileWidth {
				return nil, fmt.Errorf("tile %d/%d: %d hashes, want a full tile", L, tidx, t.width())
			}
			r.cache.put(t)
		}
		if t != nil {
			h := t.node(k, pos)
			if h == nil {
				return nil, fmt.Errorf("node %d/%d: %w of size %d", id.Level, id.Index, errBeyondTree, r.tr.size)
			}
			out[i] = h
			continue
		}
		if key := [2]uint64{L, tidx}; key != pendingKey || len(pending) == 0 {
			if err := flush(); err != nil {
				return nil, err
			}
			pendingKey = key
		}
		pending = append(pending, want{i, hashSize * (2*tileWidth - (2*tileWidth)>>k + int(pos))})
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// root returns the root hash of the first size leaves.
func (r hashReader) root(ctx context.Context, size uint64) ([]byte, error) {
	if size == 0 {
		return hasher.EmptyRoot(), nil
	}
	ids := compact.RangeNodes(0, size, nil)
	hs, err := r.nodes(ctx, ids)
	if err != nil {
		return nil, err
	}
	return foldRoot(hs), nil
}

// foldRoot combines the perfect subtrees of a tree, largest first, into its
// RFC 6962 root.
func foldRoot(hs [][]byte) []byte {
	root := hs[len(hs)-1]
	for i := len(hs) - 2; i >= 0; i-- {
		root = nodeHash(hs[i], root)
	}
	return root
}

// rootOf returns the root of an in-memory tree, edge only.
func (tr *tree) root() []byte {
	r, err := hashReader{tr: tr}.root(context.Background(), tr.size)
	if err != nil {
		panic("audit: right edge lacks its own nodes: " + err.Error())
	}
	return r
}

func (r hashReader) inclusion(ctx context.Context, index, size uint64) ([][]byte, error) {
	if index >= size {
		return nil, fmt.Errorf("inclusion proof: entry %d is not in a tree of size %d", index, size)
	}
	ns, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, err
	}
	hs, err := r.nodes(ctx, ns.IDs)
	if err != nil {
		return nil, fmt.Errorf("inclusion proof for entry %d at size %d: %w", index, size, err)
	}
	return ns.Rehash(hs, nodeHash)
}

func (r hashReader) consistency(ctx context.Context, size1, size2 uint64) ([][]byte, error) {
	if size1 > size2 {
		return nil, fmt.Errorf("consistency proof: size %d is larger than %d", size1, size2)
	}
	ns, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, err
	}
	hs, err := r.nodes(ctx, ns.IDs)
	if err != nil {
		return nil, fmt.Errorf("consistency proof from %d to %d: %w", size1, size2, err)
	}
	return ns.Rehash(hs, nodeHash)
}

// VerifyInclusion checks that an entry's leaf hash is at index in the tree
// of the given size and root.
func VerifyInclusion(index, size uint64, leafHash []byte, proofHashes [][]byte, root []byte) error {
	return proof.VerifyInclusion(hasher, index, size, leafHash, proofHashes, root)
}

// VerifyConsistency checks that the tree of size2 and root2 extends the tree
// of size1 and root1. A proof from the empty tree proves nothing and is
// refused.
func VerifyConsistency(size1, size2 uint64, proofHashes [][]byte, root1, root2 []byte) error {
	if size1 == 0 {
		return errors.New("consistency proof from an empty tree proves nothing")
	}
	return proof.VerifyConsistency(hasher, size1, size2, proofHashes, root1, root2)
}

// LeafHash returns the RFC 6962 leaf hash of an entry.
func LeafHash(entry []byte) []byte { return leafHash(entry) }
