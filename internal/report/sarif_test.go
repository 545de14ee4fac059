package report

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// sarifSchemas are the schemas a SARIF log must satisfy: the official OASIS
// SARIF 2.1.0 schema (testdata/sarif-2.1.0-rtm.5.schema.json, as published
// in draft-04; the validator reads draft-07, which spells "id" as "$id" and
// otherwise agrees on every keyword this schema uses), and the structural
// requirements of the specification's text that the schema does not
// express (testdata/sarif-2.1.0-required.schema.json).
func sarifSchemas(t *testing.T) map[string]*jsonschema.Resolved {
	t.Helper()
	out := map[string]*jsonschema.Resolved{}
	for _, name := range []string{"sarif-2.1.0-rtm.5.schema.json", "sarif-2.1.0-required.schema.json"} {
		raw, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		raw = bytes.Replace(raw, []byte(`"http://json-schema.org/draft-04/schema#"`), []byte(`"http://json-schema.org/draft-07/schema#"`), 1)
		raw = bytes.Replace(raw, []byte(`"id": "https://`), []byte(`"$id": "https://`), 1)
		var s jsonschema.Schema
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		rs, err := s.Resolve(nil)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = rs
	}
	return out
}

// validateSARIF checks a SARIF log against every schema in sarifSchemas.
func validateSARIF(t *testing.T, data []byte) {
	t.Helper()
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	for name, rs := range sarifSchemas(t) {
		if err := rs.Validate(doc); err != nil {
			t.Fatalf("SARIF does not validate against %s: %v\n%s", name, err, data)
		}
	}
}

func sampleFindings() []inventory.Finding {
	return []inventory.Finding{
		{
			Check: "PAR-K8S-PSS-PRIVILEGED", Title: "Privileged containers", Severity: inventory.High,
			Resources: []string{"k8s://default/apps/pod/web"},
			Evidence:  map[string]any{"message": `container "app" must not be privileged`},
			Location:  &inventory.Location{File: "deploy/web.yaml", Line: 12},
		},
		{
			Check: "PAR-K8S-PSS-RUN-AS-USER", Title: "Containers run as user 0", Severity: inventory.Medium,
			Resources:  []string{"k8s://default/apps/pod/web"},
			Location:   &inventory.Location{File: "deploy/web.yaml", Line: 12},
			Suppressed: &inventory.Suppression{Reason: "legacy image, OPS-12", Owner: "platform@example.com", Expires: "2030-01-01", Source: ".parapet.yaml:7"},
		},
		{
			Check: "PAR-K8S-PSS-HOST-PORTS", Title: "Host ports", Severity: inventory.Medium,
			Resources:  []string{"k8s://default/apps/pod/web"},
			Location:   &inventory.Location{File: "deploy/web.yaml", Line: 12},
			Suppressed: &inventory.Suppression{Reason: "node exporter needs it", Source: "deploy/web.yaml:3"},
		},
		{
			Check: "PAR-GRAPH-001", Title: "Public exposure reaches sensitive data", Severity: inventory.Critical,
			Resources: []string{"internet", "arn:aws:s3:::customers"},
			Path:      []inventory.Edge{{From: "internet", To: "arn:aws:s3:::customers", Kind: "reaches"}},
		},
	}
}

func TestSARIFValidatesAgainstTheRequiredStructure(t *testing.T) {
	var buf bytes.Buffer
	err := SARIF(&buf, sampleFindings(), SARIFOptions{ToolVersion: "1.0.0", Rules: []SARIFRule{
		{ID: "PAR-K8S-PSS-PRIVILEGED", Title: "Privileged containers", Description: "d", Remediation: "Set privileged to false.", Severity: "high", Frameworks: []string{"nist-800-53:AC-6"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, buf.Bytes())
}

func TestSARIFValidationRejectsBrokenLogs(t *testing.T) {
	// The schema must be able to fail: a log without runs, a result
	// without a message, a bad level and a bad suppression kind.
	for _, bad := range []string{
		`{"version":"2.1.0"}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"p"}},"results":[{"ruleId":"x"}]}]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"p"}},"results":[{"message":{"text":"m"},"level":"fatal"}]}]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"p"}},"results":[{"message":{"text":"m"},"suppressions":[{"kind":"yaml"}]}]}]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"p"}},"results":[{"message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a"},"region":{"startLine":0}}}]}]}]}`,
	} {
		var doc any
		json.Unmarshal([]byte(bad), &doc)
		for name, rs := range sarifSchemas(t) {
			if rs.Validate(doc) == nil {
				t.Errorf("%s accepted %s", name, bad)
			}
		}
	}
}

func TestSARIFKeepsSuppressionsWithTheirJustification(t *testing.T) {
	var buf bytes.Buffer
	if err := SARIF(&buf, sampleFindings(), SARIFOptions{}); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	got := map[string]sarifResult{}
	for _, r := range log.Runs[0].Results {
		got[r.RuleID] = r
		if log.Runs[0].Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s points at rule %d, %s", r.RuleID, r.RuleIndex, log.Runs[0].Tool.Driver.Rules[r.RuleIndex].ID)
		}
	}
	ext := got["PAR-K8S-PSS-RUN-AS-USER"].Suppressions
	if len(ext) != 1 || ext[0].Kind != "external" || ext[0].Justification != "legacy image, OPS-12" || ext[0].Properties["owner"] != "platform@example.com" {
		t.Errorf("config suppression = %+v", ext)
	}
	in := got["PAR-K8S-PSS-HOST-PORTS"].Suppressions
	if len(in) != 1 || in[0].Kind != "inSource" {
		t.Errorf("inline suppression = %+v", in)
	}
	if len(got["PAR-K8S-PSS-PRIVILEGED"].Suppressions) != 0 {
		t.Error("unsuppressed finding has a suppression")
	}
	p := got["PAR-K8S-PSS-PRIVILEGED"].Locations[0].PhysicalLocation
	if p == nil || p.ArtifactLocation.URI != "deploy/web.yaml" || p.Region.StartLine != 12 {
		t.Errorf("location = %+v", p)
	}
	if got["PAR-K8S-PSS-PRIVILEGED"].Message.Text != `container "app" must not be privileged` {
		t.Errorf("message = %q", got["PAR-K8S-PSS-PRIVILEGED"].Message.Text)
	}
	if l := got["PAR-GRAPH-001"].Locations[0]; l.PhysicalLocation != nil || len(l.LogicalLocations) != 2 {
		t.Errorf("finding without a file: location = %+v", l)
	}
}

func TestSARIFFileURIsAreRelativeAndEscaped(t *testing.T) {
	tests := []struct{ path, base, want string }{
		{"deploy/web.yaml", "", "deploy/web.yaml"},
		{"/repo/deploy/my app.yaml", "/repo", "deploy/my%20app.yaml"},
		{"/elsewhere/x.yaml", "/repo", "file:///elsewhere/x.yaml"},
	}
	for _, tt := range tests {
		if got := fileURI(tt.path, tt.base); got != tt.want {
			t.Errorf("fileURI(%q, %q) = %q, want %q", tt.path, tt.base, got, tt.want)
		}
	}
	if !strings.HasPrefix(ruleName("Privileged containers"), "Privileged") {
		t.Error("rule name")
	}
}
