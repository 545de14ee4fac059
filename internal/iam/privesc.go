package iam

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// SchemaEscalation is the version of the JSON `parapet iam analyze` prints.
const SchemaEscalation = "parapet.iam.analyze/v1"

// Check ids of escalation findings.
const (
	CheckEscalationToAdmin = "PAR-AWS-IAM-001" // a principal can become admin-equivalent
	CheckLateralMovement   = "PAR-AWS-IAM-002" // a principal can gain another, non-admin, principal's identity or permissions
)

// PrincipalStatus is one principal of an analysis.
type PrincipalStatus struct {
	ARN    string
	Kind   string
	Status AdminStatus
	// Incomplete lists what the input lacks for this principal: its paths
	// may be missing some (as Principal.Incomplete).
	Incomplete []string
}

// EscalationPath is a chain of escalation edges from a principal to the
// principal whose identity or permissions it ends up with.
type EscalationPath struct {
	From, To string
	// Admin says whether the path ends with administrator power: To is
	// admin-equivalent, or the last step gives control of To's policies
	// and nothing caps what can be granted.
	Admin bool
	// Conditions gathers the conditions of every step; the path holds only
	// if all hold.
	Conditions []Condition
	// Potential is set when a step needs a resource the inventory does
	// not show.
	Potential bool
	Steps     []*EscalationEdge
}

// Conditional reports whether the path holds only under conditions.
func (p *EscalationPath) Conditional() bool { return len(p.Conditions) > 0 }

// Escalation is the result of an escalation analysis.
type Escalation struct {
	Principals []PrincipalStatus // sorted by ARN
	Edges      []*EscalationEdge // every edge, sorted
	Paths      []*EscalationPath // ranked: admin first, then concrete, unconditional, short
}

// AnalyzeEscalation builds the privilege-escalation graph of m and finds,
// for each principal, the one-step escalations it has and the shortest
// multi-step paths to administrator power.
func AnalyzeEscalation(m *Model, opt AnalyzeOptions) *Escalation {
	a := newAnalyzer(m, opt)
	n := len(a.principals)

	direct := make([]AdminStatus, n)
	parallel(n, a.opt.Workers, func(i int) { direct[i] = m.allowsAll(a.principals[i]) })

	edges := make([][]*EscalationEdge, n)
	parallel(n, a.opt.Workers, func(i int) {
		p := a.principals[i]
		if p.Kind == KindGroup || (direct[i].Admin && len(direct[i].Conditions) == 0) {
			return // groups are never callers; a full administrator has nothing to gain
		}
		edges[i] = a.edgesFrom(i)
		sortEdges(edges[i]) // principals are sorted by ARN: the concatenation is sorted too
	})

	res := &Escalation{Principals: make([]PrincipalStatus, n)}
	ceiling := make([]bool, n)
	for i, p := range a.principals {
		ceiling[i] = ceilingOpen(p)
		st := direct[i]
		if !st.Admin || len(st.Conditions) > 0 {
			// One step of its own: a self-escalation that gives control of
			// its own policies with nothing capping the grant.
			for _, e := range edges[i] {
				if e.To == p.ARN && e.Technique.Gain == GainControl && !e.Potential && ceiling[i] {
					cand := AdminStatus{Admin: true, Conditions: e.Conditions, Reason: "can grant itself every permission (" + e.Technique.ID + " " + e.Technique.Name + ")", Evidence: e.EvidenceStrings()}
					if !st.Admin || len(cand.Conditions) < len(st.Conditions) {
						st = cand
					}
				}
			}
		}
		res.Principals[i] = PrincipalStatus{ARN: p.ARN, Kind: p.Kind, Status: st, Incomplete: p.Incomplete}
		res.Edges = append(res.Edges, edges[i]...)
	}

	isAdmin := func(i int) bool { return res.Principals[i].Status.Admin }
	// endsAdmin: reaching j through e gives administrator power.
	endsAdmin := func(e *EscalationEdge, j int) bool {
		return isAdmin(j) || (e.Technique.Gain == GainControl && ceiling[j])
	}
	best := make([][]*EscalationEdge, n)
	parallel(n, a.opt.Workers, func(i int) {
		best[i] = bestPerTarget(edges[i])
		// Name the evidence now, each edge by the goroutine of its own
		// principal, so that output can be encoded in parallel.
		for _, e := range best[i] {
			e.EvidenceStrings()
		}
	})

	// How many steps each principal is from administrator power (0: it
	// cannot get there): the searches below expand only principals that
	// can still get there within MaxDepth.
	a.toAdmin = stepsToAdmin(best, endsAdmin)

	paths := make([][]*EscalationPath, n)
	parallel(n, a.opt.Workers, func(i int) {
		switch {
		case len(best[i]) == 0:
		case isAdmin(i):
			// An administrator has nothing more to gain: report only the
			// step of its own that makes it one.
			for _, e := range best[i] {
				if e.To == e.From && endsAdmin(e, i) {
					paths[i] = append(paths[i], newPath([]*EscalationEdge{e}, true))
				}
			}
		default:
			paths[i] = a.pathsFrom(i, best, endsAdmin)
		}
	})
	for _, ps := range paths {
		for _, p := range ps {
			// A path that ends at a principal that is an administrator
			// only under conditions holds only under them too.
			last := p.Steps[len(p.Steps)-1]
			if p.Admin && !(last.Technique.Gain == GainControl && ceiling[last.to]) {
				p.Conditions = append(p.Conditions, res.Principals[last.to].Status.Conditions...)
			}
		}
		res.Paths = append(res.Paths, ps...)
	}
	rankPaths(res.Paths)
	return res
}

