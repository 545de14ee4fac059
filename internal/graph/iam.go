package graph

import (
	"fmt"

	"github.com/parapet-sec/parapet/internal/iam"
)

// IAMAccess answers access questions with the IAM engine's Evaluate: the
// full AWS logic (explicit deny, SCPs and RCPs, resource policies,
// boundaries, identity policies).
type IAMAccess struct {
	Model *iam.Model
}

// Allowed implements AccessEvaluator. A conditional allow counts as
// allowed; the evidence then holds "conditional": true and the conditions.
func (a IAMAccess) Allowed(principal, action, resource string) (bool, map[string]any) {
	if a.Model == nil || a.Model.Principal(principal) == nil {
		return false, nil
	}
	d := a.Model.Evaluate(iam.Request{Principal: principal, Action: action, Resource: resource})
	if d.Result == iam.Denied {
		return false, nil
	}
	ev := map[string]any{"statements": statementRefs(d.Statements)}
	if d.Result == iam.Conditional {
		conds := make([]string, 0, len(d.Conditions))
		for _, c := range d.Conditions {
			conds = append(conds, c.String())
		}
		ev["conditional"] = true
		ev["conditions"] = conds
	}
	return true, ev
}

// statementRefs names statements for evidence and fixes: the policy they
// belong to and their Sid or position.
func statementRefs(stmts []*iam.Statement) []string {
	out := make([]string, 0, len(stmts))
	for _, s := range stmts {
		name := s.Sid
		if name == "" {
			name = "(no Sid)"
		}
		if s.Policy != nil && s.Policy.Source != "" {
			out = append(out, fmt.Sprintf("%s in %s", name, s.Policy.Source))
		} else {
			out = append(out, name)
		}
	}
	return out
}

// AllowedPatterns implements PatternLister with the engine's pre-filter.
func (a IAMAccess) AllowedPatterns(principal, action string) []string {
	if a.Model == nil {
		return nil
	}
	return a.Model.AllowedPatterns(principal, action)
}
