package gateway

import (
	"context"
	"testing"

	"github.com/parapet-sec/parapet/internal/inspect"
	"github.com/parapet-sec/parapet/internal/policy"
)

// BenchmarkPolicyToolCall times one decision of the whole built-in bundle.
func BenchmarkPolicyToolCall(b *testing.B) {
	eng, err := policy.Load(context.Background(), policy.Options{Builtin: true})
	if err != nil {
		b.Fatal(err)
	}
	in := policy.ToolCallInput{Agent: policy.Agent{ID: "a"}, Session: policy.Session{ID: "s"},
		Tool: policy.Tool{Server: "web", Name: "report", Labels: []string{"fetch"}}, Arguments: map[string]any{"path": "/src/main.go", "url": "https://example.com/x"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eng.ToolCall(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInspect4KiB times the detectors on a 4 KiB tool response.
func BenchmarkInspect4KiB(b *testing.B) {
	in, err := inspect.New(inspect.Options{})
	if err != nil {
		b.Fatal(err)
	}
	d := Detectors{Inspector: in}
	b.SetBytes(int64(len(buildReport)))
	for b.Loop() {
		d.Inspect(context.Background(), buildReport)
	}
}
