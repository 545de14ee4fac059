// Command iam benchmarks `parapet iam analyze` on a synthetic organisation
// (by default 5,000 users, 10,000 roles and 20,000 policies over 20
// accounts in 10 OUs with an SCP each) and single policy evaluations, and
// prints the time and peak memory of each against the targets: a full
// analysis under 10 s and 2 GiB, single evaluations over 200,000 per second
// on one core.
//
//	go run ./bench/iam [-users 5000 -roles 10000 -policies 20000]
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/parapet-sec/parapet/bench/iam/synth"
	collectaws "github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/iam"
)

func main() {
	cfg := synth.Default
	flag.IntVar(&cfg.Users, "users", cfg.Users, "IAM users")
	flag.IntVar(&cfg.Roles, "roles", cfg.Roles, "IAM roles")
	flag.IntVar(&cfg.Policies, "policies", cfg.Policies, "customer-managed policies")
	flag.IntVar(&cfg.Accounts, "accounts", cfg.Accounts, "accounts")
	evals := flag.Int("evals", 2_000_000, "single evaluations for the throughput measurement")
	flag.IntVar(&runs, "runs", 1, "analyses to run; the best time is compared with the target")
	flag.BoolVar(&lateral, "lateral", false, "also report lateral one-step paths, as iam analyze --lateral")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the analysis to this file")
	keep := flag.String("keep", "", "write the organisation to this folder and keep it (default: a temporary folder, removed)")
	flag.Parse()
	profile = *cpuprofile
	if err := run(cfg, *evals, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench/iam:", err)
		os.Exit(1)
	}
}

// profile names the CPU profile file, if any; lateral is -lateral.
var (
	profile string
	lateral bool
	runs    int
)

