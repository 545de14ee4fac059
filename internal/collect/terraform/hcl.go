package terraform

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"

	collectaws "github.com/parapet-sec/parapet/internal/collect/aws"
)

// maxPasses bounds the evaluation passes; each pass lets values flow one
// step further along chains of references.
const maxPasses = 32

// maxConfigSize bounds the evaluated configuration (as JSON), so that a
// reference cycle that doubles a string on every pass stops early.
const maxConfigSize = 64 << 20

// maxInstances bounds the resource and module instances of a
// configuration, so that nested counts cannot make reading explode.
const maxInstances = 100000

// maxModuleDepth bounds nested module calls (a module calling itself).
const maxModuleDepth = 16

// LoadDir reads the Terraform source folder dir as a root module: every .tf
// file, the variables' defaults, terraform.tfvars, *.auto.tfvars (in lexical
// order) and then varFiles, later values winning as in Terraform. Local
// modules (source "./..." or "../...") are read with their inputs; a remote
// module is skipped with a warning. Syntax errors are errors; an expression
// that cannot be evaluated is unknown, with a warning.
func LoadDir(dir string, varFiles []string) (*Config, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("terraform: %w", err)
	}
	l := &loader{rootDir: dir, sources: map[string]*moduleSource{}, aliasRegions: map[string]string{}, varOrigin: map[string]string{}}
	l.allowed = append(l.allowed, realPath(abs))
	if proj := projectFolder(realPath(abs)); proj != "" {
		l.allowed = append(l.allowed, proj)
	}
	l.funcs = l.functions()
	src, err := l.readModule(dir)
	if err != nil {
		return nil, err
	}
	vars, err := l.rootVariables(src, dir, varFiles)
	if err != nil {
		return nil, err
	}
	root := &moduleInst{src: src, vars: vars}
	var skipped []string
	for _, s := range l.sources {
		for _, f := range s.skipped {
			skipped = append(skipped, f+": Terraform JSON syntax is not read; its blocks are not in the inventory")
		}
	}
	var last []byte
	converged := false
	for range maxPasses {
		l.warnings, l.instances = map[string]bool{}, 0
		l.pass(root, 0)
		c := l.config(root)
		cur, _ := json.Marshal(c.Resources)
		if string(cur) == string(last) {
			converged = true
			break
		}
		if len(cur) > maxConfigSize {
			return nil, fmt.Errorf("terraform: %s: values keep growing from one evaluation to the next (a reference cycle?); stopped at %d MiB", dir, len(cur)>>20)
		}
		last = cur
	}
	c := l.config(root)
	c.Region = l.region
	c.Warnings = append(sortedKeys(l.warnings), skipped...)
	if !converged {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s: values still changed after %d evaluations (a reference cycle?); the last are kept", dir, maxPasses))
	}
	return c, nil
}

func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

type loader struct {
	rootDir  string
	allowed  []string // folders file() may read
	sources  map[string]*moduleSource
	funcs    map[string]function.Function
	warnings map[string]bool
	region   string
	// varOrigin is where each root variable's value was set (file:line).
	varOrigin map[string]string
	// aliasRegions are the regions of the root module's aliased aws
	// provider configurations.
	aliasRegions map[string]string
	// instances counts the resource and module instances of a pass,
	// against maxInstances.
	instances int
}

// moduleSource is one module folder, parsed.
type moduleSource struct {
	dir       string
	variables []*variableDecl
	locals    []*hclsyntax.Attribute
	resources []*resourceDecl
	calls     []*callDecl
	outputs   []*hclsyntax.Attribute
	providers []*hclsyntax.Block
	// referenced lists, for each resource ("aws_iam_role.x",
	// "data.aws_caller_identity.current"), the attributes expressions read,
	// so that references to attributes the configuration leaves to the
	// provider are unknown rather than errors.
	referenced map[string]map[string]bool
	// skipped are the files of the folder not read (JSON syntax).
	skipped []string
	// byType holds the managed resources by type.
	byType map[string][]*resourceDecl
	// levels groups the blocks so that each comes after those it refers
	// to (blocks in a reference cycle in the last level, in file order).
	levels [][]step
}

// step is one block of a module in evaluation order.
type step struct {
	kind  stepKind
	index int // into locals, resources, calls or outputs
}

type stepKind uint8

const (
	stepLocal stepKind = iota
	stepResource
	stepCall
	stepOutput
)

type variableDecl struct {
	name     string
	typ      cty.Type
	defaults *typeexpr.Defaults
	def      *cty.Value
}

type resourceDecl struct {
	mode, typ, name string
	block           *hclsyntax.Block
}

func (d *resourceDecl) key() string {
	if d.mode == "data" {
		return "data." + d.typ + "." + d.name
	}
	return d.typ + "." + d.name
}

