package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const checkTestdata = "../../internal/check/testdata"

func TestCheckExitCodes(t *testing.T) {
	dir := t.TempDir()
	expired := filepath.Join(dir, "expired.yaml")
	os.WriteFile(expired, []byte("suppressions:\n  - check: PAR-K8S-PSS-PRIVILEGED\n    reason: old\n    expires: 2020-01-01\n"), 0o644)
	accepted := filepath.Join(dir, "accepted.yaml")
	os.WriteFile(accepted, []byte("suppressions:\n  - check: PAR-K8S-PSS-PRIVILEGED\n    reason: debug pod, OPS-7\n    expires: 2999-01-01\n"), 0o644)
	broken := filepath.Join(dir, "broken.yaml")
	os.WriteFile(broken, []byte("kind: Pod\nmetadata: [\n"), 0o644)
	none := filepath.Join(dir, "none.yaml")
	privileged := filepath.Join(checkTestdata, "pss/privileged-fail.yaml")
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"a compliant pod exits 0", []string{"check", "--config", none, filepath.Join(checkTestdata, "pss/restricted-pod-pass.yaml")}, exitClean},
		{"a finding exits 1", []string{"check", "--config", none, "--pss", "baseline", privileged}, exitFindings},
		{"a finding below --fail-on exits 0", []string{"check", "--config", none, "--pss", "baseline", "--fail-on", "critical", privileged}, exitClean},
		{"a suppressed finding exits 0", []string{"check", "--config", accepted, "--pss", "baseline", privileged}, exitClean},
		{"an expired suppression exits 1", []string{"check", "--config", expired, "--pss", "baseline", "--select", "PAR-K8S-PSS-HOST-PORTS", privileged}, exitFindings},
		{"a skipped check exits 0", []string{"check", "--config", none, "--pss", "baseline", "--skip", "PAR-K8S-PSS-PRIVILEGED", privileged}, exitClean},
		{"a malformed manifest exits 2", []string{"check", "--config", none, broken}, exitUsage},
		{"a bad --pss exits 2", []string{"check", "--config", none, "--pss", "strict", privileged}, exitUsage},
		{"a missing --config exits 2", []string{"check", "--config", filepath.Join(dir, "nope.yaml"), privileged}, exitUsage},
		{"a bad glob exits 2", []string{"check", "--config", none, "--select", "[", privileged}, exitUsage},
	}
	os.WriteFile(none, nil, 0o644)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, "out.txt")
			if got := run(append(tt.args, "-o", out)); got != tt.want {
				t.Errorf("exit %d, want %d", got, tt.want)
			}
		})
	}
}

func TestCheckWritesSARIFWithSuppressions(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "p.yaml")
	os.WriteFile(cfg, []byte("suppressions:\n  - check: PAR-K8S-PSS-PRIVILEGED\n    reason: debug pod, OPS-7\n    owner: sre@example.com\n    expires: 2999-01-01\n"), 0o644)
	out := filepath.Join(dir, "out.sarif")
	if code := run([]string{"check", "--config", cfg, "--pss", "baseline", "--format", "sarif", "-o", out, filepath.Join(checkTestdata, "pss/privileged-fail.yaml")}); code != exitClean {
		t.Fatalf("exit %d", code)
	}
	data, _ := os.ReadFile(out)
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID       string `json:"ruleId"`
				Suppressions []struct {
					Justification string `json:"justification"`
				} `json:"suppressions"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }    `json:"artifactLocation"`
						Region           struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil || log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("not a SARIF 2.1.0 log: %v", err)
	}
	var found bool
	for _, r := range log.Runs[0].Results {
		if r.RuleID == "PAR-K8S-PSS-PRIVILEGED" {
			found = true
			if len(r.Suppressions) != 1 || r.Suppressions[0].Justification != "debug pod, OPS-7" {
				t.Errorf("suppressions = %+v", r.Suppressions)
			}
			l := r.Locations[0].PhysicalLocation
			if !strings.HasSuffix(l.ArtifactLocation.URI, "pss/privileged-fail.yaml") || l.Region.StartLine != 3 {
				t.Errorf("location = %+v", l)
			}
		}
	}
	if !found {
		t.Error("no PAR-K8S-PSS-PRIVILEGED result")
	}
}

func TestPolicyTestExitCodes(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x_test.rego"), []byte("package x_test\n\nimport rego.v1\n\ntest_fails if false\n"), 0o644)
	if code := run([]string{"policy", "test", "--no-builtin", dir}); code != exitFindings {
		t.Errorf("failing test: exit %d, want %d", code, exitFindings)
	}
	os.WriteFile(filepath.Join(dir, "x_test.rego"), []byte("package x_test\n\nimport rego.v1\n\ntest_passes if true\n"), 0o644)
	if code := run([]string{"policy", "test", "--no-builtin", dir}); code != exitClean {
		t.Errorf("passing test: exit %d, want %d", code, exitClean)
	}
	os.WriteFile(filepath.Join(dir, "x_test.rego"), []byte("package x_test\n\ntest_broken if {\n"), 0o644)
	if code := run([]string{"policy", "test", "--no-builtin", dir}); code != exitUsage {
		t.Errorf("broken policy: exit %d, want %d", code, exitUsage)
	}
}
