package inspect

import (
	"os"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mixedText repeats testdata/mixed.txt (JSON tool output, logs, Markdown,
// a table, code, Terraform, Spanish, French and Chinese prose) to n bytes.
func mixedText(tb testing.TB, n int) string {
	b, err := os.ReadFile("testdata/mixed.txt")
	if err != nil {
		tb.Fatal(err)
	}
	s := strings.Repeat(string(b), n/len(b)+1)
	return s[:n]
}

// BenchmarkScanMixed measures throughput on 1 MiB of mixed text, on one
// goroutine; the target is over 50 MB/s per core.
func BenchmarkScanMixed(b *testing.B) {
	text := mixedText(b, 1<<20)
	in, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		in.Scan(text, SourceToolOutput)
	}
	// On a shared machine wall time includes waiting for a core; the CPU
	// time this process used is what one core's throughput is made of.
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(len(text))*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkScanToolResponse8K scans 8 KiB tool responses and reports the
// 99th-percentile latency of one scan (target: under 1 ms) and the
// throughput.
func BenchmarkScanToolResponse8K(b *testing.B) {
	base := mixedText(b, 64<<10)
	in, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	// Different 8 KiB slices, so no two consecutive scans see the same text.
	var texts []string
	for off := 0; off+8<<10 <= len(base); off += 1 << 10 {
		texts = append(texts, base[off:off+8<<10])
	}
	lat := make([]time.Duration, 0, b.N)
	b.SetBytes(8 << 10)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		in.Scan(texts[i%len(texts)], SourceToolOutput)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p99 := lat[len(lat)*99/100]
	b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
}