type callDecl struct {
	name  string
	block *hclsyntax.Block
	src   *moduleSource // nil for a remote module
}

// moduleInst is one instance of a module with its evaluated values.
type moduleInst struct {
	src      *moduleSource
	parent   *moduleInst
	addr     string
	vars     map[string]cty.Value
	locals   map[string]cty.Value
	res      map[string][]*instance // by resourceDecl.key()
	shape    map[string]string      // "", "count", "for_each", "unknown"
	children map[string][]*childInst
	cshape   map[string]string
	outputs  map[string]cty.Value
}

type instance struct {
	key    cty.Value // NilVal when neither count nor for_each
	addr   string
	values map[string]any
	source string
	region string    // the AWS provider's region, where known
	obj    cty.Value // what references to the instance see; built once
}

type childInst struct {
	key cty.Value
	mod *moduleInst
}

func (l *loader) readModule(dir string) (*moduleSource, error) {
	key := realPath(dir)
	if s, ok := l.sources[key]; ok {
		return s, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("terraform: %w", err)
	}
	src := &moduleSource{dir: dir, referenced: map[string]map[string]bool{}}
	l.sources[key] = src
	found := false
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".tf.json") {
			src.skipped = append(src.skipped, filepath.Join(dir, e.Name()))
		}
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tf") {
			continue
		}
		found = true
		name := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("terraform: %w", err)
		}
		if err := src.parse(name, data); err != nil {
			return nil, err
		}
	}
	if !found {
		return nil, fmt.Errorf("terraform: %s: no .tf files", dir)
	}
	src.orderBlocks()
	for _, c := range src.calls {
		attr := c.block.Body.Attributes["source"]
		if attr == nil {
			return nil, fmt.Errorf("%s: module %q has no source", rangeString(c.block.DefRange()), c.name)
		}
		v, diags := attr.Expr.Value(nil)
		if diags.HasErrors() || v.Type() != cty.String || v.IsNull() {
			return nil, fmt.Errorf("%s: module %q: source must be a literal string", rangeString(attr.SrcRange), c.name)
		}
		s := v.AsString()
		if !strings.HasPrefix(s, "./") && !strings.HasPrefix(s, "../") {
			continue // remote: warned about at evaluation
		}
		if strings.Count(c.block.DefRange().Filename, string(filepath.Separator)) > 64 {
			return nil, fmt.Errorf("%s: modules nested too deep", rangeString(c.block.DefRange()))
		}
		child := filepath.Join(dir, s)
		l.allowed = append(l.allowed, realPath(mustAbs(child)))
		if c.src, err = l.readModule(child); err != nil {
			return nil, fmt.Errorf("%s: module %q: %w", rangeString(attr.SrcRange), c.name, err)
		}
	}
	return src, nil
}

func mustAbs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// parse adds the blocks of one .tf file.
func (src *moduleSource) parse(name string, data []byte) error {
	f, diags := hclsyntax.ParseConfig(data, name, hcl.Pos{Line: 1, Column: 1})
	if diags.HasErrors() {
		return fmt.Errorf("terraform: %s", diags.Error())
	}
	body := f.Body.(*hclsyntax.Body)
	if len(body.Attributes) > 0 {
		for _, a := range body.Attributes {
			return fmt.Errorf("%s: unexpected attribute %q at the top level", rangeString(a.SrcRange), a.Name)
		}
	}
	for _, b := range body.Blocks {
		want := map[string]int{"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "provider": 1, "locals": 0}
		if n, ok := want[b.Type]; ok && len(b.Labels) != n {
			return fmt.Errorf("%s: %s block needs %d label(s), has %d", rangeString(b.DefRange()), b.Type, n, len(b.Labels))
		}
		switch b.Type {
		case "resource", "data":
			mode := "managed"
			if b.Type == "data" {
				mode = "data"
			}
			src.resources = append(src.resources, &resourceDecl{mode: mode, typ: b.Labels[0], name: b.Labels[1], block: b})
		case "module":
			src.calls = append(src.calls, &callDecl{name: b.Labels[0], block: b})
		case "variable":
			d := &variableDecl{name: b.Labels[0], typ: cty.DynamicPseudoType}
			if a := b.Body.Attributes["type"]; a != nil {
				ty, defs, diags := typeexpr.TypeConstraintWithDefaults(a.Expr)
				if diags.HasErrors() {
					return fmt.Errorf("%s: variable %q: %s", rangeString(a.SrcRange), d.name, diags.Error())
				}
				d.typ, d.defaults = ty, defs
			}
			if a := b.Body.Attributes["default"]; a != nil {
				v, diags := a.Expr.Value(nil)
				if diags.HasErrors() {
					return fmt.Errorf("%s: variable %q: default: %s", rangeString(a.SrcRange), d.name, diags.Error())
				}
				d.def = &v
			}
			src.variables = append(src.variables, d)
		case "locals":
			for _, a := range sortedAttrs(b.Body.Attributes) {
				src.locals = append(src.locals, a)
			}
		case "output":
			if a := b.Body.Attributes["value"]; a != nil {
				a2 := *a
				a2.Name = b.Labels[0]
				src.outputs = append(src.outputs, &a2)
			}
		case "provider":
			src.providers = append(src.providers, b)
		}
	}
	hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		switch e := n.(type) {
		case *hclsyntax.ScopeTraversalExpr:
			src.noteTraversal(e.Traversal)
		case *hclsyntax.BinaryOpExpr:
			if g, ok := guardedEquality[e.Op]; ok {
				e.Op = g
			}
		}
		return nil
	})
	return nil
}

