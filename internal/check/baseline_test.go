package check

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/parapet-sec/parapet/internal/collect/terraform"
	"github.com/parapet-sec/parapet/internal/inventory"
)

const (
	agentPlan    = "../collect/terraform/testdata/agent.plan.json"
	agentHCL     = "../collect/terraform/testdata/agent"
	agentManaged = "../collect/terraform/testdata/managed-policies"
)

// writeBaseline writes the inventory of the agent configuration, changed by
// edit, as `parapet scan --snapshot` writes snapshots.
func writeBaseline(t *testing.T, edit func(s *inventory.Snapshot)) string {
	t.Helper()
	c, err := terraform.Load(agentHCL)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Snapshot()
	if edit != nil {
		edit(s)
	}
	path := filepath.Join(t.TempDir(), "snapshot.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := s.Encode(f); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBaselineReportsOnlyWhatAChangeAdds(t *testing.T) {
	withoutURL := func(s *inventory.Snapshot) {
		// The estate before the change: the tool function has no public URL.
		edges := s.Edges[:0]
		for _, e := range s.Edges {
			if e.From != inventory.InternetID || e.To != "tf://aws_lambda_function.tool" {
				edges = append(edges, e)
			}
		}
		s.Edges = edges
		n := s.Node("tf://aws_lambda_function.tool")
		delete(n.Props, "function_url_auth")
		delete(n.Props, "internet_reachable")
	}
	tests := []struct {
		name     string
		baseline string
		plan     string
		want     []string // check ids of the added findings
	}{
		{"a plan that opens a public URL to a function running as an admin role adds the attack path", writeBaseline(t, withoutURL), agentPlan, []string{"PAR-PATH-001"}},
		{"the same change read from source adds the same path", writeBaseline(t, withoutURL), agentHCL, []string{"PAR-PATH-001"}},
		{"a plan whose resources are all in the baseline adds nothing", writeBaseline(t, nil), agentPlan, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := RunBaseline(context.Background(), []string{tt.plan}, Baseline{Snapshot: tt.baseline, ManagedPolicies: agentManaged}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rep.Findings {
				if f.Check == "PAR-PATH-001" {
					if f.Location == nil || f.Location.File == "" {
						t.Errorf("finding %s has no location", f.Check)
					}
					if len(f.Path) == 0 || f.Path[0].From != inventory.InternetID {
						t.Errorf("path = %v, want it to start at the internet", f.Path)
					}
				}
				got = append(got, f.Check)
			}
			if !sameSet(got, tt.want) {
				t.Errorf("added findings = %v, want %v", got, tt.want)
				for _, f := range rep.Findings {
					t.Logf("  %s %s %v", f.Check, f.Title, f.Resources)
				}
			}
		})
	}
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

func TestApplyChangesRemovesDeletedNodesAndKeepsWhatTheChangeDoesNotSay(t *testing.T) {
	base := inventory.New()
	base.Add(&inventory.Node{ID: "arn:aws:iam::111122223333:role/app", Kind: inventory.KindIAMRole, Props: map[string]any{"last_used": "2026-11-01", "path": "/"}})
	base.Add(&inventory.Node{ID: "arn:aws:s3:::old", Kind: inventory.KindS3Bucket})
	base.Connect("arn:aws:iam::111122223333:role/app", "arn:aws:s3:::old", inventory.EdgeCanRead, nil)
	change := inventory.New()
	change.Add(&inventory.Node{ID: "arn:aws:iam::111122223333:role/app", Kind: inventory.KindIAMRole, Props: map[string]any{"path": "/agents/"}})
	out := ApplyChanges(base, []string{"arn:aws:s3:::old"}, change)
	role := out.Node("arn:aws:iam::111122223333:role/app")
	if role.Props["path"] != "/agents/" || role.Props["last_used"] != "2026-11-01" {
		t.Errorf("role props = %v, want the change's path and the baseline's last_used", role.Props)
	}
	if out.Node("arn:aws:s3:::old") != nil || len(out.Edges) != 0 {
		t.Errorf("deleted bucket or its edge is still there: %v", out.Edges)
	}
}

func TestAPlanThatMakesAnExposedRoleAdminOpensAPathToData(t *testing.T) {
	rep, err := RunBaseline(context.Background(), []string{"../collect/terraform/testdata/change/admin.plan.json"},
		Baseline{Snapshot: "../collect/terraform/testdata/change/estate.snapshot.json", ManagedPolicies: agentManaged}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var path *inventory.Finding
	for i, f := range rep.Findings {
		if f.Check == "PAR-PATH-001" {
			path = &rep.Findings[i]
		}
	}
	if path == nil {
		t.Fatalf("no new attack path; findings: %v", rep.Findings)
	}
	want := []string{inventory.InternetID, "arn:aws:ec2:us-east-1:111122223333:instance/i-0a1b2c3d4e5f60718", "arn:aws:iam::111122223333:role/app"}
	for i, id := range want {
		if i >= len(path.Path) || path.Path[i].From != id {
			t.Fatalf("path = %v, want it through %v", path.Path, want)
		}
	}
	if last := path.Path[len(path.Path)-1].To; last != "arn:aws:s3:::acme-customer-data" && last != "arn:aws:iam::111122223333:root" {
		t.Errorf("path ends at %s", last)
	}
	if path.Location == nil || filepath.Base(path.Location.File) != "admin.plan.json" {
		t.Errorf("location = %+v, want the plan", path.Location)
	}
}

func TestAPlanDeletesWhatItRemoves(t *testing.T) {
	c, err := terraform.Load("../collect/terraform/testdata/change/admin.plan.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Removed) != 1 || c.Removed[0] != "arn:aws:s3:::acme-scratch" {
		t.Errorf("removed = %v", c.Removed)
	}
	f, _ := os.Open("../collect/terraform/testdata/change/estate.snapshot.json")
	defer f.Close()
	base, err := inventory.Decode(f, "estate")
	if err != nil {
		t.Fatal(err)
	}
	after := ApplyChanges(base, c.Removed, c.Snapshot())
	if after.Node("arn:aws:s3:::acme-scratch") != nil {
		t.Error("the deleted bucket is still there")
	}
	if n := after.Node("arn:aws:iam::111122223333:role/app"); n == nil || n.Account != "111122223333" || n.Props["managed_policies"] == nil {
		t.Errorf("role after the change = %+v", n)
	}
}