// pathsFrom returns the one-step paths out of principal i and the shortest
// multi-step paths (breadth first, bounded by MaxDepth and
// MaxPathsPerPrincipal) to principals it can reach with administrator
// power.
func (a *analyzer) pathsFrom(i int, edges [][]*EscalationEdge, endsAdmin func(*EscalationEdge, int) bool) []*EscalationPath {
	var out []*EscalationPath
	for _, e := range edges[i] {
		if admin := endsAdmin(e, e.to); admin || a.opt.Lateral {
			out = append(out, newPath([]*EscalationEdge{e}, admin))
		}
	}
	// Breadth-first search over principals for longer paths to admin.
	v := a.visits.Get().(*visits)
	defer a.visits.Put(v)
	v.reset(len(a.principals))
	v.mark(i, -1, nil)
	frontier := []int{i}
	found := 0
	// chain returns the steps from i to j through u and e.
	chain := func(u int, e *EscalationEdge) []*EscalationEdge {
		steps := []*EscalationEdge{e}
		for k := u; k != i; k = int(v.prev[k]) {
			steps = append(steps, v.via[k])
		}
		for l, r := 0, len(steps)-1; l < r; l, r = l+1, r-1 {
			steps[l], steps[r] = steps[r], steps[l]
		}
		return steps
	}
	for depth := 1; depth <= a.opt.MaxDepth && len(frontier) > 0 && found < a.opt.MaxPathsPerPrincipal; depth++ {
		var next []int
		for _, u := range frontier {
			for _, e := range edges[u] {
				j := e.to
				admin := endsAdmin(e, j)
				if v.seen(j) {
					// Reached before without administrator power (its
					// identity), now with it (control of its policies).
					if admin && !v.admin(j) && depth > 1 && found < a.opt.MaxPathsPerPrincipal {
						v.markAdmin(j)
						out = append(out, newPath(chain(u, e), true))
						found++
					}
					continue
				}
				v.mark(j, u, e)
				if admin {
					v.markAdmin(j)
					if depth > 1 && found < a.opt.MaxPathsPerPrincipal {
						out = append(out, newPath(chain(u, e), true))
						found++
					}
					continue // nothing more to gain past an administrator
				}
				if d := int(a.toAdmin[j]); d > 0 && depth+d <= a.opt.MaxDepth {
					next = append(next, j)
				}
			}
		}
		frontier = next
	}
	return out
}

