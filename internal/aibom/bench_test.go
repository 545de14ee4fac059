package aibom_test

import (
	"fmt"
	"testing"

	"github.com/parapet-sec/parapet/internal/aibom"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// BenchmarkRecognise10kWorkloads measures recognition over 10,000 workloads,
// a tenth of them AI: go test -bench Recognise ./internal/aibom
func BenchmarkRecognise10kWorkloads(b *testing.B) {
	build := func() *inventory.Snapshot {
		snap := inventory.New()
		for i := 0; i < 10000; i++ {
			img := "acme/service:1"
			env := []string{"PORT", "LOG_LEVEL"}
			var keys []map[string]any
			switch i % 10 {
			case 0:
				img = "langchain/langgraph-api:0.2"
			case 1:
				env = append(env, "OPENAI_API_KEY")
				keys = []map[string]any{{"env": "OPENAI_API_KEY", "provider": "openai", "fingerprint": fmt.Sprintf("sha256:%012d", i)}}
			}
			props := map[string]any{"kind": "Deployment", "namespace": "ns", "images": []string{img}, "env": env,
				"containers": []map[string]any{{"name": "c", "image": img, "command": []string{"python", "app.py"}}}}
			if keys != nil {
				props["ai_keys"] = keys
			}
			snap.Add(&inventory.Node{ID: fmt.Sprintf("k8s://c/ns/deployment/w%d", i), Kind: inventory.KindK8sWorkload, Account: "c", Name: fmt.Sprintf("w%d", i), Props: props})
		}
		return snap
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		snap := build()
		b.StartTimer()
		aibom.Recognise(snap)
	}
}
