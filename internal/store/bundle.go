package store

import (
	"encoding/binary"
	"fmt"
)

// Entries are stored 256 to a row, as entry bundles in the C2SP tlog-tiles
// format: each entry a big-endian uint16 length and its bytes. One row per
// bundle instead of one per entry keeps a large log's reads to a few large
// rows, and a stored bundle is byte for byte the file a tiles export
// publishes. The bundle still filling (the open bundle) is kept as
// fragments, one row per commit holding that commit's entries packed the
// same way, until a commit fills it and writes it whole: so a commit writes
// its own entries and not the open bundle again (rewriting it cost a
// commit of four 1 KiB entries about 170 KiB of writes;
// BenchmarkCommitSmallBatches), in one row whatever the batch size.
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

// commitPlan is what a commit writes: the bundles it fills, the fragment
// of the open bundle it leaves (its entries packed as in a bundle, nil if
// none), and whether the open bundle's fragments the commit found are to
// be deleted (the bundle they belonged to is now written whole).
type commitPlan struct {
	bundles   []bundleWrite
	fragment  *bundleWrite // index: the index of its first entry
	closeOpen bool
}

// planBatch lays out a batch's entries starting at index start. When the
// batch fills the open bundle, have returns the entries the open bundle
// already holds (start%BundleSize of them); it is not called otherwise.
func planBatch(start uint64, entries [][]byte, have func() ([][]byte, error)) (commitPlan, error) {
	var p commitPlan
	for i, e := range entries {
		if len(e) > MaxEntrySize {
			return p, fmt.Errorf("entry %d: %d bytes, more than the %d a bundle holds", start+uint64(i), len(e), MaxEntrySize)
		}
	}
	pos := start
	if held := start % BundleSize; held != 0 && uint64(len(entries)) >= BundleSize-held {
		es, err := have()
		if err != nil {
			return p, err
		}
		if uint64(len(es)) != held {
			return p, fmt.Errorf("open entry bundle %d holds %d entries, want %d", start/BundleSize, len(es), held)
		}
		room := BundleSize - held
		data, _ := AppendBundle(nil, es...)
		data, _ = AppendBundle(data, entries[:room]...)
		p.bundles = append(p.bundles, bundleWrite{index: start / BundleSize, data: data})
		p.closeOpen = true
		entries, pos = entries[room:], pos+room
	}
	for pos%BundleSize == 0 && len(entries) >= BundleSize {
		data, _ := AppendBundle(nil, entries[:BundleSize]...)
		p.bundles = append(p.bundles, bundleWrite{index: pos / BundleSize, data: data})
		entries, pos = entries[BundleSize:], pos+BundleSize
	}
	if len(entries) > 0 {
		data, _ := AppendBundle(nil, entries...)
		p.fragment = &bundleWrite{index: pos, data: data}
	}
	return p, nil
}

// emitBundle calls fn for the entries of bundle idx within [start, end).
// The entries of a damaged bundle are emitted up to the damage; the gap
// that follows is for the caller to notice.
func emitBundle(idx uint64, data []byte, start, end uint64, fn func(uint64, []byte) error) error {
	return emitEntries(idx*BundleSize, data, start, end, fn)
}

// emitEntries calls fn for the entries packed in data, the first of them
// entry first, that lie within [start, end) and within first's bundle.
func emitEntries(first uint64, data []byte, start, end uint64, fn func(uint64, []byte) error) error {
	es, _ := SplitBundle(data)
	limit := first - first%BundleSize + BundleSize
	for j, e := range es {
		i := first + uint64(j)
		if i >= limit || i >= end {
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

// rows is what both databases' result sets offer.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// eachRow calls emit for each (idx, data) row of rs. An error of emit is
// returned as it is; one reading the rows goes through wrap.
func eachRow(rs rows, emit func(idx uint64, data []byte) error, wrap func(error) error) error {
	for rs.Next() {
		var idx int64
		var data []byte
		if err := rs.Scan(&idx, &data); err != nil {
			return wrap(err)
		}
		if err := emit(uint64(idx), data); err != nil {
			return err
		}
	}
	if err := rs.Err(); err != nil {
		return wrap(err)
	}
	return nil
}

// openEntries reads the (idx, data) fragment rows of the open bundle, in
// index order, holding the entries before start, and checks that none is
// missing.
func openEntries(rs rows, start uint64) ([][]byte, error) {
	first := start - start%BundleSize
	var out [][]byte
	err := eachRow(rs, func(idx uint64, data []byte) error {
		if idx != first+uint64(len(out)) {
			return fmt.Errorf("open entry bundle %d: entry %d missing", start/BundleSize, first+uint64(len(out)))
		}
		es, err := SplitBundle(data)
		if err != nil {
			return fmt.Errorf("open entry bundle %d: entries from %d: %w", start/BundleSize, idx, err)
		}
		out = append(out, es...)
		return nil
	}, func(err error) error { return fmt.Errorf("read open entry bundle %d: %w", start/BundleSize, err) })
	return out, err
}