// stepsToAdmin returns, for each principal, the number of steps of its
// shortest path to administrator power through principals that are not
// administrators, or 0 when it has none: a breadth-first search backwards
// from the principals with a step that ends in administrator power.
func stepsToAdmin(edges [][]*EscalationEdge, endsAdmin func(*EscalationEdge, int) bool) []int32 {
	n := len(edges)
	dist := make([]int32, n)
	rev := make([][]int32, n)
	var queue []int
	for u, es := range edges {
		for _, e := range es {
			if endsAdmin(e, e.to) {
				if dist[u] == 0 {
					dist[u] = 1
					queue = append(queue, u)
				}
				continue
			}
			rev[e.to] = append(rev[e.to], int32(u))
		}
	}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, u := range rev[v] {
			if dist[u] == 0 {
				dist[u] = dist[v] + 1
				queue = append(queue, int(u))
			}
		}
	}
	return dist
}

// visits is the breadth-first search state of one goroutine, reused from
// search to search: a generation stamp marks the principals seen.
type visits struct {
	gen        uint32
	stamp      []uint32 // seen in this search
	adminStamp []uint32 // reached with administrator power in this search
	prev       []int32
	via        []*EscalationEdge
}

func (v *visits) reset(n int) {
	if len(v.stamp) < n {
		v.stamp = make([]uint32, n)
		v.adminStamp = make([]uint32, n)
		v.prev = make([]int32, n)
		v.via = make([]*EscalationEdge, n)
		v.gen = 0
	}
	v.gen++
}

func (v *visits) admin(i int) bool { return v.adminStamp[i] == v.gen }

func (v *visits) markAdmin(i int) { v.adminStamp[i] = v.gen }

func (v *visits) seen(i int) bool { return v.stamp[i] == v.gen }

func (v *visits) mark(i, prev int, via *EscalationEdge) {
	v.stamp[i], v.prev[i], v.via[i] = v.gen, int32(prev), via
}

func newPath(steps []*EscalationEdge, admin bool) *EscalationPath {
	p := &EscalationPath{From: steps[0].From, To: steps[len(steps)-1].To, Admin: admin, Steps: steps}
	for _, s := range steps {
		p.Conditions = append(p.Conditions, s.Conditions...)
		p.Potential = p.Potential || s.Potential
	}
	return p
}

// rankPaths orders paths the way their findings sort: by severity (admin
// first, then concrete before potential, unconditional before
// conditional), then by the principal they start from, then shorter first.
func rankPaths(ps []*EscalationPath) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if ra, rb := a.Severity().Rank(), b.Severity().Rank(); ra != rb {
			return ra > rb
		}
		if a.From != b.From {
			return a.From < b.From
		}
		if a.Admin != b.Admin {
			return a.Admin
		}
		if a.Potential != b.Potential {
			return !a.Potential
		}
		if a.Conditional() != b.Conditional() {
			return !a.Conditional()
		}
		if len(a.Steps) != len(b.Steps) {
			return len(a.Steps) < len(b.Steps)
		}
		if a.To != b.To {
			return a.To < b.To
		}
		return a.Steps[0].Technique.ID < b.Steps[0].Technique.ID
	})
}

// Severity of a path's finding: admin paths are critical (high when they
// depend on conditions or on a resource not in the inventory), lateral ones
// medium (low when conditional or potential).
func (p *EscalationPath) Severity() inventory.Severity {
	weak := p.Conditional() || p.Potential
	switch {
	case p.Admin && !weak:
		return inventory.Critical
	case p.Admin:
		return inventory.High
	case !weak:
		return inventory.Medium
	}
	return inventory.Low
}

// Findings turns every path into a finding, in the order of Paths, which is
// the order report.Sort gives.
func (r *Escalation) Findings() []inventory.Finding {
	out := make([]inventory.Finding, 0, len(r.Paths))
	for _, p := range r.Paths {
		out = append(out, p.Finding())
	}
	return out
}

