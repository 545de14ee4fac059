package iam_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	awscollect "github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/iam"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// loadFixture writes the fixture's authorization details to a file (and,
// for the SCP variant, an AWS Organizations folder), and loads them the way
// `parapet iam analyze --authz FILE --scp DIR` does.
func loadFixture(t *testing.T, f *fixture) *iam.Model {
	t.Helper()
	dir := t.TempDir()
	name := filepath.Join(dir, "authz.json")
	writeJSON(t, name, f.doc)
	in := awscollect.IAMInputs{Authz: []string{name}}
	if f.scp != nil {
		org := filepath.Join(dir, "org")
		writeJSON(t, filepath.Join(org, "describe-organization.json"), map[string]any{"Organization": map[string]any{"Id": "o-fixture", "MasterAccountId": fxOther}})
		writeJSON(t, filepath.Join(org, "list-roots.json"), map[string]any{"Roots": []any{map[string]any{"Id": "r-root", "Name": "Root"}}})
		writeJSON(t, filepath.Join(org, "list-accounts-for-parent", "r-root.json"), map[string]any{"Accounts": []any{
			map[string]any{"Id": fxAccount, "Name": "workloads"}, map[string]any{"Id": fxOther, "Name": "management"}}})
		writeJSON(t, filepath.Join(org, "describe-policy", "p-deny.json"), map[string]any{"Policy": map[string]any{
			"PolicySummary": map[string]any{"Id": "p-deny", "Name": "deny-escalation", "Type": "SERVICE_CONTROL_POLICY"},
			"Content":       string(f.scp)}})
		writeJSON(t, filepath.Join(org, "list-targets-for-policy", "p-deny.json"), map[string]any{"Targets": []any{
			map[string]any{"TargetId": fxAccount, "Type": "ACCOUNT"}}})
		in.Org = org
	}
	d, err := awscollect.LoadIAM(in)
	if err != nil {
		t.Fatalf("loading the fixture: %v", err)
	}
	return d.Model
}

