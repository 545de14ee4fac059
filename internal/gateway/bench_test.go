package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// BenchmarkGatewayOpenLoop measures what the gateway adds to a tool call:
// the same MCP server is called directly and through the gateway (policy
// with the whole built-in bundle, argument guards, inspection of a 4 KiB
// response, and the decision record queued to the SQLite log), open loop at
// a fixed arrival rate so that slow calls cannot hide queueing. It prints
// latency percentiles for both, the added latency (and, as a baseline,
// what a bare reverse proxy adds: the cost of the hop alone), the highest closed-loop
// throughput of both, and how long records take to become durable.
//
//	go test -run '^$' -bench GatewayOpenLoop -benchtime 1x ./internal/gateway
//
// PARAPET_BENCH_RATE (default 1000 calls/s) and PARAPET_BENCH_SECONDS
// (default 5) set the load. The load generator runs in a process of its
// own and is the lean JSON-RPC client the gateway itself uses for HTTP
// upstreams, on both paths alike, so that it takes little of the two cores
// the client, the gateway and the server share here;
// PARAPET_BENCH_CLIENT=sdk uses SDK client sessions instead.
// Agents speak the newest protocol revision (stateless) unless
// PARAPET_BENCH_PROTOCOL names another (2025-11-25: sessions).
func BenchmarkGatewayOpenLoop(b *testing.B) {
	TuneGC() // as parapet gateway runs
	rate := envInt("PARAPET_BENCH_RATE", 1000)
	secs := envInt("PARAPET_BENCH_SECONDS", 5)
	var lagMu sync.Mutex
	var lags, own []time.Duration
	measuring := false
	// The server and the load generator run in processes of their own, as
	// they would: their garbage is not the gateway's to collect, and the
	// gateway's process holds nothing but the gateway.
	server, serverPID := serverProcess(b)
	r := newRigWith(b, func(c *Config) {
		for i := range c.Upstreams {
			if c.Upstreams[i].URL != "" {
				c.Upstreams[i].URL = server
			}
		}
	}, true, func(h *Hooks) {
		h.OnDurable = func(d time.Duration) {
			lagMu.Lock()
			lags = append(lags, d)
			lagMu.Unlock()
		}
		h.OnOverhead = func(d time.Duration) {
			lagMu.Lock()
			if measuring {
				own = append(own, d)
			}
			lagMu.Unlock()
		}
	})
	direct := loadSpec{URL: r.upstreamURL(), Tool: "report", Protocol: os.Getenv("PARAPET_BENCH_PROTOCOL"),
		Client: os.Getenv("PARAPET_BENCH_CLIENT"), Rate: rate, Seconds: secs}
	via := direct
	via.URL, via.Tool, via.Token = r.url, "web.report", r.agentKey
	setMeasuring := func(on bool) {
		lagMu.Lock()
		measuring = on
		if on {
			lags = lags[:0]
		}
		lagMu.Unlock()
	}
	hop := direct
	hop.URL = bareProxy(b, direct.URL)
	b.ResetTimer()
	var srv0, cpu0 time.Duration
	d := loadProcess(b, direct, func() { srv0 = childCPU(serverPID) })
	srvDirect := (childCPU(serverPID) - srv0) / time.Duration(max(len(d.lat), 1))
	h := loadProcess(b, hop, func() { cpu0 = processCPU() })
	hopCPU := (processCPU() - cpu0) / time.Duration(max(len(h.lat), 1))
	g := loadProcess(b, via, func() { setMeasuring(true); cpu0, srv0 = processCPU(), childCPU(serverPID) })
	cpuPerCall := (processCPU() - cpu0) / time.Duration(max(len(g.lat), 1))
	srvVia := (childCPU(serverPID) - srv0) / time.Duration(max(len(g.lat), 1))
	setMeasuring(false)
	lagMu.Lock()
	op50, op99, op999 := pct(own, 50), pct(own, 99), pct(own, 99.9)
	lagMu.Unlock()
	direct.Closed, via.Closed = 16, 16
	dt := loadProcess(b, direct, nil).rate
	gt := loadProcess(b, via, nil).rate
	b.StopTimer()
	time.Sleep(200 * time.Millisecond) // let the last records become durable
	lagMu.Lock()
	lp50, lp99 := pct(lags, 50), pct(lags, 99)
	nl := len(lags)
	lagMu.Unlock()

	fmt.Printf("\nopen loop at %d calls/s for %ds, 4 KiB responses, whole built-in policy bundle, SQLite decision log, %s, agents on MCP %s\n",
		rate, secs, g.client, g.protocol)
	fmt.Printf("%-10s %10s %10s %10s %10s %8s\n", "path", "p50", "p99", "p99.9", "calls/s", "errors")
	fmt.Printf("%-10s %10s %10s %10s %10.0f %8d\n", "direct", d.p(50), d.p(99), d.p(99.9), d.rate, d.errors)
	fmt.Printf("%-10s %10s %10s %10s %10.0f %8d\n", "bare proxy", h.p(50), h.p(99), h.p(99.9), h.rate, h.errors)
	fmt.Printf("%-10s %10s %10s %10s %10.0f %8d\n", "gateway", g.p(50), g.p(99), g.p(99.9), g.rate, g.errors)
	fmt.Printf("added latency, end to end (gateway minus direct): p50 %s, p99 %s (target p99 < 1ms)\n", g.pd(50)-d.pd(50), g.pd(99)-d.pd(99))
	fmt.Printf("added by a bare proxy (forwards only: no checks, no log): p50 %s, p99 %s; CPU time per call in its process %s\n",
		h.pd(50)-d.pd(50), h.pd(99)-d.pd(99), hopCPU.Round(time.Microsecond))
	fmt.Printf("the gateway's own time per call (request read to response written, less the upstream's response time): p50 %s, p99 %s, p99.9 %s\n",
		op50.Round(time.Microsecond), op99.Round(time.Microsecond), op999.Round(time.Microsecond))
	perCall := func(l loopResult) time.Duration {
		return (l.cpu / time.Duration(max(len(l.lat), 1))).Round(time.Microsecond)
	}
	fmt.Printf("CPU time per call: the gateway's process %s; the server's %s directly, %s through the gateway; the caller's %s directly, %s through the gateway\n",
		cpuPerCall.Round(time.Microsecond), srvDirect.Round(time.Microsecond), srvVia.Round(time.Microsecond), perCall(d), perCall(g))
	fmt.Printf("closed loop, 16 callers: direct %.0f calls/s, gateway %.0f calls/s (ratio %.2f)\n", dt, gt, gt/dt)
	fmt.Printf("decision-log durability lag over %d records: p50 %s, p99 %s\n", nl, lp50, lp99)
	if d.errors+h.errors+g.errors > 0 {
		b.Errorf("calls failed while measured (direct %d, bare proxy %d, gateway %d): the latencies above are not comparable", d.errors, h.errors, g.errors)
	}
	b.ReportMetric(float64((g.pd(50) - d.pd(50)).Microseconds()), "added-p50-µs")
	b.ReportMetric(float64((g.pd(99) - d.pd(99)).Microseconds()), "added-p99-µs")
	b.ReportMetric(float64(op99.Microseconds()), "own-p99-µs")
	b.ReportMetric(float64((h.pd(99) - d.pd(99)).Microseconds()), "bare-proxy-added-p99-µs")
	b.ReportMetric(float64(cpuPerCall.Microseconds()), "gateway-cpu-µs/call")
	b.ReportMetric(gt, "gateway-calls/s")
	b.ReportMetric(dt, "direct-calls/s")
	b.ReportMetric(float64(lp99.Microseconds()), "durability-p99-µs")
}

