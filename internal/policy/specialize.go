package policy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

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
// from then on. Partial evaluation preserves the policy's meaning, and
// TestSpecialisedToolCallMatchesWhole and FuzzSpecialisedToolCall hold
// the two to the same decisions.
//
// A tool is specialised in the background the first time it is decided on
// (the call itself is decided by the whole query), so no call waits for
// it. The whole query stays in use for a tool whenever specialisation
// fails or does not apply: partial evaluation gave no single residual, the
// cache is full, the data the policies read changed since (the residual
// may have read it), or the input carries keys the specialisation did not
// treat as unknown.

// specialisedKeys are the input keys a specialised decision treats as
// unknown; an input with any other key besides kind and tool is decided by
// the whole query.
var specialisedKeys = []string{"agent", "session", "arguments", "task"}

// maxSpecialised bounds the tools specialised per engine: beyond it, new
// tools are decided by the whole query.
const maxSpecialised = 4096

// specialised is one tool's residual query, or why there is none.
type specialised struct {
	tool  ast.Value
	gen   uint64 // data generation the residual was derived under
	ready chan struct{}
	q     *rego.PreparedEvalQuery // nil: use the whole query
	err   error                   // why q is nil
}

// toolSpecs is an engine's cache of specialised tools, by input.tool hash.
type toolSpecs struct {
	mu    sync.Mutex
	byKey map[int][]*specialised
	n     int
	// sync makes decisions wait for a tool's specialisation instead of
	// using the whole query meanwhile (tests).
	sync bool
	// hook, if set, is called once each specialisation has finished.
	hook func(tool ast.Value, err error)
}

var errNotSpecialised = errors.New("policy: no specialised query")

// toolCallSpecialised decides on input with the tool's residual query when
// there is one for the current data, starting its specialisation if not.
// ok is false when the whole query must decide.
func (e *Engine) toolCallSpecialised(ctx context.Context, input ast.Value) (rs []Result, ok bool, err error) {
	obj, isObj := input.(ast.Object)
	if !isObj || !specialisable(obj) {
		return nil, false, nil
	}
	tool := obj.Get(ast.InternedTerm("tool")).Value
	s := e.specialisation(tool)
	if s == nil {
		return nil, false, nil
	}
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
		// The whole query fails too, and names the file and rule (the
		// residual's error names generated modules): let it decide.
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
// specs.sync); nil when the cache is full. Called with dataMu read-locked.
func (e *Engine) specialisation(tool ast.Value) *specialised {
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
// none or the one there is stale; nil when the cache is full.
func (e *Engine) specEntry(tool ast.Value) (s *specialised, fresh bool) {
	h := tool.Hash()
	e.specs.mu.Lock()
	defer e.specs.mu.Unlock()
	list := e.specs.byKey[h]
	at := -1
	for i, s := range list {
		if s.tool == tool || s.tool.Compare(tool) == 0 {
			if s.gen == e.dataGen {
				return s, false
			}
			at = i
			break
		}
	}
	if at < 0 && e.specs.n >= maxSpecialised {
		return nil, false
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
		rego.DisableInlining(e.conflictable()),
		rego.PartialNamespace(enginePkg+"_partial"),
	).Partial(ctx)
	if err != nil {
		return nil, fmt.Errorf("policy: partial evaluation: %w", err)
	}
	if len(pq.Queries) != 1 {
		return nil, fmt.Errorf("%w: partial evaluation gave %d queries", errNotSpecialised, len(pq.Queries))
	}
	mods := map[string]*ast.Module{}
	for i, m := range pq.Support {
		mods[fmt.Sprintf("%s_partial/%d.rego", enginePkg, i)] = m
	}
	e.addReferenced(mods, pq.Queries[0], pq.Support)
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

// conflictable lists the rules whose evaluation can fail on a conflict:
// complete rules and functions defined more than once with values that
// are not all one constant, and rules building objects by key. Inlining
// such a rule into its callers (what partial evaluation does by default)
// would turn the conflict, an error that must deny, into several answers;
// kept out of line, the residual evaluates them as rules and fails as the
// whole query does.
func (e *Engine) conflictable() []string {
	e.noInlineOnce.Do(func() {
		type group struct {
			rules  []*ast.Rule
			object bool
		}
		groups := map[string]*group{}
		for _, m := range e.compiler.Modules {
			ast.WalkRules(m, func(r *ast.Rule) bool {
				if r.Default {
					return true // a default is taken only when nothing else answers
				}
				key := r.Ref().String()
				if r.Head.RuleKind() == ast.MultiValue {
					return true // sets take every answer
				}
				g := groups[key]
				if g == nil {
					g = &group{}
					groups[key] = g
				}
				g.rules = append(g.rules, r)
				if !r.Head.Ref().IsGround() || r.Head.Key != nil {
					g.object = true
				}
				return true // else branches are walked too: their values count
			})
		}
		for key, g := range groups {
			same := true
			for _, r := range g.rules {
				if r.Head.Value == nil || !r.Head.Value.IsGround() || !r.Head.Value.Equal(g.rules[0].Head.Value) {
					same = false
				}
			}
			if g.object || (len(g.rules) > 1 && !same) {
				e.noInline = append(e.noInline, key)
			}
		}
		sort.Strings(e.noInline)
	})
	return e.noInline
}

// addReferenced adds to mods every module of the bundle that the residual
// query and support modules refer to, and those they refer to in turn.
func (e *Engine) addReferenced(mods map[string]*ast.Module, q ast.Body, support []*ast.Module) {
	var queue []ast.Ref
	collect := func(x any) {
		ast.WalkRefs(x, func(r ast.Ref) bool {
			if r.HasPrefix(ast.DefaultRootRef) {
				queue = append(queue, r.GroundPrefix())
			}
			return false
		})
	}
	collect(q)
	for _, m := range support {
		collect(m)
	}
	for len(queue) > 0 {
		r := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for file, m := range e.compiler.Modules {
			if _, done := mods[file]; done {
				continue
			}
			p := m.Package.Path
			if r.HasPrefix(p) || p.HasPrefix(r) {
				mods[file] = e.parsed[file]
				collect(m) // compiled: references resolved to data paths
			}
		}
	}
}
