package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// PolicyErrorCheck is the check reported when a policy fails to evaluate:
// the engine then denies (fails closed) with this check and the error.
var PolicyErrorCheck = &Check{
	ID:          "PAR-POLICY-ERROR",
	Title:       "A policy failed to evaluate",
	Severity:    string(inventory.Critical),
	Remediation: "Fix the policy named in the message; until then Parapet denies what the policy would decide on.",
}

// Error is a policy evaluation error. File and Line locate the rule that
// failed, where OPA reports it.
type Error struct {
	Kind  string // input kind being evaluated
	File  string
	Line  int
	Check string // the check id whose file failed, if known
	Err   error
}

func (e *Error) Error() string {
	where := ""
	if e.File != "" {
		where = fmt.Sprintf(" at %s:%d", e.File, e.Line)
		if e.Check != "" {
			where += " (check " + e.Check + ")"
		}
	}
	return fmt.Sprintf("policy error%s evaluating %s input: %v", where, e.Kind, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// eval runs the prepared query of input kind k on input and returns every
// rule result, sorted by check id, rule and message.
func (e *Engine) eval(ctx context.Context, k string, input ast.Value, opts ...rego.EvalOption) ([]Result, error) {
	q := e.queries[k]
	if q == nil {
		return nil, fmt.Errorf("policy: no query for input kind %q", k)
	}
	return e.evalQuery(ctx, q, k, input, "", opts...)
}

// evalQuery is eval with the prepared query q, whose results are the
// value of its expression, or of the variable named by binding if not "".
func (e *Engine) evalQuery(ctx context.Context, q *rego.PreparedEvalQuery, k string, input ast.Value, binding string, opts ...rego.EvalOption) ([]Result, error) {
	rs, err := q.Eval(ctx, append(opts, rego.EvalParsedInput(input))...)
	if err != nil {
		return nil, e.describe(k, err)
	}
	var v any
	switch {
	case len(rs) == 0:
		return nil, nil
	case binding != "":
		v = rs[0].Bindings[binding]
	case len(rs[0].Expressions) == 0:
		return nil, nil
	default:
		v = rs[0].Expressions[0].Value
	}
	raw, ok := v.([]any)
	if !ok {
		return nil, &Error{Kind: k, Err: fmt.Errorf("results are %T, not a set", v)}
	}
	out := make([]Result, 0, len(raw))
	for _, x := range raw {
		m, _ := x.(map[string]any)
		idx, _ := m["c"].(json.Number).Int64()
		c := e.byIndex[int(idx)]
		rule, _ := m["t"].(string)
		r, err := toResult(c, rule, m["r"])
		if err != nil {
			return nil, &Error{Kind: k, File: c.File, Check: c.ID, Err: err}
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Check.ID != b.Check.ID {
			return a.Check.ID < b.Check.ID
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.Msg < b.Msg
	})
	return out, nil
}

// toResult reads one answer of a rule: a string (the message) or an object
// with "msg" and optional "severity", "resource", "field" and other keys.
func toResult(c *Check, rule string, v any) (Result, error) {
	r := Result{Check: c, Rule: rule, Severity: c.Severity}
	if rule == "warn" {
		r.Severity = string(inventory.Info)
	}
	switch x := v.(type) {
	case string:
		r.Msg = x
		return r, nil
	case map[string]any:
		msg, ok := x["msg"].(string)
		if !ok {
			return r, fmt.Errorf("%s answer has no string \"msg\": %s", rule, compact(x))
		}
		r.Msg = msg
		for k, val := range x {
			switch k {
			case "msg":
			case "severity":
				s, _ := val.(string)
				sev, err := inventory.ParseSeverity(s)
				if err != nil || sev == "none" {
					return r, fmt.Errorf("%s answer has severity %v, not critical, high, medium, low or info", rule, val)
				}
				r.Severity = string(sev)
			case "resource":
				r.Resource, _ = val.(string)
			case "field":
				r.Field, _ = val.(string)
			default:
				if r.Details == nil {
					r.Details = map[string]any{}
				}
				r.Details[k] = val
			}
		}
		return r, nil
	}
	return r, fmt.Errorf("%s answer must be a string or an object with \"msg\", got %s", rule, compact(v))
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 200 {
		b = append(b[:200], "..."...)
	}
	return string(b)
}

// describe turns an OPA evaluation error into an *Error naming the file,
// line and check.
func (e *Engine) describe(k string, err error) error {
	pe := &Error{Kind: k, Err: err}
	var te *topdown.Error
	if errors.As(err, &te) && te.Location != nil {
		pe.File, pe.Line = te.Location.File, te.Location.Row
		pe.Err = errors.New(te.Message)
		for _, c := range e.checks {
			if c.File == te.Location.File {
				pe.Check = c.ID
			}
		}
	}
	return pe
}

// errorResult is the deny result the engine gives when evaluation fails.
func errorResult(err error) Result {
	return Result{Check: PolicyErrorCheck, Rule: "deny", Severity: PolicyErrorCheck.Severity, Msg: err.Error()}
}

// Admission evaluates every admission check on one AdmissionRequest (the
// "request" member of an AdmissionReview, JSON). On a policy error it
// returns the error and a result that denies with it, so that callers that
// only look at the result still fail closed.
func (e *Engine) Admission(ctx context.Context, request []byte) (AdmissionResult, error) {
	review, err := ast.ValueFromReader(bytes.NewReader(request))
	if err != nil {
		err = fmt.Errorf("policy: admission request is not JSON: %w", err)
		return AdmissionResult{Denied: []Result{errorResult(err)}}, err
	}
	return e.AdmissionValue(ctx, review)
}

// AdmissionValue is Admission for a request already parsed into a Rego value.
func (e *Engine) AdmissionValue(ctx context.Context, review ast.Value) (AdmissionResult, error) {
	input := ast.NewObject(
		ast.Item(ast.StringTerm("kind"), ast.StringTerm(KindAdmission)),
		ast.Item(ast.StringTerm("review"), ast.NewTerm(review)),
	)
	e.dataMu.RLock()
	rs, err := e.eval(ctx, KindAdmission, input)
	e.dataMu.RUnlock()
	if err != nil {
		return AdmissionResult{Denied: []Result{errorResult(err)}}, err
	}
	var out AdmissionResult
	for _, r := range rs {
		if r.Rule == "deny" {
			out.Denied = append(out.Denied, r)
		} else {
			out.Warnings = append(out.Warnings, r)
		}
	}
	return out, nil
}

// ToolCall decides on one tool call. A deny result beats approve, which beats
// redact; with none of them the call is allowed. On a policy error the
// decision is a deny naming the error (fail closed), returned with the error.
func (e *Engine) ToolCall(ctx context.Context, in ToolCallInput) (Decision, error) {
	if in.Arguments == nil {
		in.Arguments = map[string]any{}
	}
	v, err := toValue(struct {
		Kind string `json:"kind"`
		ToolCallInput
	}{KindToolCall, in})
	if err != nil {
		err = fmt.Errorf("policy: tool call input: %w", err)
		return Decision{Verdict: Deny, Reason: err.Error()}, err
	}
	return e.ToolCallValue(ctx, v)
}

// ToolCallValue is ToolCall for an input already built as an OPA value of
// the tool_call shape, "kind" included. A proxy deciding on every call
// builds the parts that do not change between calls (the tool, a session's
// history) once and reuses them, instead of converting them each time.
func (e *Engine) ToolCallValue(ctx context.Context, v ast.Value) (Decision, error) {
	e.dataMu.RLock()
	rs, ok, err := e.toolCallSpecialised(ctx, v)
	if !ok {
		rs, err = e.eval(ctx, KindToolCall, v)
	}
	e.dataMu.RUnlock()
	if err != nil {
		return Decision{Verdict: Deny, Reason: err.Error(), Results: []Result{errorResult(err)}}, err
	}
	d := Decision{Verdict: Allow, Results: rs}
	for _, verdict := range []Verdict{Deny, Approve, Redact} {
		var msgs []string
		for _, r := range rs {
			if r.Rule == string(verdict) {
				msgs = append(msgs, r.Msg)
			}
		}
		if len(msgs) > 0 {
			d.Verdict, d.Reason = verdict, strings.Join(msgs, "; ")
			break
		}
	}
	return d, nil
}

// Resources evaluates every resource check on the nodes of snap, in
// parallel, with data.parapet.inventory reading snap where a policy uses
// it, and returns the findings. Each node is evaluated only against the
// checks that can answer on its kind (see resourceKinds); nodes of kinds no
// check can answer on are not evaluated. A node is converted to a Rego
// value when it is evaluated, and a neighbour when a rule reads it (see
// inventoryStore): the inventory is never copied whole unless a policy
// iterates over all of it. A policy error stops the run (fail closed).
func (e *Engine) Resources(ctx context.Context, snap *inventory.Snapshot) ([]inventory.Finding, error) {
	if !e.hasResourceChecks {
		return nil, nil
	}
	e.dataMu.RLock()
	defer e.dataMu.RUnlock()

	evalCtx := withInventory(ctx, newInventoryView(snap))
	nodes := snap.Nodes
	per := make([][]inventory.Finding, len(nodes))
	err := parallel(ctx, len(nodes), func(i int) error {
		q := e.kindQueries[nodes[i].Kind]
		if q == nil {
			q = e.anyQuery
		}
		if q == nil {
			return nil
		}
		fs, err := e.resource(evalCtx, q, nodes[i])
		if err != nil {
			return fmt.Errorf("%s: %w", nodes[i].ID, err)
		}
		per[i] = fs
		return nil
	})
	if err != nil {
		return nil, err
	}
	total := 0
	for _, fs := range per {
		total += len(fs)
	}
	out := make([]inventory.Finding, 0, total)
	for _, fs := range per {
		out = append(out, fs...)
	}
	return out, nil
}

// parallel runs f(0..n-1) on GOMAXPROCS workers in batches of consecutive
// indexes and returns the first error; it stops early when ctx ends.
func parallel(ctx context.Context, n int, f func(i int) error) error {
	const batch = 256
	workers := min(runtime.GOMAXPROCS(0), max(1, (n+batch-1)/batch))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range next {
				for i := lo; i < min(lo+batch, n); i++ {
					if err := f(i); err != nil {
						mu.Lock()
						if first == nil {
							first = err
						}
						mu.Unlock()
						break
					}
				}
			}
		}()
	}
	for lo := 0; lo < n; lo += batch {
		if ctx.Err() != nil {
			break
		}
		next <- lo
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// resource evaluates one node with the prepared query q.
func (e *Engine) resource(ctx context.Context, q *rego.PreparedEvalQuery, n *inventory.Node) ([]inventory.Finding, error) {
	nv, err := nodeValue(n)
	if err != nil {
		return nil, err
	}
	input := ast.NewObject(
		ast.Item(ast.StringTerm("kind"), ast.StringTerm(KindResource)),
		ast.Item(ast.StringTerm("resource"), ast.NewTerm(nv)),
	)
	rs, err := e.evalQuery(ctx, q, KindResource, input, "")
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, nil
	}
	out := make([]inventory.Finding, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Finding(n.ID, SourceLocation(n.Source)))
	}
	return out, nil
}

// Finding turns a result into a finding on resource id (or on the resource
// the rule named), located at loc.
func (r Result) Finding(id string, loc *inventory.Location) inventory.Finding {
	if r.Resource != "" {
		id = r.Resource
	}
	ev := map[string]any{"message": r.Msg, "rule": r.Rule}
	if r.Field != "" {
		ev["field"] = r.Field
	}
	for k, v := range r.Details {
		ev[k] = v
	}
	return inventory.Finding{
		Check:       r.Check.ID,
		Title:       r.Check.Title,
		Severity:    inventory.Severity(r.Severity),
		Resources:   []string{id},
		Evidence:    ev,
		Remediation: r.Check.Remediation,
		Frameworks:  r.Check.Frameworks,
		Location:    loc,
	}
}

// SourceLocation reads a node's Source ("file", "file:line" or
// "file:line:col") into a location; nil when empty.
func SourceLocation(src string) *inventory.Location {
	if src == "" {
		return nil
	}
	loc := &inventory.Location{File: src}
	parts := strings.Split(src, ":")
	nums := []int{}
	for len(parts) > 1 && len(nums) < 2 {
		n, err := strconv.Atoi(parts[len(parts)-1])
		if err != nil || n <= 0 {
			break
		}
		nums = append([]int{n}, nums...)
		parts = parts[:len(parts)-1]
	}
	if len(nums) > 0 {
		loc.File = strings.Join(parts, ":")
		loc.Line = nums[0]
		if len(nums) > 1 {
			loc.Column = nums[1]
		}
	}
	return loc
}

// InventoryData is the shape of data.parapet.inventory for snap: nodes by
// id, and the edges leaving ("out") and entering ("in") each node.
func InventoryData(snap *inventory.Snapshot) map[string]any {
	nodes := make(map[string]any, len(snap.Nodes))
	for _, n := range snap.Nodes {
		nodes[n.ID] = n
	}
	out := map[string][]*inventory.Edge{}
	in := map[string][]*inventory.Edge{}
	for _, ed := range snap.Edges {
		out[ed.From] = append(out[ed.From], ed)
		in[ed.To] = append(in[ed.To], ed)
	}
	return map[string]any{"nodes": nodes, "out": out, "in": in}
}

// inventoryValue builds data.parapet.inventory (the InventoryData shape) as
// a Rego value from the nodes' values, without a second conversion.
func inventoryValue(snap *inventory.Snapshot, values []ast.Value) (ast.Value, error) {
	nodes := ast.NewObject()
	for i, n := range snap.Nodes {
		nodes.Insert(ast.StringTerm(n.ID), ast.NewTerm(values[i]))
	}
	out := map[string][]*ast.Term{}
	in := map[string][]*ast.Term{}
	for _, ed := range snap.Edges {
		t, err := edgeTerm(ed)
		if err != nil {
			return nil, err
		}
		out[ed.From] = append(out[ed.From], t)
		in[ed.To] = append(in[ed.To], t)
	}
	byNode := func(m map[string][]*ast.Term) ast.Object {
		o := ast.NewObject()
		for id, ts := range m {
			o.Insert(ast.StringTerm(id), ast.ArrayTerm(ts...))
		}
		return o
	}
	return ast.NewObject(
		ast.Item(ast.StringTerm("nodes"), ast.NewTerm(nodes)),
		ast.Item(ast.StringTerm("out"), ast.NewTerm(byNode(out))),
		ast.Item(ast.StringTerm("in"), ast.NewTerm(byNode(in))),
	), nil
}

// SetClusterInventory replaces data.inventory, the Gatekeeper-style cache of
// cluster objects some admission rules read (data.inventory.cluster[gv][kind][name]
// and data.inventory.namespace[ns][gv][kind][name]). objs are Kubernetes
// objects as JSON-decoded maps.
func (e *Engine) SetClusterInventory(ctx context.Context, objs []map[string]any) error {
	cluster := map[string]any{}
	namespaced := map[string]any{}
	for _, o := range objs {
		gv, _ := o["apiVersion"].(string)
		kind, _ := o["kind"].(string)
		md, _ := o["metadata"].(map[string]any)
		name, _ := md["name"].(string)
		ns, _ := md["namespace"].(string)
		if gv == "" || kind == "" || name == "" {
			continue
		}
		root := cluster
		if ns != "" {
			root = child(namespaced, ns)
		}
		child(child(root, gv), kind)[name] = o
	}
	e.dataMu.Lock()
	defer e.dataMu.Unlock()
	return e.writeData(ctx, storage.MustParsePath("/inventory"), map[string]any{"cluster": cluster, "namespace": namespaced})
}

func child(m map[string]any, k string) map[string]any {
	c, ok := m[k].(map[string]any)
	if !ok {
		c = map[string]any{}
		m[k] = c
	}
	return c
}

// writeData replaces the document at p in the engine's store. A Rego value
// is stored as it is; anything else through its JSON encoding.
func (e *Engine) writeData(ctx context.Context, p storage.Path, v any) error {
	if _, ok := v.(ast.Value); !ok {
		v = jsonValue(v)
	}
	e.dataGen++ // specialised tool-call queries may have read the old data
	return storage.Txn(ctx, e.store, storage.WriteParams, func(txn storage.Transaction) error {
		return e.store.Write(ctx, txn, storage.ReplaceOp, p, v)
	})
}

// nodeValue converts a node to the Rego value of its JSON encoding, field
// by field: props go through ast.InterfaceToValue, which converts JSON-like
// Go values directly (and other types through JSON).
func nodeValue(n *inventory.Node) (ast.Value, error) {
	o := ast.NewObject(
		ast.Item(ast.StringTerm("id"), ast.StringTerm(n.ID)),
		ast.Item(ast.StringTerm("kind"), ast.StringTerm(n.Kind)),
	)
	for _, f := range [...]struct{ k, v string }{
		{"provider", n.Provider}, {"account", n.Account}, {"region", n.Region},
		{"name", n.Name}, {"sensitivity", string(n.Sensitivity)}, {"source", n.Source},
	} {
		if f.v != "" {
			o.Insert(ast.StringTerm(f.k), ast.StringTerm(f.v))
		}
	}
	if len(n.Tags) > 0 {
		tags := ast.NewObject()
		for k, v := range n.Tags {
			tags.Insert(ast.StringTerm(k), ast.StringTerm(v))
		}
		o.Insert(ast.StringTerm("tags"), ast.NewTerm(tags))
	}
	if len(n.Props) > 0 {
		props, err := ast.InterfaceToValue(n.Props)
		if err != nil {
			return nil, err
		}
		o.Insert(ast.StringTerm("props"), ast.NewTerm(props))
	}
	return o, nil
}

// toValue converts a Go value to a Rego value through its JSON encoding.
func toValue(v any) (ast.Value, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return ast.ValueFromReader(bytes.NewReader(b))
}

// jsonValue converts v to plain JSON types (maps, slices, json.Number), as
// the store wants them.
func jsonValue(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("policy: data is not JSON: %v", err))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		panic(fmt.Sprintf("policy: data is not JSON: %v", err))
	}
	return out
}