// bareProxy serves, on a loopback port of this process, a proxy to
// target that does nothing but forward: a POST's response is read whole
// and written back (as the gateway does, which holds a response to
// inspect it); other requests (a session's standing event stream, its
// end) are streamed through. It is the baseline of what one more HTTP hop
// costs on this machine, without policy, inspection or log.
func bareProxy(b *testing.B, target string) string {
	b.Helper()
	client := &http.Client{Transport: upstreamTransport()}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), r.Method, target, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		req.Header = r.Header.Clone()
		req.ContentLength = r.ContentLength
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		if r.Method != http.MethodPost {
			w.WriteHeader(resp.StatusCode)
			buf := make([]byte, 32<<10)
			for {
				n, err := resp.Body.Read(buf)
				if n > 0 {
					w.Write(buf[:n])
					w.(http.Flusher).Flush()
				}
				if err != nil {
					return
				}
			}
		}
		out, err := io.ReadAll(resp.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		w.WriteHeader(resp.StatusCode)
		w.Write(out)
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

// loadSpec is what a load generator process runs: calls to Tool at URL
// (with Token as bearer token), open loop at Rate calls per second for
// Seconds, or closed loop with Closed callers.
type loadSpec struct {
	URL, Token, Tool string
	Protocol         string // MCP revision; "" for the newest
	Client           string // "sdk" for SDK client sessions; else the lean client
	Rate, Seconds    int
	Closed           int
}

// loadReport is what a load generator process prints when done.
type loadReport struct {
	Latencies []time.Duration
	CPU       time.Duration // the generator's own CPU time while calling
	Rate      float64
	Errors    int64
	Client    string
	Protocol  string
}

// loadProcess runs spec in a load generator process of its own (the test
// binary with PARAPET_TEST_LOADGEN set) and returns its results. started,
// if not nil, is called once the generator has connected and warmed up,
// just before the measured calls begin.
func loadProcess(b *testing.B, spec loadSpec, started func()) loopResult {
	b.Helper()
	js, _ := json.Marshal(spec)
	cmd, stdin, out := childProcess(b, "PARAPET_TEST_LOADGEN="+string(js))
	defer cmd.Wait()
	defer stdin.Close()
	if line, err := out.ReadString('\n'); err != nil || line != "ready\n" {
		b.Fatalf("load generator: %q %v", line, err)
	}
	if started != nil {
		started()
	}
	if _, err := io.WriteString(stdin, "go\n"); err != nil {
		b.Fatal(err)
	}
	var rep loadReport
	if err := json.NewDecoder(out).Decode(&rep); err != nil {
		b.Fatalf("load generator: %v", err)
	}
	return loopResult{lat: rep.Latencies, rate: rep.Rate, errors: rep.Errors, client: rep.Client, protocol: rep.Protocol, cpu: rep.CPU}
}

// runLoad is the load generator process's main: it connects eight
// sessions, warms the path with 200 calls, prints "ready", waits for a
// line on stdin, runs the load and prints a loadReport.
func runLoad(js string) error {
	var spec loadSpec
	if err := json.Unmarshal([]byte(js), &spec); err != nil {
		return err
	}
	var rt http.RoundTripper = upstreamTransport()
	if spec.Token != "" {
		rt = bearerTransport{token: spec.Token, base: upstreamTransport()}
	}
	ss := make([]*mcp.ClientSession, 8)
	for i := range ss {
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil).Connect(context.Background(),
			&mcp.StreamableClientTransport{Endpoint: spec.URL, HTTPClient: &http.Client{Transport: rt}}, &mcp.ClientSessionOptions{ProtocolVersion: spec.Protocol})
		if err != nil {
			return err
		}
		defer cs.Close()
		ss[i] = cs
	}
	rep := loadReport{Client: "lean JSON-RPC client", Protocol: ss[0].InitializeResult().ProtocolVersion}
	cs := callers(ss, spec.URL, rt, spec.Tool)
	if spec.Client == "sdk" {
		rep.Client = "SDK client sessions"
		cs = sdkCallers(ss, spec.Tool, map[string]any{})
	}
	for i := 0; i < 200; i++ {
		if cs[i%len(cs)]() {
			return fmt.Errorf("warm-up call %d to %s failed", i, spec.URL)
		}
	}
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return err
	}
	cpu0 := processCPU()
	if spec.Closed > 0 {
		rep.Rate = closedLoop(cs, spec.Closed, 3*time.Second)
	} else {
		l := openLoop(cs, spec.Rate, time.Duration(spec.Seconds)*time.Second)
		rep.Latencies, rep.Rate, rep.Errors = l.lat, l.rate, l.errors
	}
	rep.CPU = processCPU() - cpu0
	return json.NewEncoder(os.Stdout).Encode(rep)
}

