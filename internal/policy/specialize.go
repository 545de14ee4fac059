package policy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// Tool-call decisions specialised per tool.
//
// A gateway calls a fixed set of tools, and most of a tool-call policy
// depends on the tool alone: its server, name, labels and annotations
// decide which checks can apply at all (a fetch tool is never a shell).
// Evaluating the whole bundle on every call re-derives that each time;
// OPA's partial evaluation derives it once per tool, with input.tool and
// input.kind known and everything else about the call unknown, and leaves
// a residual query holding only what still depends on the call (its
// arguments, agent, session and task). The residual is compiled with just
// the modules it still refers to and evaluated instead of the whole query
// from then on.
//
// Partial evaluation keeps a policy's answers but not always its errors,
// and a policy error must deny. A rule or function that can produce
// conflicting values fails when evaluated whole; inlined into its callers,
// or called with its result already bound (as partial evaluation does
// with comparisons to constants), or skipped by rule indexing on a value
// that only became known, it may not. Specialisation is therefore only
// used for bundles in which no rule the tool-call query reaches can
// conflict (safeForSpecialisation): every such rule is a set rule, or
// has one constant value however many times it is defined, or is a single
// definition (else branches allowed for rules, not for functions) whose
// body cannot iterate; and none uses "with" (partial evaluation reuses a
// helper derived under one override for another) or a built-in function
// that reads the clock or the network without being marked
// non-deterministic. The built-in bundle qualifies. TestSpecialised* and
// FuzzSpecialisedToolCall hold the two paths to the same decisions.
//
// A tool is specialised in the background the first time it is decided on
// (the call itself is decided by the whole query), so no call waits for
// it. The whole query stays in use for a tool whenever specialisation
// fails or does not apply: the bundle does not qualify, partial evaluation
// gave no single residual, the data the policies read
// changed since (the residual may have read it), the residual fails (the
// whole query then names the file and rule), or the input carries keys
// the specialisation did not treat as unknown.

// specialisedKeys are the input keys a specialised decision treats as
// unknown; an input with any other key besides kind and tool is decided by
// the whole query.
var specialisedKeys = []string{"agent", "session", "arguments", "task"}

// maxSpecialised bounds the tools specialised per engine: a residual with
// its compiler holds about 180 KB for a shell tool of the built-in bundle.
// When the cache is full, tools not decided on for sweepInterval make room
// (so definitions that change over a long run do not keep it full);
// until some do, new tools are decided by the whole query.
const maxSpecialised = 512

// sweepInterval is how often, at most, a full cache is swept.
const sweepInterval = time.Minute

// specialised is one tool's residual query, or why there is none.
type specialised struct {
	tool  ast.Object
	gen   uint64 // data generation the residual was derived under
	ready chan struct{}
	q     *rego.PreparedEvalQuery // nil: use the whole query
	err   error                   // why q is nil
	used  atomic.Bool             // decided on since the last sweep
}

// toolSpecs is an engine's cache of specialised tools, by input.tool hash.
type toolSpecs struct {
	mu    sync.Mutex
	byKey map[int][]*specialised
	n     int
	limit int // 0: maxSpecialised
	// sweptAt is when the cache was last swept.
	sweptAt time.Time
	// sync makes decisions wait for a tool's specialisation instead of
	// using the whole query meanwhile (tests).
	sync bool
	// hook, if set, is called once each specialisation has finished.
	hook func(tool ast.Value, err error)
}

// toolCallSpecialised decides on input with the tool's residual query when
// there is one for the current data, starting its specialisation if not.
// ok is false when the whole query must decide.
func (e *Engine) toolCallSpecialised(ctx context.Context, input ast.Value) (rs []Result, ok bool, err error) {
	obj, isObj := input.(ast.Object)
	if !isObj || !specialisable(obj) {
		return nil, false, nil
	}
	tool, isObj := obj.Get(ast.InternedTerm("tool")).Value.(ast.Object)
	if !isObj || e.safeForSpecialisation() != nil {
		return nil, false, nil
	}
	s := e.specialisation(tool)
	if s == nil {
		return nil, false, nil
	}
	s.used.Store(true)
	if e.specs.sync {
		<-s.ready
	}
	select {
	case <-s.ready:
	default:
		return nil, false, nil
	}
	if s.q == nil || s.gen != e.dataGen {
		return nil, false, nil
	}
	rs, err = e.evalQuery(ctx, s.q, KindToolCall, input, "x")
	if err != nil {
		// Let the whole query decide: it is the reference, and where it
		// fails it names the file and rule (the residual's error names
		// generated modules).
		return nil, false, nil
	}
	return rs, true, nil
}

