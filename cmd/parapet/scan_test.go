package main

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/parapet-sec/parapet/internal/demo"
)

const cloudMapperDemo = "../../../shared/data/aws-account-demo/account-data"

func needDemoAccount(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(cloudMapperDemo); err != nil {
		t.Skipf("CloudMapper demo account not found at %s (../shared/data is absent): %v", cloudMapperDemo, err)
	}
}

func TestScanExitCodesFollowFailOn(t *testing.T) {
	needDemoAccount(t)
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"findings at or above --fail-on exit 1", []string{"scan", "--aws", cloudMapperDemo, "--fail-on", "high", "-o", filepath.Join(dir, "a.txt")}, exitFindings},
		{"--fail-on none exits 0", []string{"scan", "--aws", cloudMapperDemo, "-o", filepath.Join(dir, "b.txt")}, exitClean},
		{"an unknown format is a usage error", []string{"scan", "--aws", cloudMapperDemo, "--format", "yaml"}, exitUsage},
		{"a missing folder is an input error", []string{"scan", "--aws", filepath.Join(dir, "nope")}, exitUsage},
		{"no input is a usage error", []string{"scan"}, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(tt.args); got != tt.want {
				t.Errorf("exit %d, want %d", got, tt.want)
			}
		})
	}
}

func TestScanWritesEveryFormatAndADeterministicSnapshot(t *testing.T) {
	needDemoAccount(t)
	dir := t.TempDir()
	for _, f := range scanFormats {
		out := filepath.Join(dir, "out."+f)
		if code := run([]string{"scan", "--aws", cloudMapperDemo, "--format", f, "-o", out}); code != exitClean {
			t.Fatalf("--format %s: exit %d", f, code)
		}
		data, err := os.ReadFile(out)
		if err != nil || len(data) == 0 {
			t.Fatalf("--format %s wrote nothing: %v", f, err)
		}
		switch f {
		case "json", "sarif", "cyclonedx":
			var v map[string]any
			if err := json.Unmarshal(data, &v); err != nil {
				t.Errorf("--format %s is not JSON: %v", f, err)
			}
		case "html":
			if !bytes.HasPrefix(data, []byte("<!DOCTYPE html>")) || !strings.Contains(string(data), "cloudmapper_demo") {
				t.Errorf("--format html does not look like the report")
			}
		}
	}
	var snaps [2][]byte
	for i := range snaps {
		p := filepath.Join(dir, "snap.json")
		if code := run([]string{"scan", "--aws", cloudMapperDemo, "--snapshot", p, "-o", filepath.Join(dir, "t.txt")}); code != exitClean {
			t.Fatalf("exit %d", code)
		}
		snaps[i], _ = os.ReadFile(p)
	}
	if len(snaps[0]) == 0 || !bytes.Equal(snaps[0], snaps[1]) {
		t.Error("two runs wrote different snapshots")
	}
}

// resolveSchema reads a JSON schema file, resolving references to files
// beside it instead of the network.
func resolveSchema(t *testing.T, file string) *jsonschema.Resolved {
	t.Helper()
	load := func(name string) (*jsonschema.Schema, error) {
		raw, err := os.ReadFile(filepath.Join(filepath.Dir(file), name))
		if err != nil {
			return nil, err
		}
		// The SARIF schema is published in draft-04, which the validator
		// reads as draft-07 once "id" is spelled "$id" (see
		// internal/report/testdata/README.md).
		raw = bytes.Replace(raw, []byte(`"http://json-schema.org/draft-04/schema#"`), []byte(`"http://json-schema.org/draft-07/schema#"`), 1)
		raw = bytes.Replace(raw, []byte(`"id": "https://`), []byte(`"$id": "https://`), 1)
		var s jsonschema.Schema
		return &s, json.Unmarshal(raw, &s)
	}
	s, err := load(filepath.Base(file))
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Resolve(&jsonschema.ResolveOptions{Loader: func(u *url.URL) (*jsonschema.Schema, error) {
		return load(path.Base(u.Path))
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestScanOfTheDemoValidatesAsSARIFAndCycloneDX checks the interchange
// formats on a scan with attack paths, agents and keys: SARIF against the
// official 2.1.0 schema and the specification's further requirements, and
// CycloneDX against the official 1.6 schema (kept in the packages that
// write them).
func TestScanOfTheDemoValidatesAsSARIFAndCycloneDX(t *testing.T) {
	dir := t.TempDir()
	if err := demo.Extract(dir); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ format, schema string }{
		{"sarif", "../../internal/report/testdata/sarif-2.1.0-rtm.5.schema.json"},
		{"sarif", "../../internal/report/testdata/sarif-2.1.0-required.schema.json"},
		{"cyclonedx", "../../internal/aibom/testdata/cyclonedx/bom-1.6.schema.json"},
	} {
		t.Run(tt.format, func(t *testing.T) {
			out := filepath.Join(dir, "out."+tt.format)
			args := []string{"scan", "--aws", filepath.Join(dir, "aws"), "--k8s", demo.Cluster + "=" + filepath.Join(dir, "k8s", demo.Cluster), "--format", tt.format, "-o", out}
			if code := run(args); code != exitClean {
				t.Fatalf("exit %d", code)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var doc any
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			if err := resolveSchema(t, tt.schema).Validate(doc); err != nil {
				t.Fatalf("%s does not validate: %v", tt.format, err)
			}
			if tt.format == "sarif" && !bytes.Contains(data, []byte("PAR-AGENT-001")) {
				t.Error("the SARIF log lacks the agent attack paths")
			}
			if tt.format == "cyclonedx" && !bytes.Contains(data, []byte("devops-agent")) {
				t.Error("the BOM lacks the demo's agents")
			}
		})
	}
}

func TestScanSensitivityRulesChangeTheTargets(t *testing.T) {
	dir := t.TempDir()
	if err := demo.Extract(dir); err != nil {
		t.Fatal(err)
	}
	rules := filepath.Join(dir, "sensitivity.yaml")
	os.WriteFile(rules, []byte("rules:\n  - match: {kind: aws.dynamodb.table, name: customer-payment-methods}\n    sensitivity: low\n"), 0o644)
	target := func(extra ...string) string {
		out := filepath.Join(dir, "f.json")
		args := append([]string{"scan", "--aws", filepath.Join(dir, "aws"), "--k8s", demo.Cluster + "=" + filepath.Join(dir, "k8s", demo.Cluster), "--format", "json", "-o", out}, extra...)
		if code := run(args); code != exitClean {
			t.Fatalf("exit %d", code)
		}
		var doc struct {
			Findings []struct {
				Check    string         `json:"check"`
				Evidence map[string]any `json:"evidence"`
			} `json:"findings"`
		}
		data, _ := os.ReadFile(out)
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		for _, f := range doc.Findings {
			if f.Check == "PAR-AGENT-001" && strings.Contains(f.Evidence["agent"].(string), "support-chatbot") {
				return f.Evidence["target"].(string)
			}
		}
		return ""
	}
	if got := target(); !strings.HasSuffix(got, "table/customer-payment-methods") {
		t.Fatalf("default target %q", got)
	}
	if got := target("--sensitivity", rules); strings.HasSuffix(got, "table/customer-payment-methods") || got == "" {
		t.Errorf("with the table marked low, the chatbot's target is still %q", got)
	}
	os.WriteFile(rules, []byte("rules:\n  - match: {}\n    sensitivity: low\n"), 0o644)
	if code := run([]string{"scan", "--aws", filepath.Join(dir, "aws"), "--sensitivity", rules}); code != exitUsage {
		t.Errorf("a bad rules file exits %d, want %d", code, exitUsage)
	}
}