// processCPU is the CPU time this process (the gateway's) has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// childCPU is the CPU time process pid has used, from /proc (0 where
// there is none).
func childCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) in parentheses;
	// utime and stime are the 14th and 15th fields, in clock ticks (100 Hz
	// on Linux).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v > 0 {
		return v
	}
	return def
}

// upstreamURL is the rig's HTTP upstream.
func (r *rig) upstreamURL() string {
	for _, u := range r.cfg.Upstreams {
		if u.URL != "" {
			return u.URL
		}
	}
	return ""
}

// A caller makes one tool call and reports whether it failed.
type caller func() bool

// callers calls tool through lean clients riding on the sessions' protocol
// (their session IDs, or the stateless revision's headers).
func callers(ss []*mcp.ClientSession, endpoint string, rt http.RoundTripper, tool string) []caller {
	if rt == nil {
		rt = upstreamTransport()
	}
	out := make([]caller, len(ss))
	for i, cs := range ss {
		c := newRPCClient(endpoint, &http.Client{Transport: rt}, cs, &mcp.Implementation{Name: "bench", Version: "1"})
		if c == nil {
			panic("no lean client for protocol " + cs.InitializeResult().ProtocolVersion)
		}
		out[i] = func() bool {
			_, err := c.callTool(context.Background(), tool, json.RawMessage("{}"))
			return err != nil
		}
	}
	return out
}