// specialisable reports whether input's keys are kind ("tool_call"),
// tool and specialisedKeys only.
func specialisable(obj ast.Object) bool {
	kind := obj.Get(ast.InternedTerm("kind"))
	if kind == nil || kind.Value.Compare(ast.String(KindToolCall)) != 0 || obj.Get(ast.InternedTerm("tool")) == nil {
		return false
	}
	ok := true
	obj.Foreach(func(k, _ *ast.Term) {
		s, isStr := k.Value.(ast.String)
		if !isStr {
			ok = false
			return
		}
		switch string(s) {
		case "kind", "tool", "agent", "session", "arguments", "task":
		default:
			ok = false
		}
	})
	return ok
}

// specialisation returns tool's entry, creating it and starting its
// specialisation on first sight (in the background, or at once when
// specs.sync); nil when the cache has no room. Called with dataMu
// read-locked.
func (e *Engine) specialisation(tool ast.Object) *specialised {
	s, fresh := e.specEntry(tool)
	if fresh {
		if e.specs.sync {
			e.runSpecialisation(s)
		} else {
			go func() {
				e.dataMu.RLock()
				defer e.dataMu.RUnlock()
				e.runSpecialisation(s)
			}()
		}
	}
	return s
}

// specEntry finds tool's entry, or makes a new one (fresh) when there is
// none or the one there is stale; nil when the cache has no room.
func (e *Engine) specEntry(tool ast.Object) (s *specialised, fresh bool) {
	h := tool.Hash()
	e.specs.mu.Lock()
	defer e.specs.mu.Unlock()
	list := e.specs.byKey[h]
	at := -1
	for i, s := range list {
		if sameTool(s.tool, tool) {
			if s.gen == e.dataGen {
				return s, false
			}
			at = i
			break
		}
	}
	if at < 0 && e.specs.full() {
		if time.Since(e.specs.sweptAt) < sweepInterval {
			return nil, false
		}
		e.specs.sweep()
		if e.specs.full() {
			return nil, false
		}
		list = e.specs.byKey[h]
	}
	if e.specs.byKey == nil {
		e.specs.byKey = map[int][]*specialised{}
	}
	s = &specialised{tool: tool, gen: e.dataGen, ready: make(chan struct{})}
	if at >= 0 {
		list[at] = s
	} else {
		e.specs.byKey[h] = append(list, s)
		e.specs.n++
	}
	return s, true
}

func (c *toolSpecs) full() bool {
	limit := c.limit
	if limit == 0 {
		limit = maxSpecialised
	}
	return c.n >= limit
}

// sweep drops the entries not decided on since the last sweep, and marks
// the others unused. Called with mu locked.
func (c *toolSpecs) sweep() {
	c.sweptAt = time.Now()
	for h, list := range c.byKey {
		kept := list[:0]
		for _, s := range list {
			if s.used.Swap(false) {
				kept = append(kept, s)
			}
		}
		c.n -= len(list) - len(kept)
		if len(kept) == 0 {
			delete(c.byKey, h)
		} else {
			c.byKey[h] = kept
		}
	}
}

// sameTool reports whether two tools are the same value written the same
// way: Compare holds 1 and 1.0 equal, but a residual may have read how a
// number was written (json.marshal).
func sameTool(a, b ast.Value) bool {
	return a == b || (a.Compare(b) == 0 && a.String() == b.String())
}

// runSpecialisation derives s's residual query. Called with dataMu
// read-locked.
func (e *Engine) runSpecialisation(s *specialised) {
	if e.dataGen == s.gen {
		s.q, s.err = e.specialiseToolCall(context.Background(), s.tool)
	} else {
		s.err = errors.New("policy: data changed during specialisation")
	}
	close(s.ready)
	if e.specs.hook != nil {
		e.specs.hook(s.tool, s.err)
	}
}

