package scan

import (
	"errors"
	"github.com/parapet-sec/parapet/internal/collect/terraform"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/graph"
	"github.com/parapet-sec/parapet/internal/iam"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// iamResult is what the IAM stage adds to a scan.
type iamResult struct {
	access   graph.AccessEvaluator
	findings []inventory.Finding
	warnings []string
}

// hasAuthz reports whether any input holds authorization details.
func hasAuthz(in Inputs) bool {
	if len(in.Authz) > 0 {
		return true
	}
	for _, dir := range in.AWS {
		accounts, err := aws.DiscoverAccountData(dir)
		if err != nil {
			continue
		}
		for _, a := range accounts {
			for _, r := range a.Regions {
				_, err := os.Stat(filepath.Join(a.Dir, r, "iam-get-account-authorization-details.json"))
				if err == nil || !errors.Is(err, fs.ErrNotExist) {
					return true
				}
			}
		}
	}
	return false
}

// buildIAM reads the IAM model of the scanned accounts, adds its principals
// (with their trust policies) to snap, adds can_escalate_to edges for
// escalation steps and admin_of edges from admin-equivalent principals to
// their account, and returns the evaluator the graph derives data access
// with, plus the escalation findings. No IAM input means no IAM stage.
func buildIAM(snap *inventory.Snapshot, in Inputs) (*iamResult, error) {
	if !hasAuthz(in) && len(in.Terraform) == 0 {
		return &iamResult{}, nil
	}
	var data *aws.IAMData
	var err error
	if hasAuthz(in) {
		if data, err = aws.LoadIAM(aws.IAMInputs{Authz: in.Authz, Accounts: in.AWS, ManagedPolicies: in.ManagedPolicies, Org: in.Org}); err != nil {
			return nil, err
		}
	}
	if data, err = terraform.AddIAMData(data, in.Terraform, in.ManagedPolicies); err != nil {
		return nil, err
	}
	snap.Merge(data.Snapshot)
	for _, p := range data.Model.Principals() {
		n := snap.Node(p.ARN)
		if n == nil || p.Trust == nil {
			continue
		}
		if n.Props == nil {
			n.Props = map[string]any{}
		}
		if _, ok := n.Props["trust_policy"]; !ok {
			n.Props["trust_policy"] = policyDocument(p.Trust)
		}
	}
	anyoneCanAssume(snap, data.Model)
	outsidersCanAssume(snap, data.Model)
	esc := iam.AnalyzeEscalation(data.Model, iam.AnalyzeOptions{
		Inventory: iam.WorkloadsFromSnapshot(snap, iam.WorkloadLambda, iam.WorkloadEC2Instance),
	})
	for _, e := range esc.Edges {
		if e.From == e.To || e.Potential {
			continue
		}
		props := map[string]any{"technique": e.Technique.ID, "technique_name": e.Technique.Name, "actions": e.Actions, "statements": e.EvidenceStrings()}
		if e.Conditional() {
			props["conditional"] = true
		}
		if e.Via != "" {
			props["via"] = e.Via
		}
		snap.Connect(e.From, e.To, inventory.EdgeCanEscalateTo, props)
	}
	for _, ps := range esc.Principals {
		if !ps.Status.Admin || len(ps.Status.Conditions) > 0 || ps.Kind == iam.KindGroup {
			continue
		}
		p := data.Model.Principal(ps.ARN)
		if p == nil || p.Account == "" {
			continue
		}
		acct := "arn:aws:iam::" + p.Account + ":root"
		snap.Add(&inventory.Node{ID: acct, Kind: inventory.KindAWSAccount, Provider: "aws", Account: p.Account, Name: "account " + p.Account})
		snap.Connect(ps.ARN, acct, inventory.EdgeAdminOf, map[string]any{"source": "iam", "reason": ps.Status.Reason, "statements": ps.Status.Evidence})
	}
	return &iamResult{access: graph.IAMAccess{Model: data.Model}, findings: esc.Findings(), warnings: data.Warnings}, nil
}

// outsider is an account ID no real estate uses, standing for "any AWS
// account" when the IAM engine is asked who may assume a role.
const outsider = "000000000000"

// anyoneCanAssume adds internet -can_assume-> role for every role whose
// trust policy lets a principal of any account assume it unconditionally,
// as the IAM engine decides: such a role is an entry point of attack paths,
// like a public load balancer.
func anyoneCanAssume(snap *inventory.Snapshot, m *iam.Model) {
	for _, p := range m.Principals() {
		if p.Kind != iam.KindRole || p.Trust == nil || p.Account == outsider {
			continue
		}
		d := m.Evaluate(iam.Request{Principal: outsider, Action: "sts:AssumeRole", Resource: p.ARN})
		if d.Result != iam.Allowed {
			continue
		}
		var stmts []string
		for _, st := range d.Statements {
			stmts = append(stmts, st.String())
		}
		snap.Add(&inventory.Node{ID: inventory.InternetID, Kind: inventory.KindInternet, Name: "internet"})
		snap.Connect(inventory.InternetID, p.ARN, inventory.EdgeCanAssume, map[string]any{
			"source": "iam", "trust": "any AWS account", "reason": d.Reason, "statements": stmts,
		})
	}
}

// outsidersCanAssume adds <account root> -can_assume-> role for every role
// a principal of an account outside the model may assume with no condition
// left open, as the IAM engine decides: a trust that requires
// sts:ExternalId (or any other condition the caller must meet) is
// conditional and gets no edge. The account's node is an aws.account with
// props.external true: a third party, an entry point of attack paths.
func outsidersCanAssume(snap *inventory.Snapshot, m *iam.Model) {
	inModel := map[string]bool{}
	for _, p := range m.Principals() {
		inModel[p.Account] = true
	}
	for _, p := range m.Principals() {
		if p.Kind != iam.KindRole || p.Trust == nil {
			continue
		}
		seen := map[string]bool{}
		for _, st := range p.Trust.Statements {
			for _, v := range st.Principal["AWS"] {
				acct := accountOf(v)
				if acct == "" || inModel[acct] || seen[acct] {
					continue
				}
				seen[acct] = true
				d := m.Evaluate(iam.Request{Principal: acct, Action: "sts:AssumeRole", Resource: p.ARN})
				if d.Result != iam.Allowed {
					continue
				}
				root := "arn:aws:iam::" + acct + ":root"
				snap.Add(&inventory.Node{ID: root, Kind: inventory.KindAWSAccount, Provider: "aws", Account: acct,
					Name: "account " + acct, Props: map[string]any{"external": true}})
				var stmts []string
				for _, s := range d.Statements {
					stmts = append(stmts, s.String())
				}
				snap.Connect(root, p.ARN, inventory.EdgeCanAssume, map[string]any{
					"source": "iam", "trust": "account " + acct + " outside the scanned estate", "statements": stmts,
				})
			}
		}
	}
}

// accountOf reads the account of an AWS principal value: an ARN's account
// field or a bare 12-digit account ID.
func accountOf(v string) string {
	if parts := strings.Split(v, ":"); len(parts) >= 5 && parts[0] == "arn" {
		v = parts[4]
	}
	if len(v) != 12 || strings.Trim(v, "0123456789") != "" {
		return ""
	}
	return v
}

// policyDocument writes a parsed policy back in the JSON document shape,
// for Rego checks that read props.trust_policy.
func policyDocument(p *iam.Policy) map[string]any {
	stmts := make([]any, 0, len(p.Statements))
	for _, s := range p.Statements {
		st := map[string]any{"Effect": s.Effect}
		if s.Sid != "" {
			st["Sid"] = s.Sid
		}
		for k, v := range map[string][]string{"Action": s.Action, "NotAction": s.NotAction, "Resource": s.Resource, "NotResource": s.NotResource} {
			if len(v) > 0 {
				st[k] = v
			}
		}
		for k, v := range map[string]map[string][]string{"Principal": s.Principal, "NotPrincipal": s.NotPrincipal} {
			if len(v) == 0 {
				continue
			}
			if vs, ok := v["*"]; ok && len(v) == 1 && len(vs) == 1 && vs[0] == "*" {
				st[k] = "*"
				continue
			}
			m := map[string]any{}
			for t, vs := range v {
				m[t] = vs
			}
			st[k] = m
		}
		if len(s.Condition) > 0 {
			c := map[string]any{}
			for op, keys := range s.Condition {
				km := map[string]any{}
				for k, vs := range keys {
					km[k] = vs
				}
				c[op] = km
			}
			st["Condition"] = c
		}
		stmts = append(stmts, st)
	}
	doc := map[string]any{"Statement": stmts}
	if p.Version != "" {
		doc["Version"] = p.Version
	}
	return doc
}
