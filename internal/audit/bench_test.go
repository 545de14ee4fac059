package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parapet-sec/parapet/internal/store/storetest"
)

// kibRecord is a decision record of 1 KiB in its stored form.
func kibRecord(tb testing.TB) []byte {
	pad := strings.Repeat("x", 1024)
	base := `{"action":"tools/call","actor":"arn:aws:sts::111122223333:assumed-role/deploy-agent/session-7","args":{"manifest":"%s"},"args_sha256":"` + strings.Repeat("ab", 32) + `","policy":{"name":"parapet.builtin","version":"1"},"time":"2026-11-27T01:00:00Z","tool":"kubectl/apply","verdict":"allow"}`
	for n := 0; n <= len(pad); n++ {
		raw := fmt.Sprintf(base, pad[:n])
		c, err := Canonical([]byte(raw), time.Now())
		if err != nil {
			tb.Fatal(err)
		}
		if len(c) == 1024 {
			return c
		}
	}
	tb.Fatal("no 1 KiB record")
	return nil
}

// BenchmarkAppend measures durable appends of 1 KiB from many concurrent
// writers: each is acknowledged only once its group commit is durable. The
// "records" runs go through the public path (validation, canonical form,
// redaction); the "entries" runs append entries already in canonical form,
// which measures the log and its store alone. It reports appends/s, the
// mean entries per commit and the acknowledgement latency p50 and p99.
func BenchmarkAppend(b *testing.B) {
	for _, k := range storetest.Kinds() {
		for _, mode := range []string{"records", "entries"} {
			b.Run(k.Name+"/"+mode, func(b *testing.B) { benchAppend(b, k, mode == "records") })
		}
	}
}

func benchAppend(b *testing.B, k storetest.Kind, records bool) {
	ctx := context.Background()
	l, _, _ := newTestLog(b, k)
	rec := kibRecord(b)
	appendOne := func() error {
		if records {
			_, err := l.AppendJSON(ctx, rec)
			return err
		}
		r, err := l.enqueueData(ctx, rec)
		if err != nil {
			return err
		}
		_, err = r.Wait(ctx)
		return err
	}
	var mu sync.Mutex
	var lat []time.Duration
	before := l.Stats()
	b.SetParallelism(256) // 256 writers per core
	b.SetBytes(int64(len(rec)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if err := appendOne(); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	after := l.Stats()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	if n := after.Batches - before.Batches; n > 0 {
		b.ReportMetric(float64(after.Entries-before.Entries)/float64(n), "entries/commit")
	}
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-ack-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-ack-µs")
	}
}

// BenchmarkSHA256 is the machine's SHA-256 throughput on 1 KiB entries:
// the ceiling no log that hashes its entries can pass.
func BenchmarkSHA256(b *testing.B) {
	buf := make([]byte, 1024)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		sha256.Sum256(buf)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
}

// BenchmarkProofs measures inclusion and consistency proof generation at
// random positions in a log of PARAPET_BENCH_PROOF_SIZE entries (default
// ten million) in SQLite. The log is built first, in large commits.
func BenchmarkProofs(b *testing.B) {
	size := uint64(10_000_000)
	if s := os.Getenv("PARAPET_BENCH_PROOF_SIZE"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n < 2 {
			b.Fatalf("PARAPET_BENCH_PROOF_SIZE=%q", s)
		}
		size = n
	}
	ctx := context.Background()
	loc := storetest.SQLite.New(b)
	st := storetest.Open(b, loc)
	_, vkey, _ := GenerateKey(testOrigin)
	if err := Create(ctx, st, testOrigin, vkey); err != nil {
		b.Fatal(err)
	}
	l, err := Config{MaxBatch: 1 << 16, QueueSize: 1 << 17}.Open(ctx, st, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	t0 := time.Now()
	entry := func(i int) []byte { return binary.BigEndian.AppendUint64([]byte("entry-"), uint64(i)) }
	appendRaw(b, l, entry, int(size))
	b.Logf("built a log of %d entries in %v", size, time.Since(t0).Round(time.Second))
	rng := rand.New(rand.NewPCG(3, 4))

	b.Run("inclusion", func(b *testing.B) {
		for b.Loop() {
			i := rng.Uint64N(size)
			if _, err := l.InclusionProof(ctx, i, size); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("consistency", func(b *testing.B) {
		for b.Loop() {
			s1 := 1 + rng.Uint64N(size-1)
			if _, err := l.ConsistencyProof(ctx, s1, size); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The proofs must also be right: check a few against the root.
	root, err := l.RootHash(ctx, size)
	if err != nil {
		b.Fatal(err)
	}
	for range 10 {
		i := rng.Uint64N(size)
		pf, err := l.InclusionProof(ctx, i, size)
		if err != nil {
			b.Fatal(err)
		}
		if err := VerifyInclusion(i, size, leafHash(entry(int(i))), pf, root); err != nil {
			b.Fatal(err)
		}
	}
}