// specialiseToolCall partially evaluates the tool_call query for tool and
// prepares the residual. Called with dataMu read-locked.
func (e *Engine) specialiseToolCall(ctx context.Context, tool ast.Value) (*rego.PreparedEvalQuery, error) {
	known := ast.NewObject(
		ast.Item(ast.InternedTerm("kind"), ast.InternedTerm(KindToolCall)),
		ast.Item(ast.InternedTerm("tool"), ast.NewTerm(tool)),
	)
	unknowns := make([]string, len(specialisedKeys))
	for i, k := range specialisedKeys {
		unknowns[i] = "input." + k
	}
	pq, err := rego.New(
		rego.Compiler(e.compiler),
		rego.Store(e.store),
		rego.Query("x = data."+enginePkg+"."+KindToolCall+".results"),
		rego.ParsedInput(known),
		rego.Unknowns(unknowns),
		rego.PartialNamespace(enginePkg+"_partial"),
	).Partial(ctx)
	if err != nil {
		return nil, fmt.Errorf("policy: partial evaluation: %w", err)
	}
	if len(pq.Queries) != 1 {
		return nil, fmt.Errorf("policy: partial evaluation gave %d queries, not one", len(pq.Queries))
	}
	mods := map[string]*ast.Module{}
	e.addReferenced(mods, pq.Queries[0], pq.Support)
	for i, m := range pq.Support {
		key := fmt.Sprintf("%s_partial/%d.rego", enginePkg, i)
		for mods[key] != nil { // a bundle file of that name: pick another
			key += "_"
		}
		mods[key] = m
	}
	c := ast.NewCompiler().WithEnablePrintStatements(false)
	c.Compile(mods)
	if c.Failed() {
		return nil, fmt.Errorf("policy: compile residual: %w", c.Errors)
	}
	prep, err := rego.New(rego.Compiler(c), rego.Store(e.store), rego.ParsedQuery(pq.Queries[0])).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("policy: prepare residual: %w", err)
	}
	return &prep, nil
}

// addReferenced adds to mods every module of the bundle that the residual
// query and support modules refer to, and those they refer to in turn.
func (e *Engine) addReferenced(mods map[string]*ast.Module, q ast.Body, support []*ast.Module) {
	roots := []any{q}
	for _, m := range support {
		roots = append(roots, m)
	}
	for file := range e.referencedModules(roots...) {
		mods[file] = e.parsed[file]
	}
}

// referencedModules returns the files of the bundle's modules that roots
// refer to, and those they refer to in turn (a module is included whole
// when a reference reaches its package or anything under it).
func (e *Engine) referencedModules(roots ...any) map[string]bool {
	out := map[string]bool{}
	var queue []ast.Ref
	collect := func(x any) {
		ast.WalkRefs(x, func(r ast.Ref) bool {
			if r.HasPrefix(ast.DefaultRootRef) {
				queue = append(queue, r.GroundPrefix())
			}
			return false
		})
	}
	for _, r := range roots {
		collect(r)
	}
	for len(queue) > 0 {
		r := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for file, m := range e.compiler.Modules {
			if out[file] {
				continue
			}
			p := m.Package.Path
			if r.HasPrefix(p) || p.HasPrefix(r) {
				out[file] = true
				collect(m) // compiled: references resolved to data paths
			}
		}
	}
	return out
}

// clockBuiltins read the wall clock or the network, which partial
// evaluation would do once, at specialisation, though OPA does not mark
// all of them non-deterministic.
var clockBuiltins = map[string]bool{
	"crypto.x509.parse_and_verify_certificates":              true,
	"crypto.x509.parse_and_verify_certificates_with_options": true,
	"io.jwt.decode_verify":                                   true,
	"http.send":                                              true,
	"net.lookup_ip_addr":                                     true,
}

// ToolCallSpecialisation returns nil when the bundle's tool-call decisions
// are specialised per tool, and otherwise why they are not (the rule that
// keeps them from it, with its file and line).
func (e *Engine) ToolCallSpecialisation() error { return e.safeForSpecialisation() }

// safeForSpecialisation returns nil when every rule the tool-call query
// can reach is one whose errors partial evaluation cannot hide (see the
// comment at the top of this file), and otherwise why not.
func (e *Engine) safeForSpecialisation() error {
	e.unspecialisableOnce.Do(func() {
		e.unspecialisable = e.checkSpecialisable()
	})
	return e.unspecialisable
}

