package policy_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/parapet-sec/parapet/internal/demo"
	"github.com/parapet-sec/parapet/internal/inventory"
	"github.com/parapet-sec/parapet/internal/policy"
	"github.com/parapet-sec/parapet/internal/scan"
)

// cloudMapperDemo is CloudMapper's demo account, from the shared data sets.
const cloudMapperDemo = "../../../shared/data/aws-account-demo/account-data"

// TestResourcesAgreeWithTheWholeInventoryReading runs the built-in checks
// and user checks that read the inventory in every way on the demo estate
// and on CloudMapper's demo account, and compares the findings with those
// of the plain reading: the whole inventory in the store and every check
// on every node.
func TestResourcesAgreeWithTheWholeInventoryReading(t *testing.T) {
	ctx := context.Background()
	estates := []struct {
		name string
		snap func(t *testing.T) *inventory.Snapshot
	}{
		{"the demo estate", func(t *testing.T) *inventory.Snapshot {
			res, err := demo.Run(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			return res.Snapshot
		}},
		{"CloudMapper's demo account", func(t *testing.T) *inventory.Snapshot {
			if _, err := os.Stat(cloudMapperDemo); err != nil {
				t.Skipf("CloudMapper demo data not found at %s (see ../shared/data/README)", cloudMapperDemo)
			}
			res, err := scan.Run(ctx, scan.Inputs{AWS: []string{cloudMapperDemo}})
			if err != nil {
				t.Fatal(err)
			}
			return res.Snapshot
		}},
	}
	engines := []struct {
		name string
		opts policy.Options
	}{
		{"built-in checks", policy.Options{Builtin: true}},
		{"user checks reading neighbours, every node and data.parapet", policy.Options{Dirs: []string{"testdata/user", "testdata/inventory"}}},
	}
	for _, es := range estates {
		t.Run(es.name, func(t *testing.T) {
			snap := es.snap(t)
			for _, en := range engines {
				t.Run(en.name, func(t *testing.T) {
					e, err := policy.Load(ctx, en.opts)
					if err != nil {
						t.Fatal(err)
					}
					got, err := e.Resources(ctx, snap)
					if err != nil {
						t.Fatal(err)
					}
					want, err := policy.ReferenceResources(e, ctx, snap)
					if err != nil {
						t.Fatal(err)
					}
					if len(want) == 0 {
						t.Fatal("the reference reading found nothing: the comparison would prove nothing")
					}
					g, w := encode(t, got), encode(t, want)
					if g != w {
						t.Errorf("Resources found %d findings, the whole-inventory reading %d:\ngot  %s\nwant %s", len(got), len(want), g, w)
					}
				})
			}
		})
	}
}

func encode(t *testing.T, fs []inventory.Finding) string {
	t.Helper()
	b, err := json.Marshal(fs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