// orderBlocks groups the module's blocks in levels, each block after the
// blocks its expressions refer to (Kahn's algorithm a level at a time, file
// order within a level); blocks in a reference cycle come last.
func (src *moduleSource) orderBlocks() {
	src.byType = map[string][]*resourceDecl{}
	var steps []step
	var refs [][]hcl.Traversal
	key := map[string]int{}
	for i, a := range src.locals {
		key["local."+a.Name] = len(steps)
		steps = append(steps, step{stepLocal, i})
		refs = append(refs, a.Expr.Variables())
	}
	for i, d := range src.resources {
		if d.mode == "managed" {
			src.byType[d.typ] = append(src.byType[d.typ], d)
		}
		key[d.key()] = len(steps)
		steps = append(steps, step{stepResource, i})
		refs = append(refs, bodyTraversals(d.block.Body))
	}
	for i, c := range src.calls {
		key["module."+c.name] = len(steps)
		steps = append(steps, step{stepCall, i})
		refs = append(refs, bodyTraversals(c.block.Body))
	}
	for i, o := range src.outputs {
		steps = append(steps, step{stepOutput, i})
		refs = append(refs, o.Expr.Variables())
	}
	deps := make([]map[int]bool, len(steps))
	users := make([][]int, len(steps))
	for i, ts := range refs {
		deps[i] = map[int]bool{}
		for _, t := range ts {
			j, ok := key[traversalKey(t)]
			if !ok || j == i || deps[i][j] {
				continue
			}
			deps[i][j] = true
			users[j] = append(users[j], i)
		}
	}
	pending := make([]int, len(steps))
	var ready []int
	for i := range steps {
		if pending[i] = len(deps[i]); pending[i] == 0 {
			ready = append(ready, i)
		}
	}
	done := make([]bool, len(steps))
	src.levels = nil
	for len(ready) > 0 {
		sort.Ints(ready)
		var next []int
		var cur []step
		for _, i := range ready {
			done[i] = true
			cur = append(cur, steps[i])
			for _, u := range users[i] {
				if pending[u]--; pending[u] == 0 {
					next = append(next, u)
				}
			}
		}
		src.levels = append(src.levels, cur)
		ready = next
	}
	var cyclic []step
	for i := range steps {
		if !done[i] {
			cyclic = append(cyclic, steps[i])
		}
	}
	if cyclic != nil {
		src.levels = append(src.levels, cyclic)
	}
}

// traversalKey names the block a reference reads: "local.x",
// "aws_iam_role.x", "data.aws_iam_policy_document.x" or "module.x".
func traversalKey(t hcl.Traversal) string {
	var names []string
	for _, s := range t {
		switch s := s.(type) {
		case hcl.TraverseRoot:
			names = append(names, s.Name)
		case hcl.TraverseAttr:
			names = append(names, s.Name)
		}
		if len(names) == 3 {
			break
		}
	}
	switch {
	case len(names) >= 3 && names[0] == "data":
		return "data." + names[1] + "." + names[2]
	case len(names) >= 2:
		return names[0] + "." + names[1]
	}
	return ""
}

// bodyTraversals returns the references of every expression in a block
// body, nested blocks included.
func bodyTraversals(b *hclsyntax.Body) []hcl.Traversal {
	var out []hcl.Traversal
	for _, a := range b.Attributes {
		out = append(out, a.Expr.Variables()...)
	}
	for _, blk := range b.Blocks {
		out = append(out, bodyTraversals(blk.Body)...)
	}
	return out
}

