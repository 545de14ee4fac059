package store_test

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parapet-sec/parapet/internal/store"
	"github.com/parapet-sec/parapet/internal/store/storetest"
)

// BenchmarkCommitSmallBatches measures what a gateway's group commit costs
// the store at a steady trickle: four entries of 1 KiB per commit, with
// the level-0 and level-1 tiles they touch, as a log committing every few
// milliseconds at 1,000 decisions a second writes them. It reports the CPU
// time and the bytes this process writes per commit (to the SQLite file
// and its write-ahead log; to PostgreSQL's socket).
//
//	go test -run '^$' -bench CommitSmallBatches ./internal/store
func BenchmarkCommitSmallBatches(b *testing.B) {
	for _, k := range storetest.Kinds() {
		b.Run(k.Name, func(b *testing.B) {
			ctx := context.Background()
			loc := k.New(b)
			s := storetest.Open(b, loc)
			if err := s.Create(ctx, store.Meta{Origin: "example.com/log", VerifierKey: "example.com/log+01234567+AAAA"}); err != nil {
				b.Fatal(err)
			}
			const per = 4
			entry := bytes.Repeat([]byte("e"), 1024)
			entries := [][]byte{entry, entry, entry, entry}
			hash := bytes.Repeat([]byte{7}, 32)
			var size uint64
			commit := func() {
				end := size + per
				w0 := (end-1)%256 + 1
				t0 := store.Tile{Level: 0, Index: (end - 1) / 256, Width: int(w0), Hashes: bytes.Repeat(hash, int(w0))}
				w1 := (end-1)/256%256 + 1
				t1 := store.Tile{Level: 1, Index: (end - 1) / 65536, Width: int(w1), Hashes: bytes.Repeat(hash, int(w1))}
				if err := s.Commit(ctx, store.Batch{Start: size, Entries: entries, Tiles: []store.Tile{t0, t1}}); err != nil {
					b.Fatal(err)
				}
				size = end
			}
			for range 64 { // past the first bundle: commits land at every offset
				commit()
			}
			cpu0, wrote0 := cpuTime(), bytesWritten(b)
			b.ResetTimer()
			for b.Loop() {
				commit()
			}
			b.StopTimer()
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/commit")
			b.ReportMetric(float64(bytesWritten(b)-wrote0)/float64(b.N)/1024, "KiB-written/commit")
		})
	}
}

// bytesWritten is the bytes this process has passed to write system calls
// (wchar in /proc/self/io).
func bytesWritten(b *testing.B) int64 {
	raw, err := os.ReadFile("/proc/self/io")
	if err != nil {
		b.Skipf("no /proc/self/io: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "wchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				b.Fatalf("/proc/self/io: %v", err)
			}
			return n
		}
	}
	b.Skip("no wchar in /proc/self/io")
	return 0
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