func run(cfg synth.Config, evals int, keep string) error {
	dir := keep
	if dir == "" {
		d, err := os.MkdirTemp("", "parapet-iam-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	t0 := time.Now()
	files, err := synth.Write(dir, cfg)
	if err != nil {
		return err
	}
	st := files.Stats
	fmt.Printf("organisation: %d accounts, %d OUs with an SCP each, %d users, %d roles, %d groups, %d policies (generated in %v)\n",
		cfg.Accounts, cfg.OUs, st.Users, st.Roles, st.Groups, st.Policies, time.Since(t0).Round(time.Millisecond))
	fmt.Printf("  wildcard policies %d (%.0f%%), with conditions %d (%.0f%%), bounded principals %d (%.0f%%), trust entries %d (max fan-out %d), pass-role chains %d, escalation grants %d, admins %d\n",
		st.WildcardPolicies, pct(st.WildcardPolicies, st.Policies), st.ConditionalPolicies, pct(st.ConditionalPolicies, st.Policies),
		st.BoundedPrincipals, pct(st.BoundedPrincipals, st.Users+st.Roles), st.TrustEntries, st.MaxTrustFanOut, st.PassChains, st.EscalationGrants, st.Admins)

	// As `parapet iam analyze` runs: see cmd/parapet/iam_analyze.go.
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(1536 << 20)
	var best time.Duration
	var data *collectaws.IAMData
	for r := range max(1, runs) {
		d, total, err := analyzeOnce(files, dir, r == 0)
		if err != nil {
			return err
		}
		data = d
		if r == 0 || total < best {
			best = total
		}
	}
	peak := peakRSS()
	fmt.Printf("  peak memory: %.2f GiB resident (maxrss); Go heap in use at the end %.2f GiB\n", float64(peak)/(1<<30), float64(heapInUse())/(1<<30))
	fmt.Printf("  best of %d runs %v; target under 10 s and 2 GiB: %s\n", max(1, runs), best.Round(time.Millisecond), verdict(best < 10*time.Second && peak < 2<<30))

	// Single evaluations on one core: a mix of allowed, denied and
	// conditional requests by typical principals.
	ps := data.Model.Principals()
	actions := []string{"s3:GetObject", "iam:PassRole", "sts:AssumeRole", "lambda:CreateFunction", "dynamodb:PutItem", "kms:Decrypt", "ec2:RunInstances", "iam:CreateAccessKey"}
	r := rand.New(rand.NewPCG(7, 7))
	reqs := make([]iam.Request, 4096)
	for i := range reqs {
		p := ps[r.IntN(len(ps))]
		for p.Kind == iam.KindGroup {
			p = ps[r.IntN(len(ps))]
		}
		q := ps[r.IntN(len(ps))]
		reqs[i] = iam.Request{Principal: p.ARN, Action: actions[r.IntN(len(actions))], Resource: q.ARN}
		if reqs[i].Action == "s3:GetObject" || reqs[i].Action == "dynamodb:PutItem" {
			reqs[i].Resource = fmt.Sprintf("arn:aws:s3:::bucket-%d/key", r.IntN(5000))
		}
	}
	prev := runtime.GOMAXPROCS(1)
	var allowed int
	t1 := time.Now()
	for i := range evals {
		if data.Model.Evaluate(reqs[i%len(reqs)]).Result != iam.Denied {
			allowed++
		}
	}
	el := time.Since(t1)
	runtime.GOMAXPROCS(prev)
	rate := float64(evals) / el.Seconds()
	fmt.Printf("iam can (one core): %d evaluations in %v = %.0f per second (%d allowed or conditional); target over 200,000/s: %s\n",
		evals, el.Round(time.Millisecond), rate, allowed, verdict(rate > 200_000))
	return nil
}

// analyzeOnce loads the organisation, analyses it and writes the JSON
// document, as `parapet iam analyze --format json --output FILE` does, and
// prints the times of each phase.
func analyzeOnce(files *synth.Files, dir string, first bool) (*collectaws.IAMData, time.Duration, error) {
	runtime.GC()
	cpu0 := cpuTime()
	start := time.Now()
	data, err := collectaws.LoadIAM(collectaws.IAMInputs{Authz: files.Authz, Org: files.SCPDir})
	if err != nil {
		return nil, 0, err
	}
	loaded := time.Now()
	cpuL := cpuTime()
	if profile != "" && first {
		f, err := os.Create(profile)
		if err != nil {
			return nil, 0, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, 0, err
		}
		defer pprof.StopCPUProfile()
	}
	res := iam.AnalyzeEscalation(data.Model, iam.AnalyzeOptions{Lateral: lateral})
	analyzed := time.Now()
	cpu1 := cpuTime()
	out, err := os.Create(filepath.Join(dir, "analyze.json"))
	if err != nil {
		return nil, 0, err
	}
	if err := res.WriteJSON(out); err != nil {
		out.Close()
		return nil, 0, err
	}
	fi, err := out.Stat()
	if err != nil {
		out.Close()
		return nil, 0, err
	}
	if err := out.Close(); err != nil {
		return nil, 0, err
	}
	done := time.Now()
	cpu2 := cpuTime()
	admins := 0
	for _, p := range res.Principals {
		if p.Status.Admin {
			admins++
		}
	}
	total := done.Sub(start)
	fmt.Printf("iam analyze (lateral %v, GOMAXPROCS=%d): load %v + analyze %v + write JSON %v = %v; %d principals, %d admin-equivalent, %d edges, %d paths and findings (%.0f MB of JSON)\n",
		lateral, runtime.GOMAXPROCS(0), loaded.Sub(start).Round(time.Millisecond), analyzed.Sub(loaded).Round(time.Millisecond), done.Sub(analyzed).Round(time.Millisecond),
		total.Round(time.Millisecond), len(res.Principals), admins, len(res.Edges), len(res.Paths), float64(fi.Size())/1e6)
	fmt.Printf("  CPU time (user+system, both cores): load %v, analyze %v, write JSON %v (wall time also counts waiting for a core on a shared machine)\n",
		(cpuL - cpu0).Round(time.Millisecond), (cpu1 - cpuL).Round(time.Millisecond), (cpu2 - cpu1).Round(time.Millisecond))
	if first {
		byTech := map[string]int{}
		for _, e := range res.Edges {
			byTech[e.Technique.ID]++
		}
		fmt.Printf("  edges by technique: %v\n", byTech)
	}
	return data, total, nil
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's peak resident set size in bytes.
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return ru.Maxrss * 1024 // kilobytes on Linux
}

// heapInUse is the Go heap occupied by objects now, from runtime/metrics.
func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
