package gateway

import (
	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/parapet-sec/parapet/internal/policy"
)

// The tool_call policy input is built as an OPA value directly, with the
// parts that do not change between calls (a tool's description, a
// session's history) converted once and reused: converting a busy
// session's history on every call tripled the cost of a decision. The
// shape is exactly that of policy.ToolCallInput encoded as JSON
// (docs/policies.md); TestPolicyInputMatchesTheDocumentedShape pins it.

func str(s string) *ast.Term { return ast.StringTerm(s) }

// toolTerm is a tool as input.tool.
func toolTerm(server string, t *tool) *ast.Term {
	items := [][2]*ast.Term{{str("server"), str(server)}, {str("name"), str(t.def.Name)}}
	if ann := annotationsOf(t.def); len(ann) > 0 {
		if v, err := ast.InterfaceToValue(ann); err == nil {
			items = append(items, [2]*ast.Term{str("annotations"), ast.NewTerm(v)})
		}
	}
	if len(t.labels) > 0 {
		ls := make([]*ast.Term, len(t.labels))
		for i, l := range t.labels {
			ls[i] = str(l)
		}
		items = append(items, [2]*ast.Term{str("labels"), ast.ArrayTerm(ls...)})
	}
	if t.hash != "" {
		items = append(items, [2]*ast.Term{str("definition_hash"), str(t.hash)})
	}
	return ast.ObjectTerm(items...)
}

// pastCallTerm is one entry of input.session.history.
func pastCallTerm(c policy.PastCall) *ast.Term {
	items := [][2]*ast.Term{{str("server"), str(c.Server)}, {str("tool"), str(c.Tool)}, {str("verdict"), str(c.Verdict)}}
	if c.Time != "" {
		items = append(items, [2]*ast.Term{str("time"), str(c.Time)})
	}
	return ast.ObjectTerm(items...)
}

// agentTerm is the caller as input.agent.
func agentTerm(c *Caller) (*ast.Term, error) {
	items := [][2]*ast.Term{{str("id"), str(c.Agent.ID)}}
	if len(c.Claims) > 0 {
		v, err := ast.InterfaceToValue(c.Claims)
		if err != nil {
			return nil, err
		}
		items = append(items, [2]*ast.Term{str("claims"), ast.NewTerm(v)})
	}
	if len(c.Agent.Labels) > 0 {
		v, err := ast.InterfaceToValue(c.Agent.Labels)
		if err != nil {
			return nil, err
		}
		items = append(items, [2]*ast.Term{str("labels"), ast.NewTerm(v)})
	}
	return ast.ObjectTerm(items...), nil
}

// policyInput builds the whole input of one tool call.
func policyInput(c *Caller, sess *session, t *tool, args map[string]any) (ast.Value, error) {
	agent, err := agentTerm(c)
	if err != nil {
		return nil, err
	}
	argv, err := ast.InterfaceToValue(args)
	if err != nil {
		return nil, err
	}
	items := [][2]*ast.Term{
		{str("kind"), str(policy.KindToolCall)},
		{str("agent"), agent},
		{str("session"), sess.term()},
		{str("tool"), t.term},
		{str("arguments"), ast.NewTerm(argv)},
	}
	if task := taskOf(args); task != nil {
		v, err := ast.InterfaceToValue(task)
		if err != nil {
			return nil, err
		}
		items = append(items, [2]*ast.Term{str("task"), ast.NewTerm(v)})
	}
	return ast.NewObject(items...), nil
}
