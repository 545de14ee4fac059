package gateway

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

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

// BenchmarkPolicyToolCallWithHistory times a decision as the gateway makes
// it (input built part by part, policyInput, and decided by the tool's
// specialised query once its specialisation, started by the first call,
// is ready) in a session that has made maxHistory calls already, as every
// busy session has; and, for comparison, the same decision with the input
// converted whole through JSON (policy.Engine.ToolCall).
func BenchmarkPolicyToolCallWithHistory(b *testing.B) {
	eng, err := policy.Load(context.Background(), policy.Options{Builtin: true})
	if err != nil {
		b.Fatal(err)
	}
	sess := &session{id: "s", agent: "a"}
	var h []policy.PastCall
	for i := 0; i < maxHistory; i++ {
		c := policy.PastCall{Server: "web", Tool: "web.report", Verdict: "allow", Time: "2026-11-27T10:00:00Z"}
		h = append(h, c)
		sess.record(c)
	}
	caller := &Caller{Agent: &Agent{ID: "a"}}
	tl := &tool{def: &mcp.Tool{Name: "report"}}
	tl.term = toolTerm("web", tl)
	args := map[string]any{}
	b.Run("built in parts", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			in, err := policyInput(caller, sess, tl, args)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := eng.ToolCallValue(context.Background(), in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("converted through JSON", func(b *testing.B) {
		in := policy.ToolCallInput{Agent: policy.Agent{ID: "a"}, Session: policy.Session{ID: "s", History: h},
			Tool: policy.Tool{Server: "web", Name: "report"}, Arguments: args}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := eng.ToolCall(context.Background(), in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkValidJSON checks a tool call's response (a 4 KiB result) with
// the gateway's validator and with encoding/json's.
func BenchmarkValidJSON(b *testing.B) {
	text, _ := json.Marshal(buildReport)
	msg := []byte(`{"jsonrpc":"2.0","id":12,"result":{"content":[{"type":"text","text":` + string(text) + `}]}}`)
	for _, c := range []struct {
		name  string
		valid func([]byte) bool
	}{{"encoding-json", json.Valid}, {"gateway", validJSON}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			for range b.N {
				if !c.valid(msg) {
					b.Fatal("invalid")
				}
			}
		})
	}
}
