package iam

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// catalogueDir is the public pathfinding.cloud catalogue, relative to this
// package.
const catalogueDir = "../../../shared/data/pathfinding/data/paths"

// catalogueEntry is the part of a catalogue file the rule table answers to.
type catalogueEntry struct {
	ID          string `json:"id"`
	Category    string `json:"category"`
	Permissions struct {
		Required []struct {
			Permission string `json:"permission"`
		} `json:"required"`
	} `json:"permissions"`
	file string
}

// readCatalogue reads every catalogue file, or skips the test when the
// shared data is absent.
func readCatalogue(t testing.TB) []catalogueEntry {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(catalogueDir, "*", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skipf("privilege-escalation catalogue not found at %s (../shared/data is absent); skipping", catalogueDir)
	}
	var out []catalogueEntry
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var e catalogueEntry
		if err := yaml.Unmarshal(data, &e); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if e.ID == "" {
			t.Fatalf("%s: no id", f)
		}
		e.file = f
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func TestRuleTableCoversEveryCatalogueTechnique(t *testing.T) {
	cat := readCatalogue(t)
	if len(cat) != 65 {
		t.Errorf("catalogue has %d techniques, the table was written against 65", len(cat))
	}
	for _, e := range cat {
		tech := TechniqueByID(e.ID)
		if tech == nil {
			t.Errorf("%s (%s): no technique in the rule table", e.ID, e.file)
			continue
		}
		if string(tech.Category) != e.Category {
			t.Errorf("%s: category %q, catalogue says %q", e.ID, tech.Category, e.Category)
		}
		have := map[string]bool{}
		for _, a := range tech.Actions() {
			have[strings.ToLower(a)] = true
		}
		for _, p := range e.Permissions.Required {
			if !have[strings.ToLower(p.Permission)] {
				t.Errorf("%s: the catalogue requires %s, the rule table does not ask for it", e.ID, p.Permission)
			}
		}
	}
}

func TestRuleTableIsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, tech := range Techniques {
		if seen[tech.ID] {
			t.Errorf("%s: listed twice", tech.ID)
		}
		seen[tech.ID] = true
		if len(tech.Requires) == 0 || tech.Remediation == "" || tech.Name == "" {
			t.Errorf("%s: needs a name, actions and a remediation", tech.ID)
		}
		switch tech.Target {
		case TargetPassedRole, TargetWorkloadRole:
			if len(tech.Services) == 0 {
				t.Errorf("%s: a role-passing technique must say which service the role trusts", tech.ID)
			}
		}
		if tech.Target == TargetWorkloadRole && tech.Needs == "" {
			t.Errorf("%s: an existing-workload technique must say which workload it needs", tech.ID)
		}
		for _, r := range tech.Requires {
			if !strings.Contains(r.Action, ":") {
				t.Errorf("%s: action %q has no service prefix", tech.ID, r.Action)
			}
			if r.On == OnWorkload && tech.Needs == "" {
				t.Errorf("%s: %s is evaluated on a workload, but the technique needs none", tech.ID, r.Action)
			}
		}
	}
}