// noteTraversal records which attribute of which resource a reference reads.
func (src *moduleSource) noteTraversal(t hcl.Traversal) {
	var names []string
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			names = append(names, s.Name)
		case hcl.TraverseAttr:
			names = append(names, s.Name)
		case hcl.TraverseIndex, hcl.TraverseSplat:
			continue
		}
	}
	if len(names) < 3 {
		return
	}
	key, attr := names[0]+"."+names[1], names[2]
	if names[0] == "data" {
		if len(names) < 4 {
			return
		}
		key, attr = "data."+names[1]+"."+names[2], names[3]
	}
	switch names[0] {
	case "var", "local", "module", "each", "count", "path", "terraform", "self":
		return
	}
	if src.referenced[key] == nil {
		src.referenced[key] = map[string]bool{}
	}
	src.referenced[key][attr] = true
}

func sortedAttrs(m hclsyntax.Attributes) []*hclsyntax.Attribute {
	out := make([]*hclsyntax.Attribute, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SrcRange.Start.Byte < out[j].SrcRange.Start.Byte })
	return out
}

func rangeString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line)
}

// rootVariables sets the root module's variables from defaults and tfvars.
func (l *loader) rootVariables(src *moduleSource, dir string, extra []string) (map[string]cty.Value, error) {
	given := map[string]cty.Value{}
	// Terraform's order: terraform.tfvars, terraform.tfvars.json, then
	// *.auto.tfvars and *.auto.tfvars.json in lexical order, then -var-file.
	files := []string{}
	for _, n := range []string{"terraform.tfvars", "terraform.tfvars.json"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			files = append(files, filepath.Join(dir, n))
		}
	}
	auto, _ := filepath.Glob(filepath.Join(dir, "*.auto.tfvars"))
	autoJSON, _ := filepath.Glob(filepath.Join(dir, "*.auto.tfvars.json"))
	auto = append(auto, autoJSON...)
	sort.Strings(auto)
	files = append(files, auto...)
	files = append(files, extra...)
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("terraform: %w", err)
		}
		var f *hcl.File
		var diags hcl.Diagnostics
		if strings.HasSuffix(name, ".json") {
			f, diags = hcljson.Parse(data, name)
		} else {
			f, diags = hclsyntax.ParseConfig(data, name, hcl.Pos{Line: 1, Column: 1})
		}
		if diags.HasErrors() {
			return nil, fmt.Errorf("terraform: %s", diags.Error())
		}
		attrs, diags := f.Body.JustAttributes()
		if diags.HasErrors() {
			return nil, fmt.Errorf("terraform: %s", diags.Error())
		}
		for k, a := range attrs {
			v, diags := a.Expr.Value(nil)
			if diags.HasErrors() {
				return nil, fmt.Errorf("terraform: %s", diags.Error())
			}
			given[k] = v
			l.varOrigin[k] = rangeString(a.Range)
			if !src.declares(k) {
				l.warn(fmt.Sprintf("%s: value for undeclared variable %q", rangeString(a.Range), k))
			}
		}
	}
	return l.moduleVariables(src, given, "")
}

func (src *moduleSource) declares(name string) bool {
	for _, v := range src.variables {
		if v.name == name {
			return true
		}
	}
	return false
}

// moduleVariables gives each declared variable its value: given, else the
// default, else unknown. An unknown string keeps its origin as a marker so
// that templates around it keep their known parts.
func (l *loader) moduleVariables(src *moduleSource, given map[string]cty.Value, addr string) (map[string]cty.Value, error) {
	out := map[string]cty.Value{}
	for _, d := range src.variables {
		v, ok := given[d.name]
		if !ok && d.def != nil {
			v, ok = *d.def, true
		}
		if !ok {
			if d.typ == cty.String || d.typ == cty.DynamicPseudoType {
				v = cty.StringVal(unknownRef(prefixAddr(addr, "var."+d.name)))
			} else {
				v = cty.UnknownVal(d.typ)
			}
			out[d.name] = v
			continue
		}
		if d.defaults != nil {
			v = d.defaults.Apply(v)
		}
		if d.typ != cty.DynamicPseudoType && v.IsWhollyKnown() {
			cv, err := convert.Convert(v, d.typ)
			if err != nil {
				if addr == "" {
					where := l.varOrigin[d.name]
					if where == "" {
						where = "default"
					}
					return nil, fmt.Errorf("terraform: %s: variable %q: %v", where, d.name, err)
				}
				l.warn(fmt.Sprintf("%s: input %q: %v", addr, d.name, err))
				cv = cty.UnknownVal(d.typ)
			}
			v = cv
		}
		out[d.name] = v
	}
	return out, nil
}

func prefixAddr(module, local string) string {
	if module == "" {
		return local
	}
	return module + "." + local
}

func (l *loader) warn(s string) { l.warnings[s] = true }

