package inspect

import (
	"os"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
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
	// Wall time includes waiting for a core on a shared machine; the CPU
	// time of this thread per scan is the detector's own latency.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	lat := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	b.SetBytes(8 << 10)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0, c0 := time.Now(), threadCPU()
		in.Scan(texts[i%len(texts)], SourceToolOutput)
		cpu = append(cpu, threadCPU()-c0)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	pct := func(d []time.Duration, p int) float64 {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return float64(d[len(d)*p/100].Nanoseconds()) / 1e3
	}
	b.ReportMetric(pct(lat, 50), "p50-µs")
	b.ReportMetric(pct(lat, 99), "p99-µs")
	b.ReportMetric(pct(cpu, 50), "p50-cpu-µs")
	b.ReportMetric(pct(cpu, 99), "p99-cpu-µs")
}

// threadCPU is the CPU time of the calling OS thread.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

// regexBaseline is what a regex-only scanner does: a loop of
// case-insensitive regular expressions over the raw text. It is the
// baseline BenchmarkScanMixed is compared with (bench/inspect/run.sh
// prints the ratio); it sees no encodings, hidden characters or
// paraphrases, so it is also the lower bound of what is detected.
var regexBaseline = func() []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, p := range []string{
		`(?i)ignore\s+(all\s+)?(previous|prior|above)\s+(instructions|rules|prompts?)`,
		`(?i)disregard\s+(all\s+)?(previous|prior|above)`,
		`(?i)forget\s+(everything|all)\s+(you|above)`,
		`(?i)you\s+are\s+now\s+(dan|in\s+developer\s+mode)`,
		`(?i)(reveal|print|show)\s+(your\s+)?(system\s+prompt|instructions)`,
		`(?i)<\|im_start\|>|<\|system\|>|\[INST\]|<<SYS>>`,
		`(?i)^\s*system\s*:`,
		`(?i)new\s+instructions\s*:`,
		`(?i)do\s+not\s+tell\s+the\s+user`,
		`(?i)!\[[^\]]*\]\(https?://[^)]*\?[^)]*\)`,
		`(?i)(send|post|upload)\s+.{0,40}(password|api\s*key|token|credentials)`,
		`(?i)act\s+as\s+(an?\s+)?(unrestricted|jailbroken)`,
		`(?i)developer\s+mode`,
		`(?i)override\s+(your\s+)?(instructions|rules|safety)`,
		`(?i)from\s+now\s+on\s+you`,
		`(?i)pretend\s+(to\s+be|you\s+are)`,
	} {
		out = append(out, regexp.MustCompile(p))
	}
	return out
}()

// BenchmarkRegexBaseline runs the regex loop over the same 1 MiB of mixed
// text as BenchmarkScanMixed.
func BenchmarkRegexBaseline(b *testing.B) {
	text := mixedText(b, 1<<20)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		for _, re := range regexBaseline {
			re.FindAllStringIndex(text, -1)
		}
	}
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(len(text))*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}
