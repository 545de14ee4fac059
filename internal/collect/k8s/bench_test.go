package k8s

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// bigDump builds a kubectl List of n pods copied from the fixture's agent
// pod, each with its own name and namespace.
func bigDump(b *testing.B, n int) []byte {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "eks-prod", "pods.json"))
	if err != nil {
		b.Fatal(err)
	}
	var list struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		b.Fatal(err)
	}
	items := make([]map[string]any, n)
	for i := range items {
		var p map[string]any
		one, _ := json.Marshal(list.Items[0])
		_ = json.Unmarshal(one, &p)
		md := p["metadata"].(map[string]any)
		md["name"] = fmt.Sprintf("agent-%d", i)
		md["namespace"] = fmt.Sprintf("team-%d", i%50)
		delete(md, "ownerReferences")
		items[i] = p
	}
	out, err := json.MarshalIndent(map[string]any{"apiVersion": "v1", "kind": "List", "items": items}, "", "    ")
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkParseAndBuild10kPods measures reading a 10,000-pod kubectl dump
// and building its inventory: go test -bench ParseAndBuild ./internal/collect/k8s
func BenchmarkParseAndBuild10kPods(b *testing.B) {
	data := bigDump(b, 10000)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		objs, err := Parse("dump.json", data)
		if err != nil {
			b.Fatal(err)
		}
		snap := Options{Cluster: "bench"}.Build(objs)
		if len(snap.Nodes) < 10000 {
			b.Fatalf("%d nodes", len(snap.Nodes))
		}
	}
}

// BenchmarkParseYAML measures the YAML reader on the same pods as
// multi-document YAML (JSON documents are valid YAML).
func BenchmarkParseYAML1kPods(b *testing.B) {
	data := bigDump(b, 1000)
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	for _, it := range list.Items {
		buf.WriteString("---\n")
		buf.Write(it)
		buf.WriteString("\n")
	}
	yml := append([]byte("# manifests\n"), buf.Bytes()...)
	b.SetBytes(int64(len(yml)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		objs, err := Parse("all.yaml", yml)
		if err != nil {
			b.Fatal(err)
		}
		if len(objs) != 1000 {
			b.Fatalf("%d objects", len(objs))
		}
	}
}