func sdkCallers(ss []*mcp.ClientSession, tool string, args map[string]any) []caller {
	out := make([]caller, len(ss))
	for i, cs := range ss {
		out[i] = func() bool {
			_, je := call(cs, tool, args)
			return je != nil
		}
	}
	return out
}

type loopResult struct {
	lat              []time.Duration
	rate             float64
	errors           int64
	client, protocol string
	cpu              time.Duration // the load generator's
}

func (l loopResult) pd(q float64) time.Duration { return pct(l.lat, q) }
func (l loopResult) p(q float64) string         { return pct(l.lat, q).Round(time.Microsecond).String() }

func pct(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(q / 100 * float64(len(s)-1))
	return s[i]
}

// openLoop issues calls at a fixed rate, each timed from when it was due.
func openLoop(cs []caller, rate int, dur time.Duration) loopResult {
	n := int(float64(rate) * dur.Seconds())
	interval := time.Second / time.Duration(rate)
	lat := make([]time.Duration, n)
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < n; i++ {
		due := start.Add(time.Duration(i) * interval)
		if w := time.Until(due); w > 0 {
			time.Sleep(w)
		}
		wg.Add(1)
		go func(i int, due time.Time) {
			defer wg.Done()
			if cs[i%len(cs)]() {
				errs.Add(1)
			}
			lat[i] = time.Since(due)
		}(i, due)
	}
	wg.Wait()
	return loopResult{lat: lat, rate: float64(n) / time.Since(start).Seconds(), errors: errs.Load()}
}

// closedLoop runs workers calling back to back and returns calls per second.
func closedLoop(cs []caller, workers int, dur time.Duration) float64 {
	var n atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(dur)
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for time.Now().Before(stop) {
				if !cs[w%len(cs)]() {
					n.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}
