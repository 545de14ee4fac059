package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/parapet-sec/parapet/internal/store"
	"github.com/parapet-sec/parapet/internal/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, k storetest.Kind) {
		ctx := context.Background()
		loc := k.New(t)
		s := storetest.Open(t, loc)

		t.Run("an empty store says it holds no log", func(t *testing.T) {
			if _, err := s.Meta(ctx); !errors.Is(err, store.ErrNotInitialized) {
				t.Fatalf("Meta = %v, want ErrNotInitialized", err)
			}
			if _, err := s.Size(ctx); !errors.Is(err, store.ErrNotInitialized) {
				t.Fatalf("Size = %v, want ErrNotInitialized", err)
			}
			if err := s.Commit(ctx, store.Batch{Entries: [][]byte{[]byte("x")}}); !errors.Is(err, store.ErrNotInitialized) {
				t.Fatalf("Commit = %v, want ErrNotInitialized", err)
			}
		})

		meta := store.Meta{Origin: "example.com/log", VerifierKey: "example.com/log+01234567+AAAA"}
		t.Run("create records the meta once", func(t *testing.T) {
			if err := s.Create(ctx, meta); err != nil {
				t.Fatal(err)
			}
			if err := s.Create(ctx, meta); !errors.Is(err, store.ErrExists) {
				t.Fatalf("second Create = %v, want ErrExists", err)
			}
			got, err := s.Meta(ctx)
			if err != nil || got != meta {
				t.Fatalf("Meta = %+v, %v; want %+v", got, err, meta)
			}
		})

		t.Run("commits append entries and replace tiles", func(t *testing.T) {
			b1 := store.Batch{Start: 0, Entries: [][]byte{[]byte("a"), []byte("b")},
				Tiles: []store.Tile{{Level: 0, Index: 0, Width: 2, Hashes: bytes.Repeat([]byte{1}, 64)}}}
			if err := s.Commit(ctx, b1); err != nil {
				t.Fatal(err)
			}
			b2 := store.Batch{Start: 2, Entries: [][]byte{[]byte("c")},
				Tiles: []store.Tile{{Level: 0, Index: 0, Width: 3, Hashes: bytes.Repeat([]byte{2}, 96)}}}
			if err := s.Commit(ctx, b2); err != nil {
				t.Fatal(err)
			}
			if n, err := s.Size(ctx); err != nil || n != 3 {
				t.Fatalf("Size = %d, %v; want 3", n, err)
			}
			var got []string
			err := s.Entries(ctx, 1, 10, func(i uint64, d []byte) error {
				got = append(got, fmt.Sprintf("%d=%s", i, d))
				return nil
			})
			if err != nil || fmt.Sprint(got) != "[1=b 2=c]" {
				t.Fatalf("Entries = %v, %v", got, err)
			}
			tl, err := s.Tile(ctx, 0, 0)
			if err != nil || tl.Width != 3 || !bytes.Equal(tl.Hashes, bytes.Repeat([]byte{2}, 96)) {
				t.Fatalf("Tile = %+v, %v", tl, err)
			}
			if _, err := s.Tile(ctx, 1, 0); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("missing tile: %v, want ErrNotFound", err)
			}
		})

		t.Run("a batch that does not start at the log's size conflicts and changes nothing", func(t *testing.T) {
			err := s.Commit(ctx, store.Batch{Start: 1, Entries: [][]byte{[]byte("z")}})
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("Commit = %v, want ErrConflict", err)
			}
			if n, _ := s.Size(ctx); n != 3 {
				t.Fatalf("Size = %d after a conflict, want 3", n)
			}
		})

		t.Run("concurrent writers are serialised: exactly one wins each size", func(t *testing.T) {
			var wg sync.WaitGroup
			var mu sync.Mutex
			wins := 0
			for w := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := s.Commit(ctx, store.Batch{Start: 3, Entries: [][]byte{fmt.Appendf(nil, "w%d", w)}})
					if err == nil {
						mu.Lock()
						wins++
						mu.Unlock()
					} else if !errors.Is(err, store.ErrConflict) {
						t.Errorf("writer %d: %v", w, err)
					}
				}()
			}
			wg.Wait()
			if wins != 1 {
				t.Fatalf("%d writers won size 3, want 1", wins)
			}
		})

		t.Run("checkpoints are kept in size order and replaced per size", func(t *testing.T) {
			for _, c := range []store.Checkpoint{{3, []byte("c3")}, {1, []byte("c1")}, {3, []byte("c3+cosig")}} {
				if err := s.PutCheckpoint(ctx, c.Size, c.Note); err != nil {
					t.Fatal(err)
				}
			}
			cs, err := s.Checkpoints(ctx)
			if err != nil || len(cs) != 2 || cs[0].Size != 1 || string(cs[1].Note) != "c3+cosig" {
				t.Fatalf("Checkpoints = %+v, %v", cs, err)
			}
		})

		t.Run("a reopened store has everything committed", func(t *testing.T) {
			s2 := storetest.Open(t, loc)
			if n, err := s2.Size(ctx); err != nil || n != 4 {
				t.Fatalf("Size = %d, %v; want 4", n, err)
			}
		})
	})
}

func TestOpenRejectsUnknownLocations(t *testing.T) {
	for _, loc := range []string{"", "mysql://user:secret@host/db"} {
		_, err := store.Open(context.Background(), loc)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", loc)
		}
		if bytes.Contains([]byte(err.Error()), []byte("secret")) {
			t.Fatalf("error shows the password: %v", err)
		}
	}
}

func FuzzSplitBundle(f *testing.F) {
	b, _ := store.AppendBundle(nil, []byte("one"), []byte{}, bytes.Repeat([]byte{7}, 300))
	f.Add(b)
	f.Add([]byte{0x00})
	f.Add([]byte{0xff, 0xff, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		es, err := store.SplitBundle(data)
		if err != nil {
			return
		}
		again, err := store.AppendBundle(nil, es...)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("bundle %x does not round-trip: %x, %v", data, again, err)
		}
	})
}

func TestTileHashesReadsPartsOfATile(t *testing.T) {
	storetest.Run(t, func(t *testing.T, k storetest.Kind) {
		ctx := context.Background()
		s := storetest.Open(t, k.New(t))
		if err := s.Create(ctx, store.Meta{Origin: "o", VerifierKey: "k"}); err != nil {
			t.Fatal(err)
		}
		hashes := make([]byte, 32*10)
		for i := range hashes {
			hashes[i] = byte(i / 32)
		}
		if err := s.Commit(ctx, store.Batch{Tiles: []store.Tile{{Level: 0, Index: 3, Width: 10, Hashes: hashes}}}); err != nil {
			t.Fatal(err)
		}
		got, err := s.TileHashes(ctx, 0, 3, []int{7 * 32, 0, 9 * 32})
		if err != nil {
			t.Fatal(err)
		}
		want := append(append(bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{0}, 32)...), bytes.Repeat([]byte{9}, 32)...)
		if !bytes.Equal(got, want) {
			t.Fatalf("TileHashes = %x, want %x", got, want)
		}
		if _, err := s.TileHashes(ctx, 0, 4, []int{0}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing tile: %v", err)
		}
	})
}
