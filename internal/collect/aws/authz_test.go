package aws

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/parapet-sec/parapet/internal/iam"
	"github.com/parapet-sec/parapet/internal/inventory"
)

const cloudsplaining = "../../../../shared/data/aws-authz/cloudsplaining"

func needData(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("public data set not present at %s (see ../shared/data/README.md): %v", path, err)
	}
}

func TestCloudsplainingExampleLoads(t *testing.T) {
	f := filepath.Join(cloudsplaining, "example.json")
	needData(t, f)
	d, err := LoadIAM(IAMInputs{Authz: []string{f}})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, p := range d.Model.Principals() {
		count[p.Kind]++
	}
	if count[iam.KindUser] != 44 || count[iam.KindGroup] != 5 || count[iam.KindRole] != 78 {
		t.Errorf("principals: got %v, want 44 users, 5 groups, 78 roles", count)
	}
	nodes := map[string]int{}
	for _, n := range d.Snapshot.Nodes {
		nodes[n.Kind]++
	}
	if nodes[inventory.KindIAMUser] != 44 || nodes[inventory.KindIAMGroup] != 5 || nodes[inventory.KindIAMRole] != 78 {
		t.Errorf("inventory nodes: got %v", nodes)
	}
	for _, w := range d.Warnings {
		t.Log(w)
	}
}
