package store

import (
	"encoding/binary"
	"fmt"
)

// Entries are stored 256 to a row, as entry bundles in the C2SP tlog-tiles
// format: each entry a big-endian uint16 length and its bytes. One row per
// bundle instead of one per entry makes a commit a few large writes, and a
// stored bundle is byte for byte the file a tiles export publishes.
const (
	// BundleSize is the number of entries in a full bundle.
	BundleSize = 256
	// MaxEntrySize is the largest entry a bundle can hold.
	MaxEntrySize = 1<<16 - 1
)

// AppendBundle appends entries to a bundle.
func AppendBundle(bundle []byte, entries ...[]byte) ([]byte, error) {
	for _, e := range entries {
		if len(e) > MaxEntrySize {
			return nil, fmt.Errorf("entry of %d bytes: more than the %d a bundle holds", len(e), MaxEntrySize)
		}
		bundle = binary.BigEndian.AppendUint16(bundle, uint16(len(e)))
		bundle = append(bundle, e...)
	}
	return bundle, nil
}

// SplitBundle splits a bundle into its entries. On a bundle cut short it
// returns the entries before the damage and an error.
func SplitBundle(b []byte) ([][]byte, error) {
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			return out, fmt.Errorf("entry %d: length prefix cut short", len(out))
		}
		n := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n {
			return out, fmt.Errorf("entry %d: %d bytes announced, %d left", len(out), n, len(b)-2)
		}
		out = append(out, b[2:2+n:2+n])
		b = b[2+n:]
	}
	return out, nil
}

// bundleWrite is one bundle row a commit writes.
type bundleWrite struct {
	index uint64
	data  []byte
}

// packBatch lays out a batch's entries as bundle rows, starting from the
// stored partial bundle (nil when the batch starts a new bundle).
func packBatch(start uint64, partial []byte, entries [][]byte) ([]bundleWrite, error) {
	if start%BundleSize != 0 {
		have, err := SplitBundle(partial)
		if err != nil || uint64(len(have)) != start%BundleSize {
			return nil, fmt.Errorf("stored entry bundle %d holds %d entries (%v), want %d", start/BundleSize, len(have), err, start%BundleSize)
		}
	} else {
		partial = nil
	}
	var out []bundleWrite
	cur := bundleWrite{index: start / BundleSize, data: append([]byte(nil), partial...)}
	pos := start
	for _, e := range entries {
		var err error
		if cur.data, err = AppendBundle(cur.data, e); err != nil {
			return nil, fmt.Errorf("entry %d: %w", pos, err)
		}
		pos++
		if pos%BundleSize == 0 {
			out = append(out, cur)
			cur = bundleWrite{index: pos / BundleSize}
		}
	}
	if len(cur.data) > 0 {
		out = append(out, cur)
	}
	return out, nil
}

// emitBundle calls fn for the entries of bundle idx within [start, end).
// The entries of a damaged bundle are emitted up to the damage; the gap
// that follows is for the caller to notice.
func emitBundle(idx uint64, data []byte, start, end uint64, fn func(uint64, []byte) error) error {
	es, _ := SplitBundle(data)
	for j, e := range es {
		i := idx*BundleSize + uint64(j)
		if j >= BundleSize || i >= end {
			break
		}
		if i < start {
			continue
		}
		if err := fn(i, e); err != nil {
			return err
		}
	}
	return nil
}
