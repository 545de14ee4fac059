package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzGatekeeper feeds arbitrary YAML to the ConstraintTemplate and
// Constraint loader: it loads or fails with an error naming the file, and
// never panics.
func FuzzGatekeeper(f *testing.F) {
	f.Add([]byte(`apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sx}
spec:
  crd: {spec: {names: {kind: K8sX}}}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sx
        violation[{"msg": "m"}] { input.review.object.kind == "Pod" }
      libs: ["package lib.x\nok := true"]
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sX
metadata: {name: c}
spec:
  enforcementAction: warn
  match: {kinds: [{apiGroups: [""], kinds: ["Pod"]}], namespaces: ["a-*"]}
  parameters: {labels: [{key: owner}]}
`))
	f.Add([]byte("apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sNope\nmetadata: {name: c}\n"))
	f.Add([]byte("apiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\nspec: {targets: [{target: admission.k8s.gatekeeper.sh, code: [{engine: Rego, source: {version: v1, rego: 'package p'}}]}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		file := filepath.Join(dir, "gk.yaml")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := loadGatekeeper(dir); err != nil && !strings.Contains(err.Error(), "gk.yaml") {
			t.Fatalf("error %q does not name the file", err)
		}
	})
}