// Frameworks an escalation finding maps to: least privilege, agent
// identity and privilege abuse, excessive agency.
var escalationFrameworks = []string{"nist-800-53:AC-6", "owasp-asi-2026:ASI03", "owasp-llm-2025:LLM06"}

// Finding describes the path as a finding, with the path as ordered edges
// of kind can_escalate_to, the evidence and the least-privilege fix.
func (p *EscalationPath) Finding() inventory.Finding {
	f := inventory.Finding{
		Check:      CheckLateralMovement,
		Severity:   p.Severity(),
		Resources:  []string{p.From, p.To},
		Frameworks: escalationFrameworks,
	}
	if p.From == p.To {
		f.Resources = f.Resources[:1]
	}
	ids := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		ids[i] = s.Technique.ID
	}
	how := strings.Join(ids, " then ")
	switch {
	case p.Admin && p.From == p.To:
		f.Check = CheckEscalationToAdmin
		f.Title = shortARN(p.From) + " can grant itself administrator access (" + how + ")"
	case p.Admin:
		f.Check = CheckEscalationToAdmin
		f.Title = shortARN(p.From) + " can escalate to administrator through " + shortARN(p.To) + " (" + how + ")"
	case p.From == p.To:
		f.Title = shortARN(p.From) + " can widen its own permissions (" + how + ")"
	default:
		f.Title = shortARN(p.From) + " can gain the permissions of " + shortARN(p.To) + " (" + how + ")"
	}
	if p.Potential {
		f.Title += ", if the resource it needs exists"
	}
	steps := make([]findingStep, len(p.Steps))
	fixes := make([]string, 0, len(p.Steps))
	f.Path = make([]inventory.Edge, len(p.Steps))
	for i, s := range p.Steps {
		f.Path[i] = inventory.Edge{From: s.From, To: s.To, Kind: inventory.EdgeCanEscalateTo,
			Props: map[string]any{"technique": s.Technique.ID, "actions": s.Actions}}
		steps[i] = findingStep{Technique: s.Technique.ID, Resources: s.Resources, Evidence: nonNil(s.EvidenceStrings()), Via: s.Via}
		fixes = append(fixes, s.Technique.Remediation+" ("+strings.Join(s.Actions, ", ")+" on "+shortARN(s.From)+")")
	}
	f.Evidence = map[string]any{"steps": steps}
	if p.Conditional() {
		f.Evidence["conditions"] = conditionStrings(p.Conditions)
	}
	if p.Potential {
		f.Evidence["potential"] = true
	}
	f.Remediation = strings.Join(dedupe(fixes), "; ")
	return f
}

func shortARN(arn string) string {
	if r := arnPart(arn, 5); r != "" {
		return r
	}
	return arn
}

func conditionStrings(cs []Condition) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.String())
	}
	return dedupe(out)
}

// findingStep is the evidence of one step in a finding: the path's edges
// already say who, to whom and with which actions.
type findingStep struct {
	Technique string   `json:"technique"`
	Resources []string `json:"resources"`
	Evidence  []string `json:"evidence"`
	Via       string   `json:"via,omitempty"`
}

// StepJSON is one step of a path in the JSON output.
type StepJSON struct {
	From         string   `json:"from"`
	To           string   `json:"to"`
	Technique    string   `json:"technique"`
	Name         string   `json:"name"`
	Gain         string   `json:"gain"`
	Actions      []string `json:"actions"`
	Resources    []string `json:"resources"`
	Evidence     []string `json:"evidence"`
	Via          string   `json:"via,omitempty"`
	Conditions   []string `json:"conditions,omitempty"`
	Potential    bool     `json:"potential,omitempty"`
	Needs        string   `json:"needs,omitempty"`
	Alternatives []string `json:"alternatives,omitempty"`
}

