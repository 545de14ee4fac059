package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/parapet-sec/parapet/internal/collect/k8s"
)

// Gatekeeper compatibility: ConstraintTemplates and Constraints from a
// policy folder run as Gatekeeper runs them. Each template's Rego keeps its
// rules (violation[{"msg": ...}]) and reads input.review and
// input.parameters; each Constraint becomes a check of its own, id
// "<Kind>/<name>", whose deny (or warn, for enforcementAction warn and
// dryrun) set holds the template's violations for the objects the
// constraint's match selects.

// gatekeeperTarget is the only target Gatekeeper's admission templates use.
const gatekeeperTarget = "admission.k8s.gatekeeper.sh"

// gkTemplate is a parsed ConstraintTemplate.
type gkTemplate struct {
	kind   string // the constraint kind it defines, e.g. K8sRequiredLabels
	pkg    string // the package its Rego was moved to
	title  string
	file   string
	line   int
	module *ast.Module
	libs   []*ast.Module
}

// loadGatekeeper reads the ConstraintTemplate and Constraint objects of the
// YAML and JSON files under dir (or dir itself, a file) and returns the
// modules that evaluate them. Other objects in those files are ignored.
func loadGatekeeper(dir string) ([]*module, error) {
	files, err := policyYAMLFiles(dir)
	if err != nil {
		return nil, err
	}
	var templates []k8s.Object
	var constraints []k8s.Object
	for _, f := range files {
		objs, err := k8s.ReadFile(f)
		if err != nil {
			// A policy folder may hold other YAML (a Gatekeeper library
			// checkout has artifacthub-pkg.yml, gator suites, kustomize
			// files); only a file that names a Gatekeeper API must parse.
			raw, rerr := os.ReadFile(f)
			if rerr == nil && !bytes.Contains(raw, []byte("templates.gatekeeper.sh")) && !bytes.Contains(raw, []byte("constraints.gatekeeper.sh")) {
				continue
			}
			return nil, fmt.Errorf("policy: %w", err)
		}
		for _, o := range objs {
			group, _, _ := strings.Cut(o.APIVersion(), "/")
			switch {
			case group == "templates.gatekeeper.sh" && o.Kind() == "ConstraintTemplate":
				templates = append(templates, o)
			case group == "constraints.gatekeeper.sh":
				constraints = append(constraints, o)
			}
		}
	}
	if len(templates) == 0 && len(constraints) == 0 {
		return nil, nil
	}
	byKind := map[string]*gkTemplate{}
	var out []*module
	for _, o := range templates {
		t, err := parseTemplate(o)
		if err != nil {
			return nil, err
		}
		if prev, ok := byKind[t.kind]; ok {
			return nil, fmt.Errorf("policy: %s:%d: ConstraintTemplate for %s is declared twice (also %s:%d)", t.file, t.line, t.kind, prev.file, prev.line)
		}
		byKind[t.kind] = t
		out = append(out, &module{file: fmt.Sprintf("%s#%s", t.file, t.kind), mod: t.module})
		for i, l := range t.libs {
			out = append(out, &module{file: fmt.Sprintf("%s#%s.lib%d", t.file, t.kind, i), mod: l})
		}
	}
	for i, o := range constraints {
		m, err := constraintModule(o, i, byKind)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// policyYAMLFiles lists the YAML and JSON files under dir, skipping hidden
// folders and testdata.
func policyYAMLFiles(dir string) ([]string, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	isYAML := func(p string) bool {
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
			return true
		}
		return false
	}
	if !st.IsDir() {
		if isYAML(dir) {
			return []string{dir}, nil
		}
		return nil, nil
	}
	var files []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if isYAML(p) {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// parseTemplate reads a ConstraintTemplate (templates.gatekeeper.sh v1,
// v1beta1 or v1alpha1): the constraint kind, the admission target's Rego
// (rego, or code[engine=Rego].source) and its libs. Rego is parsed as v0
// unless the source says version v1, as Gatekeeper does.
func parseTemplate(o k8s.Object) (*gkTemplate, error) {
	where := fmt.Sprintf("%s:%d", o.File, o.Line)
	spec, _ := o.Raw["spec"].(map[string]any)
	kind := str(dig(spec, "crd", "spec", "names", "kind"))
	if kind == "" {
		return nil, fmt.Errorf("policy: %s: ConstraintTemplate %q has no spec.crd.spec.names.kind", where, o.Name())
	}
	targets, _ := spec["targets"].([]any)
	var src string
	var libs []string
	version := ast.RegoV0
	found := false
	for _, t := range targets {
		tm, _ := t.(map[string]any)
		if str(tm["target"]) != gatekeeperTarget {
			continue
		}
		found = true
		src = str(tm["rego"])
		libs = strList(tm["libs"])
		for _, c := range asList(tm["code"]) {
			cm, _ := c.(map[string]any)
			if str(cm["engine"]) != "Rego" {
				continue
			}
			s, _ := cm["source"].(map[string]any)
			if r := str(s["rego"]); r != "" {
				src = r
				libs = strList(s["libs"])
				if str(s["version"]) == "v1" {
					version = ast.RegoV1
				}
			}
		}
	}
	if !found || src == "" {
		return nil, fmt.Errorf("policy: %s: ConstraintTemplate %s has no Rego for target %s", where, kind, gatekeeperTarget)
	}
	t := &gkTemplate{kind: kind, pkg: "parapet_gk.templates." + safeName(kind), file: o.File, line: o.Line}
	if d, ok := dig(o.Raw, "metadata", "annotations", "description").(string); ok {
		t.title = strings.TrimSpace(d)
	}
	mod, err := ast.ParseModuleWithOpts(fmt.Sprintf("%s#%s", o.File, kind), src, ast.ParserOptions{RegoVersion: version})
	if err != nil {
		return nil, fmt.Errorf("policy: %s: ConstraintTemplate %s: %w", where, kind, err)
	}
	hasViolation := false
	for _, r := range mod.Rules {
		if r.Head.Name.String() == "violation" || (len(r.Head.Reference) > 0 && r.Head.Reference[0].Value.Compare(ast.Var("violation")) == 0) {
			hasViolation = true
		}
	}
	if !hasViolation {
		return nil, fmt.Errorf("policy: %s: ConstraintTemplate %s defines no violation rule", where, kind)
	}
	// Gatekeeper gives every template its own namespace, libs included;
	// so does Parapet: the template's package moves under
	// parapet_gk.templates, and its libs (package lib.*) under
	// parapet_gk.libs.<kind>, with every reference to data.lib rewritten.
	mod.Package.Path = ast.MustParseRef("data." + t.pkg)
	libRoot := ast.MustParseRef("data.lib")
	libHome := ast.MustParseRef("data.parapet_gk.libs." + safeName(kind) + ".lib")
	relocate := func(m *ast.Module) error {
		_, err := ast.TransformRefs(m, func(r ast.Ref) (ast.Value, error) {
			if r.HasPrefix(libRoot) {
				return libHome.Concat(r[len(libRoot):]), nil
			}
			return r, nil
		})
		return err
	}
	for i, l := range libs {
		lm, err := ast.ParseModuleWithOpts(fmt.Sprintf("%s#%s.lib%d", o.File, kind, i), l, ast.ParserOptions{RegoVersion: version})
		if err != nil {
			return nil, fmt.Errorf("policy: %s: ConstraintTemplate %s lib %d: %w", where, kind, i, err)
		}
		if !lm.Package.Path.HasPrefix(libRoot) {
			return nil, fmt.Errorf("policy: %s: ConstraintTemplate %s lib %d: package %s must start with lib", where, kind, i, lm.Package.Path)
		}
		lm.Package.Path = libHome.Concat(lm.Package.Path[len(libRoot):])
		if err := relocate(lm); err != nil {
			return nil, fmt.Errorf("policy: %s: ConstraintTemplate %s lib %d: %w", where, kind, i, err)
		}
		t.libs = append(t.libs, lm)
	}
	if err := relocate(mod); err != nil {
		return nil, fmt.Errorf("policy: %s: ConstraintTemplate %s: %w", where, kind, err)
	}
	t.module = mod
	return t, nil
}

// constraintModule generates the check that applies one Constraint.
func constraintModule(o k8s.Object, i int, templates map[string]*gkTemplate) (*module, error) {
	where := fmt.Sprintf("%s:%d", o.File, o.Line)
	t := templates[o.Kind()]
	if t == nil {
		return nil, fmt.Errorf("policy: %s: constraint %s/%s: no ConstraintTemplate defines kind %s in the policy folders", where, o.Kind(), o.Name(), o.Kind())
	}
	if o.Name() == "" {
		return nil, fmt.Errorf("policy: %s: constraint of kind %s has no metadata.name", where, o.Kind())
	}
	spec, _ := o.Raw["spec"].(map[string]any)
	params := spec["parameters"]
	if params == nil {
		params = map[string]any{}
	}
	match := spec["match"]
	if match == nil {
		match = map[string]any{}
	}
	rule := "deny"
	switch action := str(spec["enforcementAction"]); action {
	case "", "deny":
	case "warn", "dryrun":
		rule = "warn"
	default:
		return nil, fmt.Errorf("policy: %s: constraint %s/%s: enforcementAction %q is not deny, warn or dryrun", where, o.Kind(), o.Name(), action)
	}
	pj, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("policy: %s: parameters: %w", where, err)
	}
	mj, err := json.Marshal(match)
	if err != nil {
		return nil, fmt.Errorf("policy: %s: match: %w", where, err)
	}
	id := o.Kind() + "/" + o.Name()
	pkg := fmt.Sprintf("parapet_gk.constraints.c%d_%s", i, safeName(o.Name()))
	src := fmt.Sprintf(`package %s

import rego.v1

%s contains answer if {
	data.parapet.lib.gatekeeper.matches(%s)
	some v in data.%s.violation with input as {"review": input.review, "parameters": %s}
	answer := object.union({"msg": v.msg}, {"details": object.get(v, "details", {})})
}
`, pkg, rule, mj, t.pkg, pj)
	file := fmt.Sprintf("%s#%s", o.File, id)
	mod, err := ast.ParseModuleWithOpts(file, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, fmt.Errorf("policy: %s: constraint %s: %w", where, id, err)
	}
	ann, _ := dig(o.Raw, "metadata", "annotations").(map[string]any)
	sev := "high"
	if s := str(ann["parapet.dev/severity"]); s != "" {
		sev = s
	}
	title := t.title
	if title == "" {
		title = fmt.Sprintf("Gatekeeper %s", o.Kind())
	}
	a := &ast.Annotations{Title: title, Scope: "package", Location: &ast.Location{File: o.File, Row: o.Line},
		Custom: map[string]any{"id": id, "severity": sev, "inputs": []any{KindAdmission}}}
	if r := str(ann["parapet.dev/remediation"]); r != "" {
		a.Custom["remediation"] = r
	}
	c, err := checkFromAnnotations(o.File, pkg, a)
	if err != nil {
		return nil, err
	}
	c.File = o.File
	return &module{file: file, mod: mod, check: c}, nil
}

// safeName turns a name into a Rego identifier.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func strList(v any) []string {
	var out []string
	for _, x := range asList(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
