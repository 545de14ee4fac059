// Package policy is Parapet's one Rego engine. It loads the built-in checks
// embedded from policies/ and the user's policy folders (Rego checks and
// Gatekeeper ConstraintTemplates with their Constraints), compiles them once,
// prepares one query per input kind for the whole bundle, and evaluates it
// many times: on inventory nodes (posture, IaC, manifests), on Kubernetes
// admission requests, and on agents' tool calls.
//
// Every check is one Rego package with a METADATA block whose custom fields
// give its id, severity, frameworks and remediation; its rules answer with
// sets: deny and warn for resources and admission, deny, approve, redact
// and warn for tool calls. docs/policies.md documents the contract.
package policy

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/parapet-sec/parapet/internal/aibom"
	"github.com/parapet-sec/parapet/internal/inventory"
	"github.com/parapet-sec/parapet/policies"
)

// Options says which policies to load.
type Options struct {
	// Builtin loads the checks of the embedded built-in bundle; its
	// libraries (policies/lib) are always loaded.
	Builtin bool
	// Dirs are user policy folders (or single files): .rego checks and
	// libraries, and Gatekeeper ConstraintTemplate and Constraint YAML.
	// *_test.rego files are skipped (see Test).
	Dirs []string
	// Select keeps only the checks whose id matches one of these patterns;
	// empty keeps all. Skip drops the checks whose id matches one of its
	// patterns. A pattern is an id, a glob ("PAR-K8S-PSS-*") or an id
	// prefix ending at a dash boundary ("PAR-K8S-PSS").
	Select, Skip []string
	// Config is visible to every rule as data.parapet.config (for example
	// {"pss": {"level": "restricted", "version": "latest"}}; see
	// docs/policies.md for the keys the built-in checks read).
	Config map[string]any
}

