// Command scan benchmarks the security graph on a generated estate: about
// N resources and N/10 IAM principals over 100 accounts, with realistic
// shares of public exposure, wildcard policies, cross-account trust and AI
// agents (estate.go), built directly as an inventory snapshot and an IAM
// model. For each size it prints the generation time, the build plus
// analysis time (sensitivity, graph, IAM access derivation, every graph
// check), the findings and the peak memory of a process that did only that
// size, and the cost per resource against the smallest size.
//
// Target: 1,000,000 resources in under 60 s and 8 GiB.
//
// With -rego it also loads the built-in Rego checks and runs every resource
// check on the snapshot (policy.Engine.Resources), prints that stage's time
// and findings, and holds the total to the target.
//
//	go run ./bench/scan [-sizes 10000,100000,1000000] [-accounts 100] [-rego]
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/parapet-sec/parapet/internal/graph"
	"github.com/parapet-sec/parapet/internal/policy"
)

func main() {
	sizes := flag.String("sizes", "10000,100000,1000000", "estate sizes in resources, comma-separated")
	accounts := flag.Int("accounts", 100, "accounts")
	child := flag.Int("child", 0, "run one size in this process (used by the parent)")
	flag.StringVar(&cpuprofile, "cpuprofile", "", "with -child: write a CPU profile of the analysis to this file")
	flag.BoolVar(&withRego, "rego", false, "also run the built-in Rego resource checks on every node and time them")
	flag.Parse()
	if *child > 0 {
		if err := runOne(*child, *accounts); err != nil {
			fmt.Fprintln(os.Stderr, "bench/scan:", err)
			os.Exit(1)
		}
		return
	}
	if err := runAll(*sizes, *accounts); err != nil {
		fmt.Fprintln(os.Stderr, "bench/scan:", err)
		os.Exit(1)
	}
}

// cpuprofile names the CPU profile file of a -child run, if any.
var cpuprofile string

// withRego adds the Rego stage to the measurement.
var withRego bool

// result is one size's measurements, as the child prints them.
type result struct {
	resources, principals, nodes, edges, derived, findings int
	gen, analyze, cpu, rego                                time.Duration
	regoFindings                                           int
	peak                                                   int64 // bytes
}

func runAll(sizes string, accounts int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("parapet security graph benchmark: %d accounts, GOMAXPROCS %d, %s\n\n", accounts, runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Printf("%10s %10s %10s %10s %9s %9s %10s %13s %10s %10s %9s\n",
		"resources", "principals", "nodes", "edges", "derived", "findings", "generate", "build+analyze", "(cpu)", "peak RSS", "us/res")
	var base float64
	for _, f := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return fmt.Errorf("-sizes: %q is not a positive number", f)
		}
		var out bytes.Buffer
		args := []string{"-child", strconv.Itoa(n), "-accounts", strconv.Itoa(accounts)}
		if withRego {
			args = append(args, "-rego")
		}
		cmd := exec.Command(self, args...)
		cmd.Stdout, cmd.Stderr = &out, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("size %d: %w", n, err)
		}
		r, err := parse(out.Bytes())
		if err != nil {
			return fmt.Errorf("size %d: %w", n, err)
		}
		per := float64(r.analyze.Microseconds()) / float64(r.resources)
		ratio := ""
		if base == 0 {
			base = per
		} else {
			ratio = fmt.Sprintf(" (x%.2f)", per/base)
		}
		fmt.Printf("%10d %10d %10d %10d %9d %9d %10s %13s %10s %9.2fG %9.2f%s\n",
			r.resources, r.principals, r.nodes, r.edges, r.derived, r.findings,
			r.gen.Round(time.Millisecond), r.analyze.Round(time.Millisecond), r.cpu.Round(time.Millisecond), float64(r.peak)/(1<<30), per, ratio)
		total, what := r.analyze, "build+analyze"
		if withRego {
			fmt.Printf("%10s Rego resource checks on every node: %s, %d findings; build+analyze+Rego %s\n", "",
				r.rego.Round(time.Millisecond), r.regoFindings, (r.analyze + r.rego).Round(time.Millisecond))
			total, what = r.analyze+r.rego, "build+analyze+Rego"
		}
		if r.resources >= 1_000_000 {
			verdict := "MET"
			if total > 60*time.Second || r.peak > 8<<30 {
				verdict = "MISSED"
			}
			fmt.Printf("\ntarget for 1M resources (%s < 60s, peak < 8 GiB): %s\n", what, verdict)
		}
	}
	fmt.Println("\nus/res is build+analyze wall time per resource; (xN) compares it with the first size.")
	fmt.Println("(cpu) is the CPU time of the analysis on all cores: on a shared machine, wall time also counts waiting.")
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("load average while measuring: %s", load)
	}
	return nil
}

func runOne(n, accounts int) error {
	t0 := time.Now()
	e, err := generate(n, accounts, 42)
	if err != nil {
		return err
	}
	gen := time.Since(t0)
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	var before syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &before); err != nil {
		return err
	}
	cpuBefore := time.Duration(before.Utime.Nano() + before.Stime.Nano())
	t1 := time.Now()
	res, err := graph.Analyze(e.snap, graph.Options{Access: graph.IAMAccess{Model: e.model}})
	if err != nil {
		return err
	}
	analyze := time.Since(t1)
	if !withRego {
		pprof.StopCPUProfile()
	}
	var after syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &after); err != nil {
		return err
	}
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()) - cpuBefore
	var rego time.Duration
	regoFindings := 0
	if withRego {
		t2 := time.Now()
		eng, err := policy.Load(context.Background(), policy.Options{Builtin: true})
		if err != nil {
			return err
		}
		fs, err := eng.Resources(context.Background(), e.snap)
		if err != nil {
			return err
		}
		rego, regoFindings = time.Since(t2), len(fs)
		pprof.StopCPUProfile() // with -rego the profile covers both stages
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err
	}
	fmt.Printf("resources=%d principals=%d nodes=%d edges=%d derived=%d findings=%d gen_ns=%d analyze_ns=%d cpu_ns=%d rego_ns=%d rego_findings=%d peak_bytes=%d\n",
		e.resources, e.principals, res.Graph.Len(), res.Graph.EdgeCount(), len(res.Derived), len(res.Findings),
		gen.Nanoseconds(), analyze.Nanoseconds(), cpu.Nanoseconds(), rego.Nanoseconds(), regoFindings, ru.Maxrss*1024)
	return nil
}

func parse(out []byte) (result, error) {
	var r result
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		for _, kv := range strings.Fields(sc.Text()) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			x, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return r, fmt.Errorf("bad field %s", kv)
			}
			switch k {
			case "resources":
				r.resources = int(x)
			case "principals":
				r.principals = int(x)
			case "nodes":
				r.nodes = int(x)
			case "edges":
				r.edges = int(x)
			case "derived":
				r.derived = int(x)
			case "findings":
				r.findings = int(x)
			case "gen_ns":
				r.gen = time.Duration(x)
			case "analyze_ns":
				r.analyze = time.Duration(x)
			case "rego_ns":
				r.rego = time.Duration(x)
			case "rego_findings":
				r.regoFindings = int(x)
			case "cpu_ns":
				r.cpu = time.Duration(x)
			case "peak_bytes":
				r.peak = x
			}
		}
	}
	if r.resources == 0 {
		return r, fmt.Errorf("no result in %q", out)
	}
	return r, nil
}