func writeJSON(t *testing.T, name string, v any) {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// find returns the edges of technique id from actor.
func find(res *iam.Escalation, id, from string) []*iam.EscalationEdge {
	var out []*iam.EscalationEdge
	for _, e := range res.Edges {
		if e.Technique.ID == id && e.From == from {
			out = append(out, e)
		}
	}
	return out
}

func TestEveryTechniqueIsFoundWhereItExists(t *testing.T) {
	for _, tech := range iam.Techniques {
		variants := []variant{positive}
		if tech.Needs != "" {
			variants = append(variants, withInventory)
		}
		for _, v := range variants {
			t.Run(tech.ID+"/"+string(v), func(t *testing.T) {
				f := buildFixture(tech, v)
				res := iam.AnalyzeEscalation(loadFixture(t, f), iam.AnalyzeOptions{Inventory: f.inventory})
				edges := find(res, tech.ID, f.actor)
				var hit *iam.EscalationEdge
				for _, e := range edges {
					if e.To == f.target {
						hit = e
					}
				}
				if hit == nil {
					t.Fatalf("%s from %s to %s not found; edges: %s", tech.ID, f.actor, f.target, describe(res.Edges))
				}
				if hit.Conditional() {
					t.Errorf("edge is conditional on %v; the fixture grants without conditions", hit.Conditions)
				}
				wantPotential := tech.Needs != "" && f.inventory == nil
				if hit.Potential != wantPotential {
					t.Errorf("potential = %v, want %v (needs %q, inventory %v)", hit.Potential, wantPotential, tech.Needs, f.inventory != nil)
				}
				if f.workload != nil && tech.Target == iam.TargetWorkloadRole && hit.Via != f.workload.ARN {
					t.Errorf("via %q, want the workload %s", hit.Via, f.workload.ARN)
				}
				if len(hit.Evidence) == 0 {
					t.Error("edge carries no evidence")
				}
				if len(hit.Actions) != len(tech.Requires) {
					t.Errorf("edge names actions %v, technique requires %v", hit.Actions, tech.Actions())
				}
				// Every path to the target ends in administrator power:
				// the target is an administrator, or the technique gives
				// control of a principal nothing caps.
				admin := false
				for _, p := range res.Paths {
					if p.From == f.actor && p.To == f.target && p.Admin {
						admin = true
					}
				}
				if !admin {
					t.Errorf("no admin path from %s to %s", f.actor, f.target)
				}
			})
		}
	}
}

func TestEveryTechniqueUnderAnUnknownConditionIsConditional(t *testing.T) {
	for _, tech := range iam.Techniques {
		t.Run(tech.ID, func(t *testing.T) {
			f := buildFixture(tech, requestCond)
			res := iam.AnalyzeEscalation(loadFixture(t, f), iam.AnalyzeOptions{})
			var hit *iam.EscalationEdge
			for _, e := range find(res, tech.ID, f.actor) {
				if e.To == f.target {
					hit = e
				}
			}
			if hit == nil {
				t.Fatalf("%s not found when its grants hold only from 203.0.113.0/24", tech.ID)
			}
			if !hit.Conditional() || !strings.Contains(hit.Conditions[0].String(), "aws:SourceIp") {
				t.Errorf("conditions %v, want the aws:SourceIp condition", hit.Conditions)
			}
			for _, p := range res.Paths {
				if p.From == f.actor && p.To == f.target && (!p.Conditional() || p.Severity() == inventory.Critical) {
					t.Errorf("path %s -> %s: conditional %v, severity %s; want conditional and below critical", p.From, p.To, p.Conditional(), p.Severity())
				}
			}
		})
	}
}

func TestNoTechniqueIsFoundWhereItIsStopped(t *testing.T) {
	for _, tech := range iam.Techniques {
		for _, v := range variantsFor(tech) {
			t.Run(tech.ID+"/"+string(v), func(t *testing.T) {
				f := buildFixture(tech, v)
				res := iam.AnalyzeEscalation(loadFixture(t, f), iam.AnalyzeOptions{Inventory: f.inventory})
				for _, e := range find(res, tech.ID, f.actor) {
					if e.To == f.target {
						t.Fatalf("%s from %s to %s reported despite %s: evidence %v, conditions %v", tech.ID, f.actor, f.target, v, e.Evidence, e.Conditions)
					}
				}
			})
		}
	}
}

func describe(es []*iam.EscalationEdge) string {
	if len(es) == 0 {
		return "none"
	}
	var b strings.Builder
	for _, e := range es {
		b.WriteString("\n  " + e.From + " -[" + e.Technique.ID + "]-> " + e.To)
	}
	return b.String()
}

// TestControlOfAPrincipalAlreadyReachedIsAPathToAdmin: the user can assume
// both roles; the first has modest permissions, the second can rewrite the
// first's policy and trust policy. Reaching the first role directly gives
// nothing, reaching it through the second gives control of it.
func TestControlOfAPrincipalAlreadyReachedIsAPathToAdmin(t *testing.T) {
	trustUser := trustDoc(map[string]any{"AWS": fxARN("user", "dev")})
	logs := map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}}}
	rewrite := map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Effect": "Allow", "Action": []string{"iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"}, "Resource": fxARN("role", "app")}}}
	doc := map[string]any{
		"UserDetailList": []any{map[string]any{"Path": "/", "UserName": "dev", "UserId": "AIDADEV000000000000", "Arn": fxARN("user", "dev"),
			"GroupList": []any{}, "UserPolicyList": []any{}, "AttachedManagedPolicies": []any{}}},
		"GroupDetailList": []any{},
		"RoleDetailList": []any{
			map[string]any{"Path": "/", "RoleName": "app", "RoleId": "AROAAPP000000000000", "Arn": fxARN("role", "app"),
				"AssumeRolePolicyDocument": trustUser, "InstanceProfileList": []any{}, "AttachedManagedPolicies": []any{},
				"RolePolicyList": []any{map[string]any{"PolicyName": "logs", "PolicyDocument": logs}}},
			map[string]any{"Path": "/", "RoleName": "iam-helper", "RoleId": "AROAHELPER000000000", "Arn": fxARN("role", "iam-helper"),
				"AssumeRolePolicyDocument": trustUser, "InstanceProfileList": []any{}, "AttachedManagedPolicies": []any{},
				"RolePolicyList": []any{map[string]any{"PolicyName": "rewrite", "PolicyDocument": rewrite}}},
		},
		"Policies": []any{},
	}
	res := iam.AnalyzeEscalation(loadFixture(t, &fixture{doc: doc}), iam.AnalyzeOptions{})
	for _, p := range res.Paths {
		if p.From == fxARN("user", "dev") && p.To == fxARN("role", "app") && p.Admin {
			if len(p.Steps) != 2 || p.Steps[0].To != fxARN("role", "iam-helper") || p.Steps[1].Technique.ID != "iam-021" {
				t.Errorf("path %s", describe(p.Steps))
			}
			return
		}
	}
	var all []*iam.EscalationEdge
	for _, p := range res.Paths {
		all = append(all, p.Steps...)
	}
	t.Fatalf("no admin path from dev to app through iam-helper; paths: %s", describe(all))
}
