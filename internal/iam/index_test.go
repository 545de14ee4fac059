package iam_test

import (
	"path/filepath"
	"testing"

	awscollect "github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/iam"
	"github.com/parapet-sec/parapet/internal/inventory"
)

func TestWorkloadsComeFromTheResourceInventory(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "data", "aws-account-demo", "account-data", "demo")
	snap, err := awscollect.CollectResources(dir)
	if err != nil {
		t.Skipf("CloudMapper demo account not readable at %s (../shared/data is absent?): %v", dir, err)
	}
	inv := iam.WorkloadsFromSnapshot(snap, iam.WorkloadLambda, iam.WorkloadEC2Instance)
	found := false
	for _, w := range inv.Workloads {
		if w.Kind == iam.WorkloadLambda && w.Role == "arn:aws:iam::123456789012:role/service-role/invpclambda" {
			found = true
		}
	}
	if !found {
		t.Errorf("the demo's Lambda function invpclambda and its role are missing from %+v", inv.Workloads)
	}
	if !inv.Known[iam.WorkloadEC2Instance] || inv.Known[iam.WorkloadNotebook] {
		t.Errorf("known kinds %v: want the ones named, and notebooks unknown", inv.Known)
	}
}

// TestInventoryMakesAPotentialPathConcreteOrRemovesIt runs the agent
// estate, where support-agent may update the code of functions named
// support-*, without an inventory (potential), with a function of that name
// running as ops-runtime (concrete, through the function), and with only a
// function of another name (gone).
func TestInventoryMakesAPotentialPathConcreteOrRemovesIt(t *testing.T) {
	const (
		actor  = "arn:aws:iam::123456789012:role/support-agent"
		target = "arn:aws:iam::123456789012:role/service/ops-runtime"
	)
	inventoryWith := func(fn string) *iam.Inventory {
		s := inventory.New()
		s.Add(&inventory.Node{ID: fn, Kind: inventory.KindLambdaFunction})
		s.Connect(fn, target, inventory.EdgeRunsAs, nil)
		return iam.WorkloadsFromSnapshot(s, iam.WorkloadLambda)
	}
	for _, tc := range []struct {
		name      string
		inv       *iam.Inventory
		want      bool
		potential bool
		via       string
	}{
		{"without an inventory the takeover is potential", nil, true, true, ""},
		{"a support function running as the role makes it concrete", inventoryWith("arn:aws:lambda:us-east-1:123456789012:function:support-tickets"), true, false, "arn:aws:lambda:us-east-1:123456789012:function:support-tickets"},
		{"a function the actor may not update removes it", inventoryWith("arn:aws:lambda:us-east-1:123456789012:function:billing"), false, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := awscollect.LoadIAM(awscollect.IAMInputs{Authz: []string{filepath.Join("testdata", "escalation", "agent-estate.json")}})
			if err != nil {
				t.Fatal(err)
			}
			res := iam.AnalyzeEscalation(d.Model, iam.AnalyzeOptions{Inventory: tc.inv})
			var got *iam.EscalationEdge
			for _, e := range find(res, "lambda-003", actor) {
				if e.To == target {
					got = e
				}
			}
			if (got != nil) != tc.want {
				t.Fatalf("lambda-003 from support-agent to ops-runtime: found %v, want %v", got != nil, tc.want)
			}
			if got != nil && (got.Potential != tc.potential || got.Via != tc.via) {
				t.Errorf("potential %v via %q, want %v via %q", got.Potential, got.Via, tc.potential, tc.via)
			}
		})
	}
}
