package iam_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	awscollect "github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/iam"
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
			res := iam.AnalyzeEscalation(d.Model, iam.AnalyzeOptions{})
			var got bytes.Buffer
			if err := report.JSON(&got, res.JSON()); err != nil {
				t.Fatal(err)
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
