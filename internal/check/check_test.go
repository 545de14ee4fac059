package check

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/parapet-sec/parapet/internal/inventory"
	"github.com/parapet-sec/parapet/internal/policy"
	"github.com/parapet-sec/parapet/internal/report"
)

// fixtureHeader reads the "# pss:" and "# expect:" comments of a fixture.
func fixtureHeader(t *testing.T, path string) (pss string, expect []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "# pss: "); ok {
			pss = v
		}
		if v, ok := strings.CutPrefix(line, "# expect: "); ok && v != "none" {
			expect = strings.Split(v, ",")
		}
	}
	return pss, expect
}

func openChecks(fs []inventory.Finding) []string {
	seen := map[string]bool{}
	for _, f := range fs {
		if f.Suppressed == nil {
			seen[f.Check] = true
		}
	}
	out := []string{}
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func TestPodSecurityFixturesGiveExactlyTheExpectedControls(t *testing.T) {
	files, _ := filepath.Glob("testdata/pss/*.yaml")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	// One run per Pod Security selection, over all its fixtures (each file
	// holds one object in its own namespace-free context), then compare
	// file by file.
	groups := map[string][]string{}
	for _, f := range files {
		pss, _ := fixtureHeader(t, f)
		groups[pss] = append(groups[pss], f)
	}
	byFile := map[string][]inventory.Finding{}
	for pss, fs := range groups {
		rep, err := Run(context.Background(), fs, Options{PSS: pss, Select: []string{"PAR-K8S-PSS"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range rep.Findings {
			byFile[f.Location.File] = append(byFile[f.Location.File], f)
		}
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			pss, want := fixtureHeader(t, file)
			if want == nil {
				want = []string{}
			}
			got := openChecks(byFile[file])
			if strings.Join(got, ",") != strings.Join(want, ",") {
				for _, f := range byFile[file] {
					t.Logf("%s: %v", f.Check, f.Evidence["message"])
				}
				t.Errorf("at %s got %v, want %v", pss, got, want)
			}
		})
	}
}

func TestEveryPodSecurityControlHasPassAndFailFixtures(t *testing.T) {
	eng, err := policy.Load(context.Background(), policy.Options{Builtin: true, Select: []string{"PAR-K8S-PSS"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(eng.Checks()) < 19 {
		t.Fatalf("only %d Pod Security controls loaded", len(eng.Checks()))
	}
	files, _ := filepath.Glob("testdata/pss/*.yaml")
	for _, c := range eng.Checks() {
		slug := strings.ToLower(strings.TrimPrefix(c.ID, "PAR-K8S-PSS-"))
		var pass, fail bool
		for _, f := range files {
			base := filepath.Base(f)
			if !strings.HasPrefix(base, slug+"-") {
				continue
			}
			_, want := fixtureHeader(t, f)
			switch {
			case len(want) == 1 && want[0] == c.ID:
				fail = true
			case len(want) == 0 && strings.HasSuffix(base, "-pass.yaml"):
				pass = true
			}
		}
		if !pass || !fail {
			t.Errorf("%s: pass fixture %v, fail fixture %v (testdata/pss/%s-*.yaml)", c.ID, pass, fail, slug)
		}
	}
}

func TestFindingsPointAtTheFileAndLineAndSayWhatToChange(t *testing.T) {
	rep, err := Run(context.Background(), []string{"testdata/pss/privileged-fail.yaml"}, Options{PSS: "baseline"})
	if err != nil {
		t.Fatal(err)
	}
	var f *inventory.Finding
	for i := range rep.Findings {
		if rep.Findings[i].Check == "PAR-K8S-PSS-PRIVILEGED" {
			f = &rep.Findings[i]
		}
	}
	if f == nil {
		t.Fatal("no finding")
	}
	if f.Location == nil || f.Location.File != "testdata/pss/privileged-fail.yaml" || f.Location.Line != 3 {
		t.Errorf("location = %+v, want the object's first line (3)", f.Location)
	}
	if f.Resources[0] != "k8s://default/shop/pod/app" {
		t.Errorf("resource = %s", f.Resources[0])
	}
	msg := f.Evidence["message"].(string)
	if !strings.Contains(msg, "spec.initContainers[0].securityContext.privileged") || !strings.Contains(msg, "set it to false") {
		t.Errorf("message %q does not say what to change", msg)
	}
}

const suppressionConfig = `
pss: restricted
suppressions:
  - check: PAR-K8S-PSS-RUN-AS-USER
    resource: k8s://default/shop/pod/*
    reason: the legacy image needs root until OPS-12
    owner: platform@example.com
    expires: 2030-01-31
  - check: PAR-K8S-PSS-CAPABILITIES-RESTRICTED
    reason: old exception
    owner: security@example.com
    expires: 2020-06-30
`

func TestASuppressedFindingKeepsItsReasonInSARIF(t *testing.T) {
	cfg, err := ParseConfig(".parapet.yaml", []byte(suppressionConfig))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	rep, err := Run(context.Background(), []string{"testdata/pss/run-as-user-fail.yaml"}, Options{PSS: cfg.PSS, Suppressions: cfg.Suppressions, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got := openChecks(rep.Findings); len(got) != 0 {
		t.Errorf("open findings %v, want the run-as-user finding suppressed", got)
	}
	var buf bytes.Buffer
	if err := report.SARIF(&buf, rep.Findings, report.SARIFOptions{}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID       string `json:"ruleId"`
				Suppressions []struct {
					Kind, Status, Justification string
					Properties                  map[string]any
				} `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range log.Runs[0].Results {
		if r.RuleID != "PAR-K8S-PSS-RUN-AS-USER" {
			continue
		}
		found = true
		if len(r.Suppressions) != 1 || r.Suppressions[0].Justification != "the legacy image needs root until OPS-12" ||
			r.Suppressions[0].Kind != "external" || r.Suppressions[0].Properties["owner"] != "platform@example.com" {
			t.Errorf("suppressions = %+v", r.Suppressions)
		}
	}
	if !found {
		t.Error("suppressed finding missing from SARIF")
	}
}

func TestAnExpiredSuppressionFailsTheRunAndSuppressesNothing(t *testing.T) {
	cfg, err := ParseConfig(".parapet.yaml", []byte(suppressionConfig))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	rep, err := Run(context.Background(), []string{"testdata/pss/capabilities-restricted-fail.yaml"}, Options{PSS: "restricted", Suppressions: cfg.Suppressions, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Expired) != 1 || rep.Expired[0].Check != "PAR-K8S-PSS-CAPABILITIES-RESTRICTED" {
		t.Fatalf("expired = %+v", rep.Expired)
	}
	if !strings.Contains(rep.Expired[0].String(), ".parapet.yaml:9") || !strings.Contains(rep.Expired[0].String(), "security@example.com") {
		t.Errorf("expired suppression named as %q", rep.Expired[0])
	}
	if got := openChecks(rep.Findings); strings.Join(got, ",") != "PAR-K8S-PSS-CAPABILITIES-RESTRICTED" {
		t.Errorf("open findings = %v, want the finding the expired suppression covered", got)
	}
	// The same suppression on its last day still holds.
	rep, _ = Run(context.Background(), []string{"testdata/pss/capabilities-restricted-fail.yaml"}, Options{Suppressions: cfg.Suppressions, Now: time.Date(2020, 6, 30, 23, 0, 0, 0, time.UTC)})
	if len(rep.Expired) != 0 || len(openChecks(rep.Findings)) != 0 {
		t.Errorf("on its last day: expired %v, open %v", rep.Expired, openChecks(rep.Findings))
	}
}

func TestInlineIgnoresSuppressOneObject(t *testing.T) {
	dir := t.TempDir()
	manifest := `# parapet:ignore PAR-K8S-PSS-HOST-PORTS node exporter binds the host port
apiVersion: v1
kind: Pod
metadata: {name: exporter, namespace: mon}
spec:
  containers:
  - name: e
    image: exporter
    ports: [{containerPort: 9100, hostPort: 9100}]
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: mon}
spec:
  containers:
  - name: e
    image: exporter
    ports: [{containerPort: 9100, hostPort: 9100}]
`
	path := filepath.Join(dir, "pods.yaml")
	os.WriteFile(path, []byte(manifest), 0o644)
	rep, err := Run(context.Background(), []string{path}, Options{PSS: "baseline"})
	if err != nil {
		t.Fatal(err)
	}
	var suppressed, open []string
	for _, f := range rep.Findings {
		if f.Check != "PAR-K8S-PSS-HOST-PORTS" {
			continue
		}
		if f.Suppressed != nil {
			suppressed = append(suppressed, f.Resources[0])
			if f.Suppressed.Reason != "node exporter binds the host port" || f.Suppressed.Source != path+":1" {
				t.Errorf("suppression = %+v", f.Suppressed)
			}
		} else {
			open = append(open, f.Resources[0])
		}
	}
	if strings.Join(suppressed, ",") != "k8s://default/mon/pod/exporter" || strings.Join(open, ",") != "k8s://default/mon/pod/other" {
		t.Errorf("suppressed %v, open %v", suppressed, open)
	}

	os.WriteFile(path, []byte("# parapet:ignore PAR-K8S-PSS-HOST-PORTS\n"+manifest), 0o644)
	if _, err := Run(context.Background(), []string{path}, Options{}); err == nil || !strings.Contains(err.Error(), "pods.yaml:1") {
		t.Errorf("ignore without a reason: err = %v, want one naming pods.yaml:1", err)
	}
}

func TestConfigErrorsNameTheLineAndField(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"an unknown field", "pss: baseline\nfail_onn: high\n", "line 2"},
		{"a suppression without a reason", "suppressions:\n  - check: X\n    owner: me\n", ".parapet.yaml:2: suppression 1: reason is required"},
		{"a bad expiry", "suppressions:\n  - check: X\n    reason: r\n    expires: next week\n", "expires \"next week\""},
		{"a bad pss", "pss: strict\n", "pod security level \"strict\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(".parapet.yaml", []byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParsePSSReadsLevelAndVersionLikeNamespaceLabels(t *testing.T) {
	tests := []struct{ in, level, version string }{
		{"", "restricted", "latest"},
		{"baseline", "baseline", "latest"},
		{"restricted:v1.30", "restricted", "v1.30"},
		{"baseline:latest", "baseline", "latest"},
	}
	for _, tt := range tests {
		l, v, err := ParsePSS(tt.in)
		if err != nil || l != tt.level || v != tt.version {
			t.Errorf("ParsePSS(%q) = %q, %q, %v", tt.in, l, v, err)
		}
	}
	for _, bad := range []string{"strict", "baseline:1.30", "restricted:v2.1", "restricted:v1.300"} {
		if _, _, err := ParsePSS(bad); err == nil {
			t.Errorf("ParsePSS(%q) accepted", bad)
		}
	}
}

func TestANamespaceLabelChoosesTheLevelForItsObjects(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ns.yaml"), []byte(`apiVersion: v1
kind: Namespace
metadata:
  name: legacy
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/enforce-version: v1.29
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: legacy}
spec:
  containers: [{name: c, image: i}]
`), 0o644)
	rep, err := Run(context.Background(), []string{dir}, Options{PSS: "restricted", Select: []string{"PAR-K8S-PSS"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := openChecks(rep.Findings); len(got) != 0 {
		t.Errorf("a baseline-compliant pod in a baseline namespace got %v", got)
	}
}

func TestTheDeployManifestsPassTheirOwnChecks(t *testing.T) {
	rep, err := Run(context.Background(), []string{"../../deploy"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Suppressed == nil {
			t.Errorf("%s at %v: %v", f.Check, f.Location, f.Evidence["message"])
		}
	}
	kinds := map[string]bool{}
	for _, in := range rep.Inputs {
		kinds[in.Kind] = true
	}
	if !kinds["manifest"] {
		t.Error("deploy/ was not read as manifests")
	}
}

func TestAgentRulesOnAnUnsafeAndASafeAgent(t *testing.T) {
	all := []string{"PAR-K8S-AGENT-EGRESS", "PAR-K8S-AGENT-HOST-ACCESS", "PAR-K8S-AGENT-IMAGE", "PAR-K8S-AGENT-RBAC", "PAR-K8S-AGENT-SA-TOKEN"}
	opts := Options{Select: []string{"PAR-K8S-AGENT"}, AllowedRegistries: []string{"registry.internal.example"}}
	rep, err := Run(context.Background(), []string{"testdata/agents/unsafe"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := openChecks(rep.Findings); strings.Join(got, ",") != strings.Join(all, ",") {
		t.Errorf("unsafe agent: got %v, want %v", got, all)
	}
	for _, f := range rep.Findings {
		if f.Check == "PAR-K8S-AGENT-RBAC" && f.Resources[0] != "k8s://default//clusterrolebinding/devops-agent-admin" && f.Resources[0] != "k8s://default/agents/deployment/devops-agent" {
			t.Errorf("RBAC finding on %s", f.Resources[0])
		}
	}
	rep, err = Run(context.Background(), []string{"testdata/agents/safe"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		t.Errorf("safe agent: %s on %s: %v", f.Check, f.Resources[0], f.Evidence["message"])
	}
}

func TestTerraformFoldersAndPlansAreCheckedWithLinesAndInlineIgnores(t *testing.T) {
	rep, err := Run(context.Background(), []string{"testdata/terraform/trust", "testdata/terraform/trust.plan.json"}, Options{Select: []string{"PAR-AWS-IAM-010"}})
	if err != nil {
		t.Fatal(err)
	}
	type seen struct {
		loc        string
		suppressed bool
	}
	var got []seen
	for _, f := range rep.Findings {
		got = append(got, seen{fmt.Sprintf("%s:%d", f.Location.File, f.Location.Line), f.Suppressed != nil})
	}
	sort.Slice(got, func(i, j int) bool { return got[i].loc < got[j].loc })
	want := []seen{
		{"testdata/terraform/trust.plan.json:35", false},
		{"testdata/terraform/trust/main.tf:18", false},
		{"testdata/terraform/trust/main.tf:6", true},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("findings at %v, want %v", got, want)
	}
	kinds := map[string]bool{}
	for _, in := range rep.Inputs {
		kinds[in.Kind] = true
	}
	if !kinds["terraform-hcl"] || !kinds["terraform-plan"] {
		t.Errorf("inputs = %v", rep.Inputs)
	}
}

func TestADashReadsManifestsFromStandardInput(t *testing.T) {
	data, err := os.ReadFile("testdata/pss/privileged-fail.yaml")
	if err != nil {
		t.Fatal(err)
	}
	old := Stdin
	Stdin = bytes.NewReader(data)
	defer func() { Stdin = old }()
	rep, err := Run(context.Background(), []string{"-"}, Options{PSS: "baseline", Select: []string{"PAR-K8S-PSS"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := openChecks(rep.Findings); strings.Join(got, ",") != "PAR-K8S-PSS-PRIVILEGED" || rep.Findings[0].Location.File != "<stdin>" {
		t.Errorf("findings %v at %+v", got, rep.Findings[0].Location)
	}
}
