package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/parapet-sec/parapet/internal/store"
	"github.com/parapet-sec/parapet/internal/store/storetest"
)

// entry is the test's entry at index i: its bytes say where it belongs.
func entry(i uint64) []byte { return fmt.Appendf(nil, "entry-%d", i) }

func newLog(t *testing.T, k storetest.Kind) (string, store.Store) {
	t.Helper()
	loc := k.New(t)
	s := storetest.Open(t, loc)
	if err := s.Create(context.Background(), store.Meta{Origin: "example.com/log", VerifierKey: "example.com/log+01234567+AAAA"}); err != nil {
		t.Fatal(err)
	}
	return loc, s
}

// commitN commits entries [start, start+n) as one batch.
func commitN(t testing.TB, s store.Store, start, n uint64) {
	t.Helper()
	b := store.Batch{Start: start}
	for i := start; i < start+n; i++ {
		b.Entries = append(b.Entries, entry(i))
	}
	if err := s.Commit(context.Background(), b); err != nil {
		t.Fatalf("commit %d+%d: %v", start, n, err)
	}
}

// wantEntries checks that [start, end) reads back complete and in order.
func wantEntries(t testing.TB, s store.Store, start, end uint64) {
	t.Helper()
	next := start
	err := s.Entries(context.Background(), start, end, func(i uint64, d []byte) error {
		if i != next || !bytes.Equal(d, entry(i)) {
			return fmt.Errorf("read entry %d (%q), want entry %d", i, d, next)
		}
		next++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if next != end {
		t.Fatalf("read entries %d to %d, want up to %d", start, next, end)
	}
}

// count runs a count(*) query against the store's tables.
func count(t *testing.T, loc, table string) int {
	t.Helper()
	return int(storetest.QueryInt(t, loc, "SELECT count(*) FROM "+table))
}

func TestBatchesAcrossBundles(t *testing.T) {
	storetest.Run(t, func(t *testing.T, k storetest.Kind) {
		loc, s := newLog(t, k)
		// Batches that stay in the open bundle, fill it exactly, cross
		// one boundary, and span more than a whole bundle.
		size := uint64(0)
		for _, n := range []uint64{1, 3, 252, 10, 246, 7, 600, 1, 255} {
			commitN(t, s, size, n)
			size += n
			if open := count(t, loc, "audit_open"); (open == 0) != (size%store.BundleSize == 0) {
				t.Fatalf("after %d entries: %d fragments of the open bundle stored", size, open)
			}
			if got, want := count(t, loc, "audit_bundles"), int(size/store.BundleSize); got != want {
				t.Fatalf("after %d entries: %d bundles stored, want %d", size, got, want)
			}
		}
		wantEntries(t, s, 0, size)
		wantEntries(t, s, 250, 270)   // across a boundary
		wantEntries(t, s, 1370, size) // the open bundle alone
		wantEntries(t, s, 1020, 1300) // a full bundle and the open one
	})
}

func TestOversizedEntryChangesNothing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, k storetest.Kind) {
		_, s := newLog(t, k)
		commitN(t, s, 0, 3)
		err := s.Commit(context.Background(), store.Batch{Start: 3, Entries: [][]byte{entry(3), make([]byte, store.MaxEntrySize+1)}})
		if err == nil {
			t.Fatal("an entry larger than a bundle holds was committed")
		}
		if n, _ := s.Size(context.Background()); n != 3 {
			t.Fatalf("Size = %d after a refused batch, want 3", n)
		}
		wantEntries(t, s, 0, 3)
	})
}

// A log written when the open bundle was stored whole, in audit_bundles,
// goes on from it: the next commit takes it up as a fragment.
func TestOpenBundleStoredWholeIsTakenUp(t *testing.T) {
	storetest.Run(t, func(t *testing.T, k storetest.Kind) {
		for _, next := range []uint64{5, 56, 300} { // stays open, fills it, crosses
			t.Run(fmt.Sprint(next), func(t *testing.T) {
				loc, s := newLog(t, k)
				commitN(t, s, 0, 456) // one full bundle, 200 entries open
				var es [][]byte
				for i := uint64(256); i < 456; i++ {
					es = append(es, entry(i))
				}
				whole, err := store.AppendBundle(nil, es...)
				if err != nil {
					t.Fatal(err)
				}
				storetest.Exec(t, loc, `DELETE FROM audit_open`)
				storetest.Exec(t, loc, `INSERT INTO audit_bundles (idx, data) VALUES (1, $1)`, whole)
				wantEntries(t, s, 0, 456)
				commitN(t, s, 456, next)
				wantEntries(t, s, 0, 456+next)
				size := 456 + next
				if got, want := count(t, loc, "audit_bundles"), int(size/store.BundleSize); got != want {
					t.Fatalf("%d bundles stored, want %d", got, want)
				}
				if open := count(t, loc, "audit_open"); (open == 0) != (size%store.BundleSize == 0) {
					t.Fatalf("%d fragments of the open bundle stored at size %d", open, size)
				}
			})
		}
	})
}

// A reader never sees a gap while a commit closes the open bundle: the
// entries move from their rows into the bundle's row in one transaction,
// and Entries reads both in one snapshot.
func TestEntriesReadWhileBundlesClose(t *testing.T) {
	storetest.Run(t, func(t *testing.T, k storetest.Kind) {
		_, s := newLog(t, k)
		commitN(t, s, 0, 250)
		var size atomic.Uint64
		size.Store(250)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		errs := make(chan error, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				n, next := size.Load(), uint64(0)
				err := s.Entries(context.Background(), 0, n, func(i uint64, _ []byte) error {
					if i != next {
						return fmt.Errorf("read entry %d, want %d", i, next)
					}
					next++
					return nil
				})
				if err == nil && next != n {
					err = fmt.Errorf("read %d of %d committed entries", next, n)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
		for range 40 {
			commitN(t, s, size.Load(), 64)
			size.Add(64)
		}
		close(stop)
		wg.Wait()
		select {
		case err := <-errs:
			t.Fatal(err)
		default:
		}
		if err := s.Commit(context.Background(), store.Batch{Start: 0}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("Commit at 0 = %v, want ErrConflict", err)
		}
	})
}
