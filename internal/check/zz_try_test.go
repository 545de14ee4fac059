package check

import (
	"fmt"
	"testing"

	"github.com/parapet-sec/parapet/internal/collect/terraform"
	"github.com/parapet-sec/parapet/internal/graph"
	"github.com/parapet-sec/parapet/internal/iam"
)

func TestZZTry(t *testing.T) {
	c, _ := terraform.Load("../collect/terraform/testdata/agent.plan.json")
	s := c.Snapshot()
	m := iam.NewModel()
	c.AddIAM(m, terraform.IAMOptions{ManagedPolicies: "../collect/terraform/testdata/managed-policies"})
	r, err := graph.Analyze(s, graph.Options{Access: graph.IAMAccess{Model: m}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Findings {
		fmt.Println(f.Check, f.Severity, f.Title, f.Resources)
	}
}
