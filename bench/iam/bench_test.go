package main

import (
	"testing"

	"github.com/parapet-sec/parapet/bench/iam/synth"
	collectaws "github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/iam"
)

// BenchmarkAnalyzeEscalation measures a full escalation analysis of a
// synthetic organisation a tenth of the size the issue targets (the
// program in this folder runs the full size).
func BenchmarkAnalyzeEscalation(b *testing.B) {
	cfg := synth.Default
	cfg.Users, cfg.Roles, cfg.Policies = cfg.Users/10, cfg.Roles/10, cfg.Policies/10
	files, err := synth.Write(b.TempDir(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	data, err := collectaws.LoadIAM(collectaws.IAMInputs{Authz: files.Authz, Org: files.SCPDir})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		res := iam.AnalyzeEscalation(data.Model, iam.AnalyzeOptions{})
		b.ReportMetric(float64(len(res.Paths)), "paths")
	}
}
