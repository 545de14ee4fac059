package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/iam"
)

const agentEstate = "../../internal/iam/testdata/escalation/agent-estate.json"

func TestIAMAnalyzeExitCodes(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "truncated.json")
	if err := os.WriteFile(bad, []byte(`{"UserDetailList": [{"UserName": "a", "Arn": `), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"a path to administrator fails the default threshold", []string{"--authz", agentEstate}, 1},
		{"nothing fails --fail-on none", []string{"--authz", agentEstate, "--fail-on", "none"}, 0},
		{"a truncated file is an input error", []string{"--authz", bad}, 2},
		{"an unknown format is a usage error", []string{"--authz", agentEstate, "--format", "xml"}, 2},
		{"an unknown severity is a usage error", []string{"--authz", agentEstate, "--fail-on", "severe"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.txt")
			args := append([]string{"iam", "analyze", "--output", out}, tt.args...)
			if code := run(args); code != tt.code {
				t.Fatalf("exit %d, want %d", code, tt.code)
			}
			if tt.code == 2 {
				if _, err := os.Stat(out); err == nil {
					t.Error("an input error left an output file behind")
				}
			}
		})
	}
}

func TestIAMAnalyzeJSONHasPathsAndFindings(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.json")
	if code := run([]string{"iam", "analyze", "--authz", agentEstate, "--lateral", "--format", "json", "--output", out, "--fail-on", "none"}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema     string `json:"schema"`
		Principals []struct {
			ARN   string `json:"arn"`
			Admin bool   `json:"admin"`
		} `json:"principals"`
		Paths []struct {
			From, To string
			Admin    bool
			Steps    []struct {
				Technique string   `json:"technique"`
				Evidence  []string `json:"evidence"`
			} `json:"steps"`
		} `json:"paths"`
		Findings []struct {
			Check    string `json:"check"`
			Severity string `json:"severity"`
			Path     []struct {
				From, To, Kind string
			} `json:"path"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc.Schema != iam.SchemaEscalation || len(doc.Principals) != 7 || len(doc.Paths) == 0 || len(doc.Findings) != len(doc.Paths) {
		t.Fatalf("schema %q, %d principals, %d paths, %d findings", doc.Schema, len(doc.Principals), len(doc.Paths), len(doc.Findings))
	}
	first := doc.Findings[0]
	if first.Check != iam.CheckEscalationToAdmin || first.Severity != "critical" || len(first.Path) == 0 || first.Path[0].Kind != "can_escalate_to" {
		t.Errorf("first finding %+v: want a critical path to administrator", first)
	}
	for _, p := range doc.Paths {
		for _, s := range p.Steps {
			if s.Technique == "" || len(s.Evidence) == 0 {
				t.Errorf("step of %s -> %s without technique or evidence", p.From, p.To)
			}
		}
	}
}

func TestIAMAnalyzeKnowsWhichWorkloadsTheAccountDataLists(t *testing.T) {
	dir := "../../../shared/data/aws-account-demo/account-data/demo"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("CloudMapper demo account not found at %s (../shared/data is absent); skipping", dir)
	}
	known, err := inventoriedWorkloads([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(known) != 2 || known[0] != iam.WorkloadLambda || known[1] != iam.WorkloadEC2Instance {
		t.Errorf("known %v, want Lambda functions and EC2 instances", known)
	}
	empty := t.TempDir()
	if err := os.MkdirAll(filepath.Join(empty, "us-east-1"), 0o755); err != nil {
		t.Fatal(err)
	}
	known, err = inventoriedWorkloads([]string{empty})
	if err != nil {
		t.Fatal(err)
	}
	if len(known) != 0 {
		t.Errorf("an account folder without listings knows %v, want nothing", known)
	}
}

func TestIAMAnalyzeMarksPrincipalsWhoseInputIsIncomplete(t *testing.T) {
	dir := t.TempDir()
	authz := filepath.Join(dir, "authz.json")
	os.WriteFile(authz, []byte(`{"UserDetailList":[{"UserName":"bob","UserId":"AIDAEXAMPLEBOB","Path":"/","Arn":"arn:aws:iam::111122223333:user/bob",
		"AttachedManagedPolicies":[{"PolicyName":"Ops","PolicyArn":"arn:aws:iam::111122223333:policy/Ops"}]}],
		"GroupDetailList":[],"RoleDetailList":[],"Policies":[]}`), 0o600)
	out := filepath.Join(dir, "out.json")
	if code := run([]string{"iam", "analyze", "--authz", authz, "--format", "json", "--output", out}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	b, _ := os.ReadFile(out)
	var doc struct {
		Principals []struct {
			ARN        string   `json:"arn"`
			Incomplete []string `json:"incomplete"`
		} `json:"principals"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Principals) != 1 || len(doc.Principals[0].Incomplete) != 1 || !strings.Contains(doc.Principals[0].Incomplete[0], "arn:aws:iam::111122223333:policy/Ops") {
		t.Fatalf("principals %+v: want bob marked incomplete for the missing policy", doc.Principals)
	}
}
