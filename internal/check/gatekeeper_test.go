package check

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/collect/k8s"
	"github.com/parapet-sec/parapet/internal/policy"
)

// Templates in the Gatekeeper library's layout: <template>/template.yaml and
// <template>/samples/<constraint>/{constraint,example_allowed,example_disallowed}.yaml.
var gatekeeperCases = []struct {
	template, sample, check string
	violations              int
	msg                     string
}{
	{"requiredlabels", "must-have-owner", "K8sRequiredLabels/all-must-have-owner", 1, "owner"},
	{"allowedrepos", "repo-is-internal", "K8sAllowedRepos/repo-is-internal", 1, "container <fetch> has an invalid image repo"},
	{"blocknodeport", "block-node-port", "K8sBlockNodePort/block-node-port", 1, "NodePort"},
	{"privileged", "psp-privileged-container", "K8sPSPPrivilegedContainer/psp-privileged-container", 1, "Privileged container is not allowed: nginx"},
	{"hostnamespaces", "psp-host-namespace", "K8sPSPHostNamespace/psp-host-namespace", 1, "Sharing the host namespace is not allowed: agent-host-pid"},
	{"capabilities", "capabilities-demo", "K8sPSPCapabilities/capabilities-demo", 2, "container <web>"},
}

func TestGatekeeperTemplatesAllowAndDenyTheLibraryExamples(t *testing.T) {
	for _, tc := range gatekeeperCases {
		t.Run(tc.template, func(t *testing.T) {
			dir := filepath.Join("testdata/gatekeeper", tc.template)
			samples := filepath.Join(dir, "samples", tc.sample)
			opts := Options{NoBuiltin: true, PolicyDirs: []string{dir}}

			rep, err := Run(context.Background(), []string{filepath.Join(samples, "example_allowed.yaml")}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Checks) != 1 || rep.Checks[0].ID != tc.check {
				t.Fatalf("checks = %v, want the one constraint %s", rep.Checks, tc.check)
			}
			for _, f := range rep.Findings {
				t.Errorf("allowed example denied: %s %v", f.Check, f.Evidence["message"])
			}

			rep, err = Run(context.Background(), []string{filepath.Join(samples, "example_disallowed.yaml")}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Findings) != tc.violations {
				t.Fatalf("disallowed example: %d findings, want %d: %+v", len(rep.Findings), tc.violations, rep.Findings)
			}
			found := false
			for _, f := range rep.Findings {
				if f.Check != tc.check {
					t.Errorf("finding of %s, want %s", f.Check, tc.check)
				}
				if strings.Contains(f.Evidence["message"].(string), tc.msg) {
					found = true
				}
			}
			if !found {
				t.Errorf("no message contains %q", tc.msg)
			}
		})
	}
}

func TestTheWebhookRunsGatekeeperConstraints(t *testing.T) {
	eng, err := policy.Load(context.Background(), policy.Options{Dirs: []string{"testdata/gatekeeper/allowedrepos"}})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := k8s.ReadFile("testdata/gatekeeper/allowedrepos/samples/repo-is-internal/example_disallowed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	req := AdmissionRequest(objs[0].Raw, "4b1c9f0e-2d3a-4e5f-8a6b-7c8d9e0f1a2b", "CREATE")
	body, _ := json.Marshal(map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": req})
	out, err := NewWebhook(eng, WebhookOptions{}).Review(context.Background(), body, "")
	if err != nil {
		t.Fatal(err)
	}
	var r reviewResponse
	json.Unmarshal(out, &r)
	if r.Response.Allowed || !strings.Contains(r.Response.Status.Message, "[K8sAllowedRepos/repo-is-internal] container <fetch>") {
		t.Errorf("response = %s", out)
	}
}

func TestGatekeeperMistakesAreErrorsNamingTheFile(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"a constraint without its template", `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sNope
metadata: {name: x}
`, "no ConstraintTemplate defines kind K8sNope"},
		{"a template without a kind", `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: x}
spec: {targets: [{target: admission.k8s.gatekeeper.sh, rego: "package x\nviolation[{\"msg\": \"m\"}] { true }"}]}
`, "has no spec.crd.spec.names.kind"},
		{"a template whose Rego does not parse", `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: x}
spec:
  crd: {spec: {names: {kind: K8sX}}}
  targets: [{target: admission.k8s.gatekeeper.sh, rego: "package x\nviolation[{"}]
`, "ConstraintTemplate K8sX"},
		{"a bad enforcement action", `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: x}
spec:
  crd: {spec: {names: {kind: K8sX}}}
  targets: [{target: admission.k8s.gatekeeper.sh, rego: "package x\nviolation[{\"msg\": \"m\"}] { true }"}]
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sX
metadata: {name: y}
spec: {enforcementAction: block}
`, "enforcementAction \"block\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			f := filepath.Join(dir, "gk.yaml")
			os.WriteFile(f, []byte(tt.yaml), 0o644)
			_, err := policy.Load(context.Background(), policy.Options{Dirs: []string{dir}})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "gk.yaml") {
				t.Errorf("err = %v, want it to name gk.yaml and say %q", err, tt.want)
			}
		})
	}
}

func TestTemplatesKeepTheirOwnLibs(t *testing.T) {
	tmpl := func(kind, answer string) string {
		return `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: ` + strings.ToLower(kind) + `}
spec:
  crd: {spec: {names: {kind: ` + kind + `}}}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package ` + strings.ToLower(kind) + `
        import data.lib.common.answer
        violation[{"msg": answer}] { input.review.object.kind == "Pod" }
      libs:
        - |
          package lib.common
          answer := "` + answer + `"
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: ` + kind + `
metadata: {name: c}
`
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(tmpl("K8sA", "from a")), 0o644)
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(tmpl("K8sB", "from b")), 0o644)
	eng, err := policy.Load(context.Background(), policy.Options{Dirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Admission(context.Background(), []byte(`{"kind":{"kind":"Pod"},"object":{"kind":"Pod","metadata":{"name":"p"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range res.Denied {
		got[r.Check.ID] = r.Msg
	}
	if got["K8sA/c"] != "from a" || got["K8sB/c"] != "from b" {
		t.Errorf("answers = %v, want each template to use its own lib", got)
	}
}

func TestAGatekeeperLibraryCheckoutLoadsWithItsOtherFiles(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"artifacthub-pkg.yml": "version: 1.0.0\nname: k8sallowedrepos\ndisplayName: Allowed Repositories\n",
		"kustomization.yaml":  "resources:\n  - template.yaml\n",
		"README.md":           "# Allowed repos\n",
	} {
		os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644)
	}
	tmpl, _ := os.ReadFile("testdata/gatekeeper/blocknodeport/template.yaml")
	os.WriteFile(filepath.Join(dir, "template.yaml"), tmpl, 0o644)
	if _, err := policy.Load(context.Background(), policy.Options{Dirs: []string{dir}}); err != nil {
		t.Errorf("Load: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("apiVersion: templates.gatekeeper.sh/v1\nkind: [\n"), 0o644)
	if _, err := policy.Load(context.Background(), policy.Options{Dirs: []string{dir}}); err == nil || !strings.Contains(err.Error(), "broken.yaml") {
		t.Errorf("a broken template: err = %v, want one naming broken.yaml", err)
	}
}
