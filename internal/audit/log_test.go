package audit

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/parapet-sec/parapet/internal/store/storetest"
)

// refRoot is the RFC 6962 root computed the slow, obvious way.
func refRoot(leaves [][]byte) []byte {
	if len(leaves) == 0 {
		return hasher.EmptyRoot()
	}
	if len(leaves) == 1 {
		return leaves[0]
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	return nodeHash(refRoot(leaves[:k]), refRoot(leaves[k:]))
}

func numbered(i int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(i)) }

func TestProofsVerifyAcrossTileBoundaries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, k storetest.Kind) {
		ctx := context.Background()
		l, _, loc := newTestLog(t, k)
		n := 66000 // past one full level-1 tile: three tile levels
		if testing.Short() {
			n = 3000
		}
		var leaves [][]byte
		for i := range n {
			leaves = append(leaves, leafHash(numbered(i)))
		}
		// Commit in uneven batches so that tiles are written partly and
		// completed by later commits.
		done := 0
		for _, step := range []int{1, 2, 253, 1, 300, 65536, 1 << 20} {
			m := min(step, n-done)
			appendRaw(t, l, func(i int) []byte { return numbered(done + i) }, m)
			done += m
		}
		sizes := []uint64{1, 2, 3, 255, 256, 257, 511, 512, 513, 2000, uint64(n)}
		if n > 65536 {
			sizes = append(sizes, 65535, 65536, 65537)
		}
		for _, lg := range []*Log{l, reopen(t, loc)} {
			rng := rand.New(rand.NewPCG(1, 2))
			for _, size := range sizes {
				root, err := lg.RootHash(ctx, size)
				if err != nil {
					t.Fatal(err)
				}
				if want := refRoot(leaves[:size]); !bytes.Equal(root, want) {
					t.Fatalf("root at size %d = %x, want %x", size, root, want)
				}
				for range 5 {
					i := rng.Uint64N(size)
					pf, err := lg.InclusionProof(ctx, i, size)
					if err != nil {
						t.Fatal(err)
					}
					if err := VerifyInclusion(i, size, leaves[i], pf, root); err != nil {
						t.Fatalf("inclusion of %d at size %d: %v", i, size, err)
					}
					s1 := 1 + rng.Uint64N(size)
					cp, err := lg.ConsistencyProof(ctx, s1, size)
					if err != nil {
						t.Fatal(err)
					}
					r1 := refRoot(leaves[:s1])
					if err := VerifyConsistency(s1, size, cp, r1, root); err != nil {
						t.Fatalf("consistency %d->%d: %v", s1, size, err)
					}
				}
			}
		}
		if _, err := l.InclusionProof(ctx, uint64(n), uint64(n)); err == nil {
			t.Fatal("proof for an entry past the end succeeded")
		}
		if _, err := l.InclusionProof(ctx, 0, uint64(n)+1); err == nil {
			t.Fatal("proof for a size past the end succeeded")
		}
	})
}

func TestConcurrentAppendsAreGroupCommitted(t *testing.T) {
	storetest.Run(t, func(t *testing.T, k storetest.Kind) {
		ctx := context.Background()
		l, signer, loc := newTestLog(t, k)
		const writers, each = 32, 40
		var wg sync.WaitGroup
		var mu sync.Mutex
		seen := map[uint64]bool{}
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					idx, err := l.Append(ctx, testRecord(w*each+i))
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if seen[idx] {
						t.Errorf("index %d acknowledged twice", idx)
					}
					seen[idx] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != writers*each || l.Size() != writers*each {
			t.Fatalf("%d acknowledged, size %d; want %d", len(seen), l.Size(), writers*each)
		}
		st := l.Stats()
		if st.Batches >= st.Entries {
			t.Logf("no batching happened: %d commits for %d entries", st.Batches, st.Entries)
		}
		if _, err := l.Checkpoint(ctx, signer); err != nil {
			t.Fatal(err)
		}
		if _, err := reopen(t, loc).Verify(ctx, nil); err != nil {
			t.Fatal(err)
		}
	})
}

func TestEnqueueRefusesWhenTheLogCannotTakeMore(t *testing.T) {
	ctx := context.Background()
	l, _, loc := newTestLog(t, storetest.SQLite)
	l.Close()
	small, err := Config{QueueSize: 1, MaxBatch: 1}.Open(ctx, storetest.Open(t, loc), nil)
	if err != nil {
		t.Fatal(err)
	}
	full := false
	for i := range 10000 {
		if _, err := small.Enqueue(testRecord(i)); errors.Is(err, ErrQueueFull) {
			full = true
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if !full {
		t.Fatal("a one-slot queue never reported ErrQueueFull")
	}
	small.Close()
	if _, err := small.Enqueue(testRecord(0)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Enqueue after Close = %v, want ErrClosed", err)
	}
}

func TestOpenRejectsAnotherKey(t *testing.T) {
	ctx := context.Background()
	l, _, loc := newTestLog(t, storetest.SQLite)
	l.Close()
	_, vkey, _ := GenerateKey(testOrigin)
	v, err := noteVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, storetest.Open(t, loc), v); err == nil {
		t.Fatal("Open accepted a verifier the log was not created with")
	}
}

func TestCheckpointRefusesAnotherSigner(t *testing.T) {
	ctx := context.Background()
	l, _, _ := newTestLog(t, storetest.SQLite)
	skey, _, _ := GenerateKey(testOrigin)
	s, _ := noteSigner(skey)
	if _, err := l.Checkpoint(ctx, s); err == nil {
		t.Fatal("Checkpoint signed with a key that is not the log's")
	}
}

func TestAppendLinesKeepsTheValidPrefixAndNamesTheBadLine(t *testing.T) {
	ctx := context.Background()
	l, _, _ := newTestLog(t, storetest.SQLite)
	in := `{"actor":"a","action":"x","verdict":"allow"}

{"actor":"a","action":"y","verdict":"deny","ticket":"SEC-1"}
{"actor":"a","action":"z"}
{"actor":"a","action":"never","verdict":"allow"}
`
	first, n, err := l.AppendLines(ctx, strings.NewReader(in))
	var le *LineError
	if !errors.As(err, &le) || le.Line != 4 {
		t.Fatalf("AppendLines error = %v, want one naming line 4", err)
	}
	if first != 0 || n != 2 || l.Size() != 2 {
		t.Fatalf("appended %d from %d, size %d; want the 2 records before line 4", n, first, l.Size())
	}
	e, _ := l.Entry(ctx, 1)
	if !strings.Contains(string(e), `"ticket":"SEC-1"`) {
		t.Fatalf("entry 1 = %s, want the extra field kept", e)
	}
}