// eval evaluates expr; an error makes the value unknown, with a warning.
func (l *loader) eval(expr hcl.Expression, ctx *hcl.EvalContext) cty.Value {
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		for _, d := range diags {
			if d.Severity == hcl.DiagError {
				where := ""
				if d.Subject != nil {
					where = rangeString(*d.Subject) + ": "
				}
				l.warn(fmt.Sprintf("%s%s: %s (left unknown)", where, d.Summary, d.Detail))
				break
			}
		}
		return cty.DynamicVal
	}
	return v
}

// pass evaluates one module instance once, with the values of the last
// pass, and its children recursively.
func (l *loader) pass(m *moduleInst, depth int) {
	if m.res == nil {
		m.res, m.shape = map[string][]*instance{}, map[string]string{}
		m.children, m.cshape = map[string][]*childInst{}, map[string]string{}
		m.locals, m.outputs = map[string]cty.Value{}, map[string]cty.Value{}
	}
	ctx := l.context(m)
	if m.addr == "" {
		l.providers(m, ctx)
	}
	// Blocks are evaluated level by level: a block's level is one more
	// than the deepest of the blocks it refers to, so that one pass
	// settles whatever has no reference cycle, and the context is rebuilt
	// once a level rather than once a block.
	for i, level := range m.src.levels {
		if i > 0 {
			ctx = l.context(m)
		}
		for _, st := range level {
			switch st.kind {
			case stepLocal:
				a := m.src.locals[st.index]
				m.locals[a.Name] = l.eval(a.Expr, ctx)
			case stepResource:
				l.evalResource(m, m.src.resources[st.index], ctx)
			case stepCall:
				l.evalCall(m, m.src.calls[st.index], ctx, depth)
			case stepOutput:
				o := m.src.outputs[st.index]
				m.outputs[o.Name] = l.eval(o.Expr, ctx)
			}
		}
	}
}

// providers reads the regions of the root module's aws providers.
func (l *loader) providers(m *moduleInst, ctx *hcl.EvalContext) {
	for _, p := range m.src.providers {
		if p.Labels[0] != "aws" {
			continue
		}
		alias := ""
		if a := p.Body.Attributes["alias"]; a != nil {
			if v := l.eval(a.Expr, ctx); v.IsKnown() && v.Type() == cty.String && !v.IsNull() {
				alias = v.AsString()
			}
		}
		if a := p.Body.Attributes["region"]; a != nil {
			if v := l.eval(a.Expr, ctx); v.IsKnown() && v.Type() == cty.String && !v.IsNull() && !IsUnknown(v.AsString()) {
				if alias == "" {
					l.region = v.AsString()
				} else {
					l.aliasRegions[alias] = v.AsString()
				}
			}
		}
	}
}

// expansion is one instance of a count or for_each.
type expansion struct {
	key   cty.Value // NilVal: no count/for_each
	each  cty.Value // each.value
	index bool      // key is count.index
}

// expand reads count and for_each of a block. An unknown count or for_each
// gives one instance with an unknown key: what it describes may exist, and
// is never dropped.
func (l *loader) expand(body *hclsyntax.Body, ctx *hcl.EvalContext) ([]expansion, string) {
	if a := body.Attributes["count"]; a != nil {
		v := l.eval(a.Expr, ctx)
		if !v.IsKnown() || v.IsNull() || v.Type() != cty.Number {
			if v.Type() == cty.String && v.IsKnown() && !v.IsNull() && !IsUnknown(v.AsString()) {
				if n, err := convert.Convert(v, cty.Number); err == nil {
					v = n
				}
			}
			if !v.IsKnown() || v.IsNull() || v.Type() != cty.Number {
				return []expansion{{key: cty.UnknownVal(cty.Number), index: true}}, "unknown"
			}
		}
		n, _ := v.AsBigFloat().Int64()
		if n < 0 || n > 10000 {
			l.warn(fmt.Sprintf("%s: count %d out of range (left unknown)", rangeString(a.SrcRange), n))
			return []expansion{{key: cty.UnknownVal(cty.Number), index: true}}, "unknown"
		}
		out := make([]expansion, n)
		for i := range out {
			out[i] = expansion{key: cty.NumberIntVal(int64(i)), index: true}
		}
		return out, "count"
	}
	if a := body.Attributes["for_each"]; a != nil {
		v := l.eval(a.Expr, ctx)
		v, _ = v.UnmarkDeep()
		if !v.IsWhollyKnown() || v.IsNull() {
			return []expansion{{key: cty.UnknownVal(cty.String), each: cty.DynamicVal}}, "unknown"
		}
		ty := v.Type()
		var out []expansion
		switch {
		case ty.IsSetType() || ty.IsListType() || ty.IsTupleType():
			for it := v.ElementIterator(); it.Next(); {
				_, e := it.Element()
				if e.Type() != cty.String || e.IsNull() {
					l.warn(fmt.Sprintf("%s: for_each over a set needs strings (left unknown)", rangeString(a.SrcRange)))
					return []expansion{{key: cty.UnknownVal(cty.String), each: cty.DynamicVal}}, "unknown"
				}
				out = append(out, expansion{key: e, each: e})
			}
		case ty.IsMapType() || ty.IsObjectType():
			for it := v.ElementIterator(); it.Next(); {
				k, e := it.Element()
				out = append(out, expansion{key: k, each: e})
			}
		default:
			l.warn(fmt.Sprintf("%s: for_each needs a map or a set of strings (left unknown)", rangeString(a.SrcRange)))
			return []expansion{{key: cty.UnknownVal(cty.String), each: cty.DynamicVal}}, "unknown"
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].key.AsString() < out[j].key.AsString() })
		return out, "for_each"
	}
	return []expansion{{key: cty.NilVal}}, ""
}

