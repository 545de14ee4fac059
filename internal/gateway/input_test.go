package gateway

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/parapet-sec/parapet/internal/policy"
)

// TestPolicyInputMatchesTheDocumentedShape checks that the input built
// part by part equals policy.ToolCallInput encoded as JSON, the documented
// contract, for calls with and without the optional parts.
func TestPolicyInputMatchesTheDocumentedShape(t *testing.T) {
	readOnly := true
	cases := []struct {
		name   string
		caller *Caller
		tool   *tool
		args   map[string]any
		calls  []policy.PastCall
		taint  bool
	}{
		{"a bare call", &Caller{Agent: &Agent{ID: "a"}}, &tool{def: &mcp.Tool{Name: "read"}}, map[string]any{}, nil, false},
		{"every optional part", &Caller{Agent: &Agent{ID: "b", Labels: map[string]string{"team": "sre"}}, Claims: map[string]any{"sub": "b", "scope": "mcp:tools", "n": 3.0}},
			&tool{def: &mcp.Tool{Name: "send", Annotations: &mcp.ToolAnnotations{ReadOnlyHint: readOnly}}, labels: []string{"sensitive_sink", "destructive"}, hash: "abc"},
			map[string]any{"to": "x@example.com", "n": 2.5, "list": []any{"a", true, nil}, "_task": map[string]any{"ticket": "OPS-1"}},
			[]policy.PastCall{{Server: "mail", Tool: "mail.read", Verdict: "allow", Time: "2026-11-27T10:00:00Z"}, {Server: "mail", Tool: "mail.send", Verdict: "approve"}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.tool.term = toolTerm("mail", c.tool)
			sess := &session{id: "s1", agent: c.caller.Agent.ID}
			for _, pc := range c.calls {
				sess.record(pc)
			}
			if c.taint {
				sess.taint("mail.read")
			}
			got, err := policyInput(c.caller, sess, c.tool, c.args)
			if err != nil {
				t.Fatal(err)
			}
			doc := struct {
				Kind string `json:"kind"`
				policy.ToolCallInput
			}{policy.KindToolCall, policy.ToolCallInput{
				Agent:   policy.Agent{ID: c.caller.Agent.ID, Claims: c.caller.Claims, Labels: c.caller.Agent.Labels},
				Session: policy.Session{ID: "s1", Tainted: c.taint, History: c.calls},
				Tool: policy.Tool{Server: "mail", Name: c.tool.def.Name, Labels: c.tool.labels,
					Annotations: annotationsOf(c.tool.def), DefinitionHash: c.tool.hash},
				Arguments: c.args,
				Task:      taskOf(c.args),
			}}
			b, _ := json.Marshal(doc)
			want, err := ast.ValueFromReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if got.Compare(want) != 0 {
				t.Fatalf("built input differs from the documented shape:\n got %v\nwant %v", got, want)
			}
		})
	}
}
