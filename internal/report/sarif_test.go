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

// ValidateSARIF checks a SARIF log against the structural requirements of
// SARIF 2.1.0 in testdata (required members, enumerations, ranges, no
// undefined members). Other packages' tests may copy this approach.
func validateSARIF(t *testing.T, data []byte) {
	t.Helper()
	raw, err := os.ReadFile("testdata/sarif-2.1.0-required.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	if err := rs.Validate(doc); err != nil {
		t.Fatalf("SARIF does not validate: %v\n%s", err, data)
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
		raw, _ := os.ReadFile("testdata/sarif-2.1.0-required.schema.json")
		var s jsonschema.Schema
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		rs, err := s.Resolve(nil)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		json.Unmarshal([]byte(bad), &doc)
		if rs.Validate(doc) == nil {
			t.Errorf("schema accepted %s", bad)
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
