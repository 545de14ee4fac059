package iam

import (
	"fmt"
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
					cand := AdminStatus{Admin: true, Conditions: e.Conditions, Reason: "can grant itself every permission (" + e.Technique.ID + " " + e.Technique.Name + ")", Evidence: e.Evidence}
					if !st.Admin || len(cand.Conditions) < len(st.Conditions) {
						st = cand
					}
				}
			}
		}
		res.Principals[i] = PrincipalStatus{ARN: p.ARN, Kind: p.Kind, Status: st}
		res.Edges = append(res.Edges, edges[i]...)
	}
	sortEdges(res.Edges)

	isAdmin := func(i int) bool { return res.Principals[i].Status.Admin }
	// endsAdmin: reaching j through e gives administrator power.
	endsAdmin := func(e *EscalationEdge, j int) bool {
		return isAdmin(j) || (e.Technique.Gain == GainControl && ceiling[j])
	}
	best := make([][]*EscalationEdge, n)
	for i := range edges {
		best[i] = bestPerTarget(edges[i])
	}

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
		j := a.pos[e.To]
		out = append(out, newPath([]*EscalationEdge{e}, endsAdmin(e, j)))
	}
	// Breadth-first search over principals for longer paths to admin.
	type visit struct {
		prev int
		via  *EscalationEdge
	}
	seen := map[int]visit{i: {prev: -1}}
	frontier := []int{i}
	found := 0
	for depth := 1; depth <= a.opt.MaxDepth && len(frontier) > 0 && found < a.opt.MaxPathsPerPrincipal; depth++ {
		var next []int
		for _, u := range frontier {
			for _, e := range edges[u] {
				j := a.pos[e.To]
				if _, ok := seen[j]; ok {
					continue
				}
				seen[j] = visit{prev: u, via: e}
				if endsAdmin(e, j) {
					if depth > 1 && found < a.opt.MaxPathsPerPrincipal {
						var steps []*EscalationEdge
						for k := j; k != i; k = seen[k].prev {
							steps = append(steps, seen[k].via)
						}
						for l, r := 0, len(steps)-1; l < r; l, r = l+1, r-1 {
							steps[l], steps[r] = steps[r], steps[l]
						}
						out = append(out, newPath(steps, true))
						found++
					}
					continue // nothing more to gain past an administrator
				}
				next = append(next, j)
			}
		}
		frontier = next
	}
	return out
}

func newPath(steps []*EscalationEdge, admin bool) *EscalationPath {
	p := &EscalationPath{From: steps[0].From, To: steps[len(steps)-1].To, Admin: admin, Steps: steps}
	for _, s := range steps {
		p.Conditions = append(p.Conditions, s.Conditions...)
		p.Potential = p.Potential || s.Potential
	}
	return p
}