// Check is one loaded check: its metadata and where it came from.
type Check struct {
	ID          string   `json:"id"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Severity    string   `json:"severity"`
	Remediation string   `json:"remediation,omitempty"`
	Frameworks  []string `json:"frameworks,omitempty"`
	// Inputs lists the input kinds the check answers; empty means all.
	Inputs []string `json:"inputs,omitempty"`
	// Package is the Rego package path, without "data." ("parapet.k8s.pss.privileged").
	Package string `json:"package"`
	// File is the .rego file (or YAML file, for Gatekeeper constraints).
	File string `json:"file"`
	// Builtin is true for checks of the embedded bundle.
	Builtin bool `json:"builtin,omitempty"`
	// Custom holds every custom metadata field, including the ones above.
	Custom map[string]any `json:"custom,omitempty"`
}

// AppliesTo reports whether the check answers input kind k.
func (c *Check) AppliesTo(k string) bool {
	if len(c.Inputs) == 0 {
		return true
	}
	for _, in := range c.Inputs {
		if in == k {
			return true
		}
	}
	return false
}

// Engine holds the compiled bundle and its prepared queries. It is safe for
// concurrent use.
type Engine struct {
	checks  []*Check
	byIndex map[int]*Check
	queries map[string]*rego.PreparedEvalQuery
	store   storage.Store
	// compiler is the compiled bundle the queries are prepared from;
	// parsed holds its modules as parsed, by file.
	compiler *ast.Compiler
	parsed   map[string]*ast.Module

	// specs are tool-call queries specialised per tool (specialize.go);
	// dataGen counts writes of data, which make them stale. dataGen is
	// written with dataMu locked and read with it read-locked.
	specs   toolSpecs
	dataGen uint64
	// unspecialisable says why tool-call decisions are never specialised
	// for this bundle (nil if they are), computed once.
	unspecialisable     error
	unspecialisableOnce sync.Once

	// dataMu serialises writes of per-run data (the inventory) with the
	// evaluations that read it.
	dataMu sync.RWMutex

	// hasResourceChecks is true when some selected check answers resource
	// input; resourceKinds are the node kinds those checks test for, and
	// anyKind is true when one of them may answer on any kind.
	hasResourceChecks bool
	resourceKinds     map[string]bool
	anyKind           bool
	// kindQueries holds, per node kind in resourceKinds, the query of only
	// the resource checks that can answer on that kind; anyQuery, for other
	// kinds, that of the checks that may answer on any kind (nil if none).
	kindQueries map[string]*rego.PreparedEvalQuery
	anyQuery    *rego.PreparedEvalQuery
}

// enginePkg is the package of the generated modules that gather every
// check's answers, one rule set per input kind.
const enginePkg = "parapet_engine"

// ruleSets are the rule names a check may define, per input kind.
var ruleSets = map[string][]string{
	KindResource:  {"deny", "warn"},
	KindAdmission: {"deny", "warn"},
	KindToolCall:  {"deny", "approve", "redact", "warn"},
}

// module is one parsed policy source.
type module struct {
	file    string
	mod     *ast.Module
	builtin bool
	check   *Check // nil for libraries
}

// Load reads and compiles the policies opts names and prepares one query per
// input kind. Errors name the file and line.
func Load(ctx context.Context, opts Options) (*Engine, error) {
	var mods []*module
	// The built-in libraries (policies/lib) load even without the built-in
	// checks: user policies and Gatekeeper constraints use them.
	bm, err := readFS(policies.FS, "policies", true, false)
	if err != nil {
		return nil, err
	}
	for _, m := range bm {
		if opts.Builtin || m.check == nil {
			mods = append(mods, m)
		}
	}
	var gk []*module
	for _, d := range opts.Dirs {
		um, err := readDir(d, false)
		if err != nil {
			return nil, err
		}
		mods = append(mods, um...)
		g, err := loadGatekeeper(d)
		if err != nil {
			return nil, err
		}
		gk = append(gk, g...)
	}
	mods = append(mods, gk...)
	mods, err = overrideBuiltins(mods)
	if err != nil {
		return nil, err
	}

	e := &Engine{byIndex: map[int]*Check{}, queries: map[string]*rego.PreparedEvalQuery{}}
	for _, m := range mods {
		if m.check != nil && selected(m.check.ID, opts.Select, opts.Skip) {
			e.checks = append(e.checks, m.check)
		}
	}
	sort.Slice(e.checks, func(i, j int) bool { return e.checks[i].ID < e.checks[j].ID })
	for i, c := range e.checks {
		e.byIndex[i] = c
	}

	modules := map[string]*ast.Module{}
	for _, m := range mods {
		modules[m.file] = m.mod
	}
	e.resourceKinds = map[string]bool{}
	// checkKinds are the node kinds each resource check's package tests
	// for; a package absent from it may answer on any kind.
	checkKinds := map[string][]string{}
	selectedPkg := map[string]bool{}
	for _, c := range e.checks {
		selectedPkg[c.Package] = true
	}
	for _, m := range mods {
		if m.check == nil || !selectedPkg[m.check.Package] || !m.check.AppliesTo(KindResource) {
			continue
		}
		e.hasResourceChecks = true
		kinds := resourceKinds(m.mod)
		if kinds == nil {
			e.anyKind = true
		} else {
			checkKinds[m.check.Package] = kinds
		}
		for _, k := range kinds {
			e.resourceKinds[k] = true
		}
	}
	for _, k := range Kinds {
		src := e.gatherModule(k, k, func(int) bool { return true })
		gm, err := ast.ParseModuleWithOpts(enginePkg+"/"+k+".rego", src, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return nil, fmt.Errorf("policy: generated module for %s: %w", k, err)
		}
		modules[enginePkg+"/"+k+".rego"] = gm
	}
	groups := e.resourceGroups(checkKinds)
	for _, g := range groups {
		gm, err := ast.ParseModuleWithOpts(enginePkg+"/"+g.name+".rego", g.src, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return nil, fmt.Errorf("policy: generated module for %s: %w", g.name, err)
		}
		modules[enginePkg+"/"+g.name+".rego"] = gm
	}
	compiler := ast.NewCompiler().WithEnablePrintStatements(false)
	compiler.Compile(modules)
	if compiler.Failed() {
		return nil, fmt.Errorf("policy: %w", compiler.Errors)
	}

	e.compiler = compiler
	e.parsed = modules

	cfg := opts.Config
	if cfg == nil {
		cfg = map[string]any{}
	}
	// Reads return Rego values as stored, so that evaluations do not convert
	// the configuration, the inventory and the tables on every query.
	e.store = &inventoryStore{Store: inmem.NewFromObjectWithOpts(baseData(cfg), inmem.OptReturnASTValuesOnRead(true))}
	for _, k := range Kinds {
		pq, err := rego.New(
			rego.Compiler(compiler),
			rego.Store(e.store),
			rego.Query("data."+enginePkg+"."+k+".results"),
		).PrepareForEval(ctx)
		if err != nil {
			return nil, fmt.Errorf("policy: prepare %s query: %w", k, err)
		}
		e.queries[k] = &pq
	}
	e.kindQueries = map[string]*rego.PreparedEvalQuery{}
	for _, g := range groups {
		pq, err := rego.New(
			rego.Compiler(compiler),
			rego.Store(e.store),
			rego.Query("data."+enginePkg+"."+g.name+".results"),
		).PrepareForEval(ctx)
		if err != nil {
			return nil, fmt.Errorf("policy: prepare %s query: %w", g.name, err)
		}
		for _, k := range g.kinds {
			e.kindQueries[k] = &pq
		}
		if g.any {
			e.anyQuery = &pq
		}
	}
	return e, nil
}

// resourceGroup is one generated resource query: the checks that can
// answer on nodes of kinds (or, when any is true, on nodes of every other
// kind).
type resourceGroup struct {
	name, src string
	kinds     []string
	any       bool
}

// resourceGroups splits the resource checks by the node kinds they can
// answer on (checkKinds, by package; a package without kinds answers on
// any), so that a node is evaluated only against the checks that test its
// kind: one group per distinct set of checks.
func (e *Engine) resourceGroups(checkKinds map[string][]string) []*resourceGroup {
	if !e.hasResourceChecks {
		return nil
	}
	// answers reports whether check i can answer on a node of kind; kind
	// "" stands for every kind no check tests for.
	answers := func(i int, kind string) bool {
		c := e.checks[i]
		ks, tested := checkKinds[c.Package]
		if !c.AppliesTo(KindResource) || !tested {
			return c.AppliesTo(KindResource)
		}
		for _, k := range ks {
			if k == kind {
				return true
			}
		}
		return false
	}
	kinds := make([]string, 0, len(e.resourceKinds)+1)
	for k := range e.resourceKinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	if e.anyKind {
		kinds = append(kinds, "")
	}
	var groups []*resourceGroup
	byChecks := map[string]*resourceGroup{}
	for _, kind := range kinds {
		var key strings.Builder
		for i := range e.checks {
			if answers(i, kind) {
				fmt.Fprintf(&key, "%d,", i)
			}
		}
		g := byChecks[key.String()]
		if g == nil {
			name := fmt.Sprintf("%s_%d", KindResource, len(groups))
			g = &resourceGroup{name: name, src: e.gatherModule(KindResource, name, func(i int) bool { return answers(i, kind) })}
			byChecks[key.String()] = g
			groups = append(groups, g)
		}
		if kind == "" {
			g.any = true
		} else {
			g.kinds = append(g.kinds, kind)
		}
	}
	return groups
}

// Checks returns the loaded and selected checks, sorted by id.
func (e *Engine) Checks() []*Check { return e.checks }

// gatherModule writes the Rego module (package parapet_engine.<name>) that
// collects the answers of every selected check for input kind k that
// include keeps into one set, so that one query evaluates them all.
func (e *Engine) gatherModule(k, name string, include func(i int) bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package %s.%s\n\n", enginePkg, name)
	b.WriteString("# Generated: one set of every selected check's answers.\n")
	for i, c := range e.checks {
		if !c.AppliesTo(k) || !include(i) {
			continue
		}
		for _, r := range ruleSets[k] {
			fmt.Fprintf(&b, "results contains {\"c\": %d, \"t\": %q, \"r\": r} if {\n\tsome r in data.%s.%s\n}\n", i, r, c.Package, r)
		}
	}
	return b.String()
}

// readDir reads the .rego files under dir (a folder or one file).
func readDir(dir string, withTests bool) ([]*module, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if !info.IsDir() {
		if !strings.HasSuffix(dir, ".rego") {
			return nil, nil
		}
		data, err := os.ReadFile(dir)
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		m, err := parseModule(dir, string(data), false)
		if err != nil {
			return nil, err
		}
		return []*module{m}, nil
	}
	return readFS(os.DirFS(dir), dir, false, withTests)
}

// readFS parses every .rego file of fsys; names are shown as prefix/path.
func readFS(fsys fs.FS, prefix string, builtin, withTests bool) ([]*module, error) {
	var out []*module
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("policy: %s: %w", filepath.Join(prefix, p), err)
		}
		if d.IsDir() && p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return fs.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return nil
		}
		if strings.HasSuffix(p, "_test.rego") && !withTests {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("policy: %s: %w", filepath.Join(prefix, p), err)
		}
		m, err := parseModule(path.Join(filepath.ToSlash(prefix), p), string(data), builtin)
		if err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// parseModule parses one Rego v1 file and reads its check metadata.
func parseModule(file, src string, builtin bool) (*module, error) {
	mod, err := ast.ParseModuleWithOpts(file, src, ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	m := &module{file: file, mod: mod, builtin: builtin}
	if strings.HasSuffix(file, "_test.rego") {
		return m, nil
	}
	pkg := strings.TrimPrefix(mod.Package.Path.String(), "data.")
	for _, reserved := range []string{enginePkg, enginePkg + "_partial", "parapet_gk"} {
		if pkg == reserved || strings.HasPrefix(pkg, reserved+".") {
			return nil, fmt.Errorf("policy: %s: package %s is reserved", file, pkg)
		}
	}
	var ann *ast.Annotations
	for _, a := range mod.Annotations {
		if a.Scope == "package" {
			ann = a
			break
		}
	}
	id := ""
	if ann != nil {
		id, _ = ann.Custom["id"].(string)
	}
	if id == "" {
		// A library: it may not answer like a check, or its answers would
		// be silently dropped.
		for _, r := range mod.Rules {
			switch r.Head.Name.String() {
			case "deny", "warn", "approve", "redact", "violation":
				return nil, fmt.Errorf("policy: %s:%d: package %s defines %s but has no METADATA block with custom.id (see docs/policies.md)",
					file, r.Location.Row, pkg, r.Head.Name)
			}
		}
		return m, nil
	}
	c, err := checkFromAnnotations(file, pkg, ann)
	if err != nil {
		return nil, err
	}
	c.Builtin = builtin
	m.check = c
	return m, nil
}

// checkFromAnnotations validates a check's metadata.
func checkFromAnnotations(file, pkg string, a *ast.Annotations) (*Check, error) {
	row := 0
	if a.Location != nil {
		row = a.Location.Row
	}
	where := fmt.Sprintf("%s:%d", file, row)
	c := &Check{
		Package: pkg, File: file, Title: a.Title, Description: a.Description,
		Custom: a.Custom,
	}
	c.ID, _ = a.Custom["id"].(string)
	sev, ok := a.Custom["severity"].(string)
	if !ok {
		return nil, fmt.Errorf("policy: %s: check %s: custom.severity is missing (want critical, high, medium, low or info)", where, c.ID)
	}
	s, err := inventory.ParseSeverity(sev)
	if err != nil || s == "none" {
		return nil, fmt.Errorf("policy: %s: check %s: custom.severity %q is not critical, high, medium, low or info", where, c.ID, sev)
	}
	c.Severity = string(s)
	if v, ok := a.Custom["remediation"]; ok {
		r, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("policy: %s: check %s: custom.remediation must be a string", where, c.ID)
		}
		c.Remediation = strings.TrimSpace(r)
	}
	if c.Frameworks, err = stringList(a.Custom["frameworks"]); err != nil {
		return nil, fmt.Errorf("policy: %s: check %s: custom.frameworks: %w", where, c.ID, err)
	}
	if c.Inputs, err = stringList(a.Custom["inputs"]); err != nil {
		return nil, fmt.Errorf("policy: %s: check %s: custom.inputs: %w", where, c.ID, err)
	}
	for _, in := range c.Inputs {
		if _, ok := ruleSets[in]; !ok {
			return nil, fmt.Errorf("policy: %s: check %s: custom.inputs: unknown input kind %q (want resource, admission or tool_call)", where, c.ID, in)
		}
	}
	if c.Title == "" {
		return nil, fmt.Errorf("policy: %s: check %s: METADATA title is missing", where, c.ID)
	}
	return c, nil
}

func stringList(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list of strings, got %T", v)
	}
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("want a list of strings, got an item of type %T", x)
		}
		out = append(out, s)
	}
	return out, nil
}

// overrideBuiltins drops a built-in module when a user module declares the
// same check id (users copy and change a built-in), and rejects a duplicate
// id among user checks or among built-ins.
func overrideBuiltins(mods []*module) ([]*module, error) {
	user := map[string]*module{}
	builtin := map[string]*module{}
	for _, m := range mods {
		if m.check == nil {
			continue
		}
		seen := builtin
		if !m.builtin {
			seen = user
		}
		if o, ok := seen[m.check.ID]; ok {
			return nil, fmt.Errorf("policy: check id %s is declared twice: %s and %s", m.check.ID, o.file, m.file)
		}
		seen[m.check.ID] = m
	}
	out := mods[:0]
	for _, m := range mods {
		if m.builtin && m.check != nil && user[m.check.ID] != nil {
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

// selected reports whether check id passes --select and --skip.
func selected(id string, sel, skip []string) bool {
	if len(sel) > 0 {
		ok := false
		for _, p := range sel {
			if MatchID(p, id) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, p := range skip {
		if MatchID(p, id) {
			return false
		}
	}
	return true
}

// MatchID reports whether a --select or --skip pattern matches check id: an
// exact id, a glob (path.Match syntax), or a prefix ending at a dash
// ("PAR-K8S-PSS" matches "PAR-K8S-PSS-PRIVILEGED"). Matching ignores case.
func MatchID(pattern, id string) bool {
	p, s := strings.ToUpper(strings.TrimSpace(pattern)), strings.ToUpper(id)
	if p == "" {
		return false
	}
	if p == s || strings.HasPrefix(s, p+"-") || strings.HasPrefix(s, p+"/") {
		return true
	}
	ok, err := path.Match(p, s)
	return err == nil && ok
}

// ValidatePattern reports a malformed --select or --skip glob.
func ValidatePattern(pattern string) error {
	if _, err := path.Match(pattern, ""); err != nil {
		return fmt.Errorf("check pattern %q: %w", pattern, err)
	}
	return nil
}

// baseData is the data document every evaluation starts from:
// data.parapet.config, an empty data.parapet.inventory and data.inventory,
// and data.parapet.aibom.rules.
func baseData(cfg map[string]any) map[string]any {
	if cfg == nil {
		cfg = map[string]any{}
	}
	return map[string]any{
		"parapet": map[string]any{
			"config":    jsonValue(cfg),
			"inventory": map[string]any{},
			"aibom":     map[string]any{"rules": aibomRules(), "agent_patterns": agentPatterns()},
		},
		"inventory": map[string]any{},
	}
}

// agentPatterns folds the image, command and environment patterns of the
// recognition table's agent rules into one regular expression each, as
// data.parapet.aibom.agent_patterns, so that a rule tests a container with
// one match instead of a loop over the table.
func agentPatterns() map[string]any {
	var images, commands, env []string
	for _, r := range aibom.Rules {
		if r.Role != aibom.RoleAgent {
			continue
		}
		for _, p := range r.Images {
			images = append(images, regexp.QuoteMeta(p))
		}
		for _, p := range r.Commands {
			commands = append(commands, regexp.QuoteMeta(p))
		}
		for _, p := range r.Env {
			if strings.HasSuffix(p, "*") {
				env = append(env, regexp.QuoteMeta(strings.TrimSuffix(p, "*"))+".*")
			} else {
				env = append(env, regexp.QuoteMeta(p))
			}
		}
	}
	alt := func(ps []string, anchored bool) string {
		if len(ps) == 0 {
			return "$^"
		}
		if anchored {
			return "^(?:" + strings.Join(ps, "|") + ")$"
		}
		return strings.Join(ps, "|")
	}
	return map[string]any{"images": alt(images, false), "commands": alt(commands, false), "env": alt(env, true)}
}

// aibomRules is the AI workload recognition table of package aibom, as
// data.parapet.aibom.rules, so that Rego rules recognise agents the way the
// AI inventory does.
func aibomRules() []any {
	list := func(ss []string) []any {
		out := make([]any, len(ss))
		for i, s := range ss {
			out[i] = s
		}
		return out
	}
	out := make([]any, 0, len(aibom.Rules))
	for _, r := range aibom.Rules {
		out = append(out, map[string]any{
			"name": r.Name, "role": r.Role, "images": list(r.Images),
			"commands": list(r.Commands), "env": list(r.Env), "labels": list(r.Labels),
		})
	}
	return out
}

// inputKindRef is input.resource.kind, which resource checks test.
var inputKindRef = ast.MustParseRef("input.resource.kind")

// resourceKinds returns the node kinds a check module's deny and warn rules
// can answer on: when every such rule tests input.resource.kind == "k" (or
// input.resource.kind in {...}) in its body, the union of those kinds; nil
// when some rule may answer on any kind. The engine does not evaluate nodes
// of other kinds; a rule that tests the kind elsewhere (in a helper) is
// simply evaluated on every node.
func resourceKinds(mod *ast.Module) []string {
	var kinds []string
	found := false
	for _, r := range mod.Rules {
		switch r.Head.Name.String() {
		case "deny", "warn":
		default:
			if len(r.Head.Reference) == 0 || !(r.Head.Reference[0].Equal(ast.VarTerm("deny")) || r.Head.Reference[0].Equal(ast.VarTerm("warn"))) {
				continue
			}
		}
		ks := bodyKinds(r.Body)
		if ks == nil {
			return nil
		}
		found = true
		kinds = append(kinds, ks...)
	}
	if !found {
		return nil
	}
	return kinds
}

// bodyKinds finds a kind test among the top-level expressions of a body.
func bodyKinds(body ast.Body) []string {
	for _, expr := range body {
		if expr.Negated || !expr.IsCall() {
			continue
		}
		op := expr.Operator()
		if !op.Equal(ast.Equal.Ref()) && !op.Equal(ast.Member.Ref()) && !op.Equal(ast.Equality.Ref()) {
			continue
		}
		a, b := expr.Operand(0), expr.Operand(1)
		if a == nil || b == nil {
			continue
		}
		if op.Equal(ast.Member.Ref()) {
			if ref, ok := a.Value.(ast.Ref); !ok || !ref.Equal(inputKindRef) {
				continue
			}
			var ks []string
			ok := true
			collect := func(t *ast.Term) {
				if s, isStr := t.Value.(ast.String); isStr {
					ks = append(ks, string(s))
				} else {
					ok = false
				}
			}
			switch c := b.Value.(type) {
			case ast.Set:
				c.Foreach(collect)
			case *ast.Array:
				c.Foreach(collect)
			default:
				ok = false
			}
			if ok && len(ks) > 0 {
				return ks
			}
			continue
		}
		for _, pair := range [][2]*ast.Term{{a, b}, {b, a}} {
			if ref, ok := pair[0].Value.(ast.Ref); ok && ref.Equal(inputKindRef) {
				if s, ok := pair[1].Value.(ast.String); ok {
					return []string{string(s)}
				}
			}
		}
	}
	return nil
}