// keyString renders an instance key the way Terraform addresses print it.
func keyString(k cty.Value) string {
	if k == cty.NilVal {
		return ""
	}
	if !k.IsKnown() {
		return "[" + Unknown + "]"
	}
	if k.Type() == cty.Number {
		i, _ := k.AsBigFloat().Int64()
		return fmt.Sprintf("[%d]", i)
	}
	b, _ := json.Marshal(k.AsString())
	return "[" + string(b) + "]"
}

func (x expansion) scope(ctx *hcl.EvalContext) *hcl.EvalContext {
	if x.key == cty.NilVal {
		return ctx
	}
	child := ctx.NewChild()
	if x.index {
		child.Variables = map[string]cty.Value{"count": cty.ObjectVal(map[string]cty.Value{"index": x.key})}
	} else {
		child.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": x.key, "value": x.each})}
	}
	return child
}

var resourceMeta = map[string]bool{"count": true, "for_each": true, "provider": true, "depends_on": true}

func (l *loader) evalResource(m *moduleInst, d *resourceDecl, ctx *hcl.EvalContext) {
	xs, shape := l.expand(d.block.Body, ctx)
	if l.instances += len(xs); l.instances > maxInstances {
		l.warn(fmt.Sprintf("%s: more than %d instances in the configuration; the rest are not read", rangeString(d.block.DefRange()), maxInstances))
		xs = nil
	}
	m.shape[d.key()] = shape
	var insts []*instance
	region := l.region
	if a := d.block.Body.Attributes["provider"]; a != nil {
		// provider = aws.west: the region of that aliased configuration
		// (known only for the root module's providers).
		if t, diags := hcl.AbsTraversalForExpr(a.Expr); !diags.HasErrors() && len(t) == 2 && t.RootName() == "aws" {
			if ta, ok := t[1].(hcl.TraverseAttr); ok {
				region = l.aliasRegions[ta.Name]
			}
		}
	}
	for _, x := range xs {
		addr := prefixAddr(m.addr, d.key()) + keyString(x.key)
		vals := l.evalBody(d.block.Body, x.scope(ctx), true)
		if d.mode == "managed" {
			computedAttrs(d.typ, addr, vals, region)
		} else {
			l.dataSource(d.typ, addr, vals, region)
		}
		insts = append(insts, &instance{key: x.key, addr: addr, values: vals, source: rangeString(d.block.DefRange()), region: region})
	}
	m.res[d.key()] = insts
}

// evalBody evaluates a block body into attribute values; nested blocks
// (dynamic ones expanded) become lists of objects, as in plan JSON.
func (l *loader) evalBody(body *hclsyntax.Body, ctx *hcl.EvalContext, top bool) map[string]any {
	out := map[string]any{}
	for _, a := range sortedAttrs(body.Attributes) {
		if top && resourceMeta[a.Name] {
			continue
		}
		out[a.Name] = fromCty(l.eval(a.Expr, ctx))
	}
	for _, b := range body.Blocks {
		switch b.Type {
		case "lifecycle", "provisioner", "connection":
			if top {
				continue
			}
		case "dynamic":
			if len(b.Labels) == 1 {
				l.evalDynamic(b, ctx, out)
				continue
			}
		}
		list, _ := out[b.Type].([]any)
		out[b.Type] = append(list, l.evalBody(b.Body, ctx, false))
	}
	return out
}