func stepJSON(e *EscalationEdge) StepJSON {
	s := StepJSON{From: e.From, To: e.To, Technique: e.Technique.ID, Name: e.Technique.Name, Gain: e.Technique.Gain.String(),
		Actions: e.Actions, Resources: e.Resources, Evidence: nonNil(e.EvidenceStrings()), Via: e.Via,
		Potential: e.Potential, Alternatives: e.Alternatives}
	if e.Potential {
		s.Needs = e.Technique.Needs
	}
	if e.Conditional() {
		s.Conditions = conditionStrings(e.Conditions)
	}
	return s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// PrincipalJSON is one principal in the JSON output.
type PrincipalJSON struct {
	ARN        string   `json:"arn"`
	Kind       string   `json:"kind"`
	Admin      bool     `json:"admin"`
	Reason     string   `json:"reason,omitempty"`
	Conditions []string `json:"conditions,omitempty"`
	// Incomplete lists what the input lacks for this principal.
	Incomplete []string `json:"incomplete,omitempty"`
}

// PathJSON is one path in the JSON output.
type PathJSON struct {
	From        string     `json:"from"`
	To          string     `json:"to"`
	Admin       bool       `json:"admin"`
	Conditional bool       `json:"conditional"`
	Conditions  []string   `json:"conditions"`
	Potential   bool       `json:"potential"`
	Steps       []StepJSON `json:"steps"`
}

func principalJSON(p PrincipalStatus) PrincipalJSON {
	pj := PrincipalJSON{ARN: p.ARN, Kind: p.Kind, Admin: p.Status.Admin, Incomplete: p.Incomplete}
	if p.Status.Admin {
		pj.Reason = p.Status.Reason
		if len(p.Status.Conditions) > 0 {
			pj.Conditions = conditionStrings(p.Status.Conditions)
		}
	}
	return pj
}

func pathJSON(p *EscalationPath) PathJSON {
	pj := PathJSON{From: p.From, To: p.To, Admin: p.Admin, Conditional: p.Conditional(),
		Conditions: nonNil(conditionStrings(p.Conditions)), Potential: p.Potential, Steps: make([]StepJSON, len(p.Steps))}
	for i, s := range p.Steps {
		pj.Steps[i] = stepJSON(s)
	}
	return pj
}

// WriteJSON writes the document `parapet iam analyze --format json`
// prints: one object with schema, principals, paths and findings (each
// path as a finding), one array element a line. It streams element by
// element, so an estate with hundreds of thousands of paths is never held
// in memory twice.
func (r *Escalation) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintf(bw, "{\n  \"schema\": %q,\n", SchemaEscalation)
	if err := writeArray(bw, "principals", len(r.Principals), false, func(i int) any { return principalJSON(r.Principals[i]) }); err != nil {
		return err
	}
	if err := writeArray(bw, "paths", len(r.Paths), false, func(i int) any { return pathJSON(r.Paths[i]) }); err != nil {
		return err
	}
	if err := writeArray(bw, "findings", len(r.Paths), true, func(i int) any { return r.Paths[i].Finding() }); err != nil {
		return err
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

func writeArray(w *bufio.Writer, name string, n int, last bool, elem func(i int) any) error {
	fmt.Fprintf(w, "  %q: [", name)
	// Encode a batch of elements on every core, then write them in order.
	const batch = 4096
	bufs := make([][]byte, batch)
	errs := make([]error, batch)
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		parallel(hi-lo, runtime.GOMAXPROCS(0), func(k int) {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			errs[k] = enc.Encode(elem(lo + k))
			bufs[k] = bytes.TrimRight(b.Bytes(), "\n")
		})
		for k := range hi - lo {
			if errs[k] != nil {
				return errs[k]
			}
			if lo+k > 0 {
				w.WriteByte(',')
			}
			w.WriteString("\n    ")
			w.Write(bufs[k])
			bufs[k] = nil
		}
	}
	if n > 0 {
		w.WriteString("\n  ")
	}
	w.WriteString("]")
	if !last {
		w.WriteByte(',')
	}
	_, err := w.WriteString("\n")
	return err
}
