package main

import (
	"testing"

	"github.com/parapet-sec/parapet/internal/graph"
)

// BenchmarkAnalyze measures build plus analysis of a generated estate of
// 10,000 and 100,000 resources (go run ./bench/scan goes to 1,000,000 and
// reports peak memory).
func BenchmarkAnalyze(b *testing.B) {
	for _, n := range []struct {
		name string
		size int
	}{{"10k", 10_000}, {"100k", 100_000}} {
		e, err := generate(n.size, 100, 42)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(n.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := graph.Analyze(e.snap, graph.Options{Access: graph.IAMAccess{Model: e.model}}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(e.resources), "resources")
		})
	}
}

// BenchmarkBuild measures the compact graph alone.
func BenchmarkBuild(b *testing.B) {
	e, err := generate(100_000, 100, 42)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := graph.Build(e.snap); err != nil {
			b.Fatal(err)
		}
	}
}

func TestGenerateIsDeterministicAndShaped(t *testing.T) {
	a, err := generate(10_000, 10, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := generate(10_000, 10, 7)
	if len(a.snap.Nodes) != len(b.snap.Nodes) || len(a.snap.Edges) != len(b.snap.Edges) {
		t.Error("two estates from one seed differ")
	}
	if a.resources < 9_000 || a.resources > 11_000 || a.principals != 1_000 {
		t.Errorf("resources %d, principals %d; want about 10,000 and 1,000", a.resources, a.principals)
	}
}