func (l *loader) evalDynamic(b *hclsyntax.Block, ctx *hcl.EvalContext, out map[string]any) {
	label := b.Labels[0]
	iter := label
	if a := b.Body.Attributes["iterator"]; a != nil {
		if kw := hcl.ExprAsKeyword(a.Expr); kw != "" {
			iter = kw
		}
	}
	var content *hclsyntax.Block
	for _, c := range b.Body.Blocks {
		if c.Type == "content" {
			content = c
		}
	}
	if content == nil {
		return
	}
	var items [][2]cty.Value
	if a := b.Body.Attributes["for_each"]; a != nil {
		v, _ := l.eval(a.Expr, ctx).UnmarkDeep()
		if !v.IsKnown() || v.IsNull() || !v.CanIterateElements() {
			items = append(items, [2]cty.Value{cty.DynamicVal, cty.DynamicVal})
		} else {
			for it := v.ElementIterator(); it.Next(); {
				k, e := it.Element()
				if v.Type().IsSetType() {
					k = e
				}
				items = append(items, [2]cty.Value{k, e})
			}
		}
	}
	list, _ := out[label].([]any)
	for _, kv := range items {
		child := ctx.NewChild()
		child.Variables = map[string]cty.Value{iter: cty.ObjectVal(map[string]cty.Value{"key": kv[0], "value": kv[1]})}
		list = append(list, l.evalBody(content.Body, child, false))
	}
	out[label] = list
}

// dataSource computes what the AWS provider's data sources return where it
// can be known before apply; anything else read from a data source stays
// unknown.
func (l *loader) dataSource(typ, addr string, v map[string]any, region string) {
	switch typ {
	case "aws_iam_policy_document":
		doc := renderPolicyDocument(v)
		v["json"] = doc
		v["minified_json"] = doc
		v["id"] = unknownRef(addr + ".id")
	case "aws_region":
		if region != "" {
			v["name"], v["region"], v["id"] = region, region, region
		}
	case "aws_partition":
		if region != "" {
			v["partition"], v["id"] = collectaws.Partition(region), collectaws.Partition(region)
		}
	}
}

func (l *loader) evalCall(m *moduleInst, c *callDecl, ctx *hcl.EvalContext, depth int) {
	if c.src == nil {
		src := c.block.Body.Attributes["source"]
		l.warn(fmt.Sprintf("%s: module %q: remote source %s is not read; its resources are not in the inventory", rangeString(c.block.DefRange()), c.name, hclText(src)))
		m.cshape[c.name] = "remote"
		return
	}
	if depth >= maxModuleDepth {
		l.warn(fmt.Sprintf("%s: module %q nested more than %d deep; not read", rangeString(c.block.DefRange()), c.name, maxModuleDepth))
		return
	}
	for a := m; a != nil; a = a.parent {
		if a.src == c.src {
			l.warn(fmt.Sprintf("%s: module %q calls a module that calls it (a cycle); not read", rangeString(c.block.DefRange()), c.name))
			return
		}
	}
	xs, shape := l.expand(c.block.Body, ctx)
	if l.instances += len(xs); l.instances > maxInstances {
		l.warn(fmt.Sprintf("%s: module %q: more than %d instances in the configuration; the rest are not read", rangeString(c.block.DefRange()), c.name, maxInstances))
		return
	}
	m.cshape[c.name] = shape
	old := map[string]*moduleInst{}
	for _, ch := range m.children[c.name] {
		old[ch.mod.addr] = ch.mod
	}
	var kids []*childInst
	for _, x := range xs {
		addr := prefixAddr(m.addr, "module."+c.name) + keyString(x.key)
		sc := x.scope(ctx)
		given := map[string]cty.Value{}
		for _, a := range sortedAttrs(c.block.Body.Attributes) {
			switch a.Name {
			case "source", "version", "count", "for_each", "providers", "depends_on":
				continue
			}
			given[a.Name] = l.eval(a.Expr, sc)
		}
		vars, _ := l.moduleVariables(c.src, given, addr)
		child := old[addr]
		if child == nil {
			child = &moduleInst{src: c.src, addr: addr, parent: m}
		}
		child.vars = vars
		l.pass(child, depth+1)
		kids = append(kids, &childInst{key: x.key, mod: child})
	}
	m.children[c.name] = kids
}

