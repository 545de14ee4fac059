package iam_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	awscollect "github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/iam"
	"github.com/parapet-sec/parapet/internal/inventory"
	"github.com/parapet-sec/parapet/internal/report"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/escalation")

// TestAnalyzeJSONMatchesGolden pins the JSON document of `parapet iam
// analyze` on hand-written estates: its shape (schema, principals, paths
// with steps, findings) and its content.
func TestAnalyzeJSONMatchesGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "escalation", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, in := range inputs {
		if filepath.Ext(in[:len(in)-len(".json")]) == ".golden" {
			continue
		}
		n++
		t.Run(filepath.Base(in), func(t *testing.T) {
			d, err := awscollect.LoadIAM(awscollect.IAMInputs{Authz: []string{in}})
			if err != nil {
				t.Fatal(err)
			}
			d.Model.At(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			res := iam.AnalyzeEscalation(d.Model, iam.AnalyzeOptions{Lateral: true})
			var got bytes.Buffer
			if err := res.WriteJSON(&got); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Schema     string            `json:"schema"`
				Principals []json.RawMessage `json:"principals"`
				Paths      []json.RawMessage `json:"paths"`
				Findings   []json.RawMessage `json:"findings"`
			}
			if err := json.Unmarshal(got.Bytes(), &doc); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, got.String())
			}
			if doc.Schema != iam.SchemaEscalation || len(doc.Findings) != len(doc.Paths) {
				t.Errorf("schema %q, %d paths, %d findings: want %q and one finding per path", doc.Schema, len(doc.Paths), len(doc.Findings), iam.SchemaEscalation)
			}
			golden := in[:len(in)-len(".json")] + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run Golden -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("JSON differs from %s (go test -run Golden -update rewrites it after a deliberate change):\n%s", golden, got.String())
			}
		})
	}
	if n == 0 {
		t.Fatal("no estates in testdata/escalation")
	}
}

func TestAgentEstateEscalatesInThreeSteps(t *testing.T) {
	d, err := awscollect.LoadIAM(awscollect.IAMInputs{Authz: []string{filepath.Join("testdata", "escalation", "agent-estate.json")}})
	if err != nil {
		t.Fatal(err)
	}
	res := iam.AnalyzeEscalation(d.Model, iam.AnalyzeOptions{})
	const bot, admin = "arn:aws:iam::123456789012:user/release-bot", "arn:aws:iam::123456789012:user/break-glass"
	var found *iam.EscalationPath
	for _, p := range res.Paths {
		if p.From == bot && p.To == admin {
			found = p
		}
	}
	if found == nil || !found.Admin {
		t.Fatalf("no admin path from %s to %s", bot, admin)
	}
	var ids []string
	for _, s := range found.Steps {
		ids = append(ids, s.Technique.ID)
	}
	if want := []string{"sts-001", "lambda-001", "iam-002"}; !equal(ids, want) {
		t.Errorf("path %v, want %v", ids, want)
	}
	for _, p := range res.Principals {
		if p.ARN == "arn:aws:iam::123456789012:user/contractors/dana" && p.Status.Admin {
			t.Error("dana can rewrite her own policy, but her permissions boundary caps it: not admin-equivalent")
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestPathsComeInFindingOrder checks that paths are ranked the way
// report.Sort orders their findings, so the JSON can be streamed without
// sorting the findings in memory.
func TestPathsComeInFindingOrder(t *testing.T) {
	in := filepath.Join("..", "..", "..", "shared", "data", "aws-authz", "cloudsplaining", "example.json")
	if _, err := os.Stat(in); err != nil {
		t.Skipf("cloudsplaining example not found at %s (../shared/data is absent); skipping", in)
	}
	d, err := awscollect.LoadIAM(awscollect.IAMInputs{Authz: []string{in}})
	if err != nil {
		t.Fatal(err)
	}
	res := iam.AnalyzeEscalation(d.Model, iam.AnalyzeOptions{Lateral: true})
	if err := res.WriteJSON(io.Discard); err != nil {
		t.Fatal(err)
	}
	fs := res.Findings()
	sorted := append([]inventory.Finding(nil), fs...)
	report.Sort(sorted)
	for i := range fs {
		if fs[i].Check != sorted[i].Check || fs[i].Severity != sorted[i].Severity || fs[i].Resources[0] != sorted[i].Resources[0] {
			t.Fatalf("finding %d is %s %s %v, report.Sort puts %s %s %v there", i, fs[i].Severity, fs[i].Check, fs[i].Resources, sorted[i].Severity, sorted[i].Check, sorted[i].Resources)
		}
	}
}