// rankPaths orders paths: admin first, then concrete before potential,
// unconditional before conditional, shorter first, then by from and to.
func rankPaths(ps []*EscalationPath) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
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
		if a.From != b.From {
			return a.From < b.From
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

// Findings turns every path into a finding.
func (r *Escalation) Findings() []inventory.Finding {
	out := make([]inventory.Finding, 0, len(r.Paths))
	for _, p := range r.Paths {
		out = append(out, p.Finding())
	}
	return out
}

// Finding describes the path as a finding, with the path as ordered edges
// of kind can_escalate_to, the evidence and the least-privilege fix.
func (p *EscalationPath) Finding() inventory.Finding {
	f := inventory.Finding{
		Check:      CheckLateralMovement,
		Severity:   p.Severity(),
		Resources:  []string{p.From, p.To},
		Frameworks: []string{"nist-800-53:AC-6", "owasp-asi-2026:ASI03", "owasp-llm-2025:LLM06"},
	}
	if p.From == p.To {
		f.Resources = []string{p.From}
	}
	var ids []string
	for _, s := range p.Steps {
		ids = append(ids, s.Technique.ID)
	}
	how := strings.Join(ids, " then ")
	switch {
	case p.Admin && p.From == p.To:
		f.Check = CheckEscalationToAdmin
		f.Title = fmt.Sprintf("%s can grant itself administrator access (%s)", shortARN(p.From), how)
	case p.Admin:
		f.Check = CheckEscalationToAdmin
		f.Title = fmt.Sprintf("%s can escalate to administrator through %s (%s)", shortARN(p.From), shortARN(p.To), how)
	case p.From == p.To:
		f.Title = fmt.Sprintf("%s can widen its own permissions (%s)", shortARN(p.From), how)
	default:
		f.Title = fmt.Sprintf("%s can gain the permissions of %s (%s)", shortARN(p.From), shortARN(p.To), how)
	}
	if p.Potential {
		f.Title += ", if the resource it needs exists"
	}
	var steps []any
	var fixes []string
	for _, s := range p.Steps {
		f.Path = append(f.Path, inventory.Edge{From: s.From, To: s.To, Kind: inventory.EdgeCanEscalateTo,
			Props: map[string]any{"technique": s.Technique.ID, "actions": s.Actions}})
		steps = append(steps, StepJSON(s))
		fixes = append(fixes, fmt.Sprintf("%s (%s on %s)", s.Technique.Remediation, strings.Join(s.Actions, ", "), shortARN(s.From)))
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

// StepJSON is the JSON form of one step.
func StepJSON(e *EscalationEdge) map[string]any {
	s := map[string]any{
		"from":      e.From,
		"to":        e.To,
		"technique": e.Technique.ID,
		"name":      e.Technique.Name,
		"gain":      e.Technique.Gain.String(),
		"actions":   e.Actions,
		"resources": e.Resources,
		"evidence":  nonNil(e.Evidence),
	}
	if e.Via != "" {
		s["via"] = e.Via
	}
	if len(e.Alternatives) > 0 {
		s["alternatives"] = e.Alternatives
	}
	if e.Potential {
		s["potential"] = true
		s["needs"] = e.Technique.Needs
	}
	if e.Conditional() {
		s["conditions"] = conditionStrings(e.Conditions)
	}
	return s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// EscalationJSON is the document `parapet iam analyze --format json` prints.
type EscalationJSON struct {
	Schema     string              `json:"schema"`
	Principals []PrincipalJSON     `json:"principals"`
	Paths      []PathJSON          `json:"paths"`
	Findings   []inventory.Finding `json:"findings"`
}

// PrincipalJSON is one principal in EscalationJSON.
type PrincipalJSON struct {
	ARN        string   `json:"arn"`
	Kind       string   `json:"kind"`
	Admin      bool     `json:"admin"`
	Reason     string   `json:"reason,omitempty"`
	Conditions []string `json:"conditions,omitempty"`
}

// PathJSON is one path in EscalationJSON.
type PathJSON struct {
	From        string           `json:"from"`
	To          string           `json:"to"`
	Admin       bool             `json:"admin"`
	Conditional bool             `json:"conditional"`
	Conditions  []string         `json:"conditions"`
	Potential   bool             `json:"potential"`
	Steps       []map[string]any `json:"steps"`
}

// JSON returns the versioned document for the analysis.
func (r *Escalation) JSON() EscalationJSON {
	doc := EscalationJSON{Schema: SchemaEscalation, Principals: []PrincipalJSON{}, Paths: []PathJSON{}, Findings: r.Findings()}
	for _, p := range r.Principals {
		pj := PrincipalJSON{ARN: p.ARN, Kind: p.Kind, Admin: p.Status.Admin}
		if p.Status.Admin {
			pj.Reason = p.Status.Reason
			if len(p.Status.Conditions) > 0 {
				pj.Conditions = conditionStrings(p.Status.Conditions)
			}
		}
		doc.Principals = append(doc.Principals, pj)
	}
	for _, p := range r.Paths {
		pj := PathJSON{From: p.From, To: p.To, Admin: p.Admin, Conditional: p.Conditional(), Conditions: nonNil(conditionStrings(p.Conditions)), Potential: p.Potential}
		for _, s := range p.Steps {
			pj.Steps = append(pj.Steps, StepJSON(s))
		}
		doc.Paths = append(doc.Paths, pj)
	}
	return doc
}