func (e *Engine) checkSpecialisable() error {
	var files []string
	root := ast.MustParseRef("data." + enginePkg + "." + KindToolCall)
	for file := range e.referencedModules(root) {
		files = append(files, file)
	}
	sort.Strings(files)
	groups := map[string][]*ast.Rule{}
	fileOf := map[string]string{}
	var order []string
	for _, file := range files {
		m := e.compiler.Modules[file]
		for _, r := range m.Rules {
			key := r.Ref().String()
			if groups[key] == nil {
				order = append(order, key)
				fileOf[key] = file
			}
			groups[key] = append(groups[key], r)
		}
		var bad error
		ast.WalkExprs(m, func(x *ast.Expr) bool {
			if bad == nil && len(x.With) > 0 {
				bad = fmt.Errorf("%s:%d uses with", file, row(x.Location))
			}
			return bad != nil
		})
		ast.WalkTerms(m, func(t *ast.Term) bool {
			if bad != nil {
				return true
			}
			var op ast.Ref
			switch v := t.Value.(type) {
			case ast.Call:
				op, _ = v[0].Value.(ast.Ref)
			case ast.Ref:
				op = v
			}
			if op != nil && clockBuiltins[op.String()] {
				bad = fmt.Errorf("%s:%d calls %s", file, row(t.Location), op)
			}
			return bad != nil
		})
		if bad != nil {
			return bad
		}
	}
	for _, key := range order {
		if err := conflictFree(groups[key]); err != nil {
			return fmt.Errorf("%s:%d: %s %w", fileOf[key], row(groups[key][0].Location), key, err)
		}
	}
	return nil
}

// row is loc's line, or 0 where the compiler made the term.
func row(loc *ast.Location) int {
	if loc == nil {
		return 0
	}
	return loc.Row
}

// conflictFree returns nil when the definitions rs of one rule or
// function cannot give conflicting values, or bound outputs change
// which definition answers.
func conflictFree(rs []*ast.Rule) error {
	head := rs[0].Head
	if head.RuleKind() == ast.MultiValue {
		return nil // a set takes every answer
	}
	function := len(head.Args) > 0
	var defs []*ast.Rule
	for _, r := range rs {
		if r.Default {
			if function {
				return errors.New("is a function with a default")
			}
			continue // a rule's default answers only when nothing else does
		}
		if !r.Head.Ref().IsGround() || r.Head.Key != nil {
			return errors.New("builds an object by key")
		}
		defs = append(defs, r)
	}
	// One constant value, however many definitions and branches give it.
	var value *ast.Term
	same := true
	for _, r := range defs {
		for b := r; b != nil; b = b.Else {
			if b.Head.Value == nil || !b.Head.Value.IsGround() || (value != nil && !value.Equal(b.Head.Value)) {
				same = false
			}
			value = b.Head.Value
		}
	}
	if same && !(function && hasElse(defs)) {
		return nil
	}
	if len(defs) > 1 {
		return errors.New("has several definitions with different values")
	}
	if function && hasElse(defs) {
		return errors.New("is a function with else branches")
	}
	for b := defs[0]; b != nil; b = b.Else {
		if iterates(b.Body) {
			return errors.New("may give several values (its body iterates)")
		}
	}
	return nil
}

func hasElse(rs []*ast.Rule) bool {
	for _, r := range rs {
		if r.Else != nil {
			return true
		}
	}
	return false
}

// iterates reports whether body may succeed more than once: whether it
// declares variables with some, looks anything up by a variable or calls
// a relation (walk); comprehensions and every, which give one value, are
// not looked into. It errs on the side of yes.
func iterates(body ast.Body) bool {
	found := false
	vis := ast.NewGenericVisitor(func(x any) bool {
		if found {
			return true
		}
		switch v := x.(type) {
		case *ast.SomeDecl:
			found = true
		case *ast.ArrayComprehension, *ast.SetComprehension, *ast.ObjectComprehension, *ast.Every:
			return true // one value, whatever it iterates over inside
		case ast.Ref:
			for _, t := range v[1:] {
				if _, isVar := t.Value.(ast.Var); isVar {
					found = true
				}
			}
		case *ast.Expr:
			// A relation (walk) answers once per match.
			if v.IsCall() {
				if b := ast.BuiltinMap[v.Operator().String()]; b != nil && b.Relation {
					found = true
				}
			}
		case ast.Call:
			if b := ast.BuiltinMap[v[0].String()]; b != nil && b.Relation {
				found = true
			}
		}
		return found
	})
	vis.Walk(body)
	return found
}