func hclText(a *hclsyntax.Attribute) string {
	if a == nil {
		return "(none)"
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || v.Type() != cty.String {
		return "(not a string)"
	}
	return fmt.Sprintf("%q", v.AsString())
}

// context builds the evaluation context of a module instance from the
// values of the last pass.
func (l *loader) context(m *moduleInst) *hcl.EvalContext {
	vars := map[string]cty.Value{
		"var":       objectOrEmpty(m.vars),
		"local":     objectOrEmpty(m.locals),
		"path":      cty.ObjectVal(map[string]cty.Value{"module": cty.StringVal(l.relDir(m.src.dir)), "root": cty.StringVal("."), "cwd": cty.StringVal(".")}),
		"terraform": cty.ObjectVal(map[string]cty.Value{"workspace": cty.StringVal("default")}),
		"data":      l.dataValue(m),
		"module":    l.modulesValue(m),
	}
	for _, d := range m.src.resources {
		if d.mode == "managed" {
			if _, done := vars[d.typ]; !done {
				vars[d.typ] = l.typeValue(m, d.typ)
			}
		}
	}
	return &hcl.EvalContext{Variables: vars, Functions: l.funcs}
}

// typeValue is what references to the managed resources of one type see:
// an object by resource name.
func (l *loader) typeValue(m *moduleInst, typ string) cty.Value {
	names := map[string]cty.Value{}
	for _, d := range m.src.byType[typ] {
		names[d.name] = l.shaped(m, d)
	}
	return objectOrEmpty(names)
}

// dataValue is what references to data sources see: data.TYPE.NAME.
func (l *loader) dataValue(m *moduleInst) cty.Value {
	data := map[string]map[string]cty.Value{}
	for _, d := range m.src.resources {
		if d.mode != "data" {
			continue
		}
		if data[d.typ] == nil {
			data[d.typ] = map[string]cty.Value{}
		}
		data[d.typ][d.name] = l.shaped(m, d)
	}
	dv := map[string]cty.Value{}
	for t, names := range data {
		dv[t] = cty.ObjectVal(names)
	}
	return objectOrEmpty(dv)
}

// modulesValue is what references to module calls see: their outputs.
func (l *loader) modulesValue(m *moduleInst) cty.Value {
	mods := map[string]cty.Value{}
	for _, c := range m.src.calls {
		kids := m.children[c.name]
		switch m.cshape[c.name] {
		case "count":
			vs := make([]cty.Value, len(kids))
			for i, k := range kids {
				vs[i] = objectOrEmpty(k.mod.outputs)
			}
			mods[c.name] = tupleOrEmpty(vs)
		case "for_each":
			vs := map[string]cty.Value{}
			for _, k := range kids {
				vs[k.key.AsString()] = objectOrEmpty(k.mod.outputs)
			}
			mods[c.name] = objectOrEmpty(vs)
		case "":
			if len(kids) == 1 {
				mods[c.name] = objectOrEmpty(kids[0].mod.outputs)
				continue
			}
			mods[c.name] = cty.DynamicVal
		default:
			mods[c.name] = cty.DynamicVal
		}
	}
	return objectOrEmpty(mods)
}

// shaped is the value a reference to a resource sees: one object, a tuple
// (count) or an object by key (for_each).
func (l *loader) shaped(m *moduleInst, d *resourceDecl) cty.Value {
	insts, ok := m.res[d.key()]
	if !ok {
		return cty.DynamicVal
	}
	obj := func(in *instance) cty.Value {
		if in.obj != cty.NilVal {
			return in.obj
		}
		vals := make(map[string]any, len(in.values))
		for k, v := range in.values {
			vals[k] = v
		}
		for attr := range m.src.referenced[d.key()] {
			if vals[attr] == nil {
				vals[attr] = unknownRef(in.addr + "." + attr)
			}
		}
		in.obj = toCty(vals)
		return in.obj
	}
	switch m.shape[d.key()] {
	case "":
		if len(insts) == 1 {
			return obj(insts[0])
		}
	case "count":
		vs := make([]cty.Value, len(insts))
		for i, in := range insts {
			vs[i] = obj(in)
		}
		return tupleOrEmpty(vs)
	case "for_each":
		vs := map[string]cty.Value{}
		for _, in := range insts {
			vs[in.key.AsString()] = obj(in)
		}
		return objectOrEmpty(vs)
	}
	return cty.DynamicVal
}

// relDir is a module folder relative to the root module, as path.module
// gives it.
func (l *loader) relDir(dir string) string {
	if rel, err := filepath.Rel(l.rootDir, dir); err == nil {
		return filepath.ToSlash(rel)
	}
	return dir
}

func objectOrEmpty(m map[string]cty.Value) cty.Value {
	if len(m) == 0 {
		return cty.EmptyObjectVal
	}
	return cty.ObjectVal(m)
}

func tupleOrEmpty(vs []cty.Value) cty.Value {
	if len(vs) == 0 {
		return cty.EmptyTupleVal
	}
	return cty.TupleVal(vs)
}

// config collects the resource instances of a module tree.
func (l *loader) config(root *moduleInst) *Config {
	c := &Config{Region: l.region}
	var walk func(m *moduleInst)
	walk = func(m *moduleInst) {
		for _, d := range m.src.resources {
			for _, in := range m.res[d.key()] {
				c.Resources = append(c.Resources, &Resource{
					Address: in.addr, Mode: d.mode, Type: d.typ, Name: d.name, Module: m.addr,
					Values: in.values, Source: in.source, Region: in.region,
				})
			}
		}
		for _, cd := range m.src.calls {
			for _, k := range m.children[cd.name] {
				walk(k.mod)
			}
		}
	}
	walk(root)
	c.sort()
	return c
}
