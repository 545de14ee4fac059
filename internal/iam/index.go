package iam

import (
	"strings"
	"sync"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// This file holds the indexes the escalation analysis uses to avoid
// evaluating every principal against every other: which escalation actions
// a principal can possibly be allowed and on which resource patterns, which
// roles a trust policy could let a principal assume, and which roles trust a
// service. They are supersets, used only to choose what to Evaluate.

// Workload is an existing compute resource that runs as an IAM role: a
// Lambda function, an EC2 instance, a CloudFormation stack, a SageMaker
// notebook... Techniques that take one over reach its role.
type Workload struct {
	Kind   string // one of the Workload* kinds
	ARN    string // the resource ARN the technique's actions name
	Role   string // ARN of the role it runs as; "" when it has none (an ECS cluster)
	Source string // file and JSON path it was read from
}

// Inventory lists the existing workloads of an estate. Known records which
// kinds were inventoried at all: a technique needing a kind that is known
// but absent cannot be used; one needing a kind that was not inventoried
// is reported as potential.
type Inventory struct {
	Workloads []Workload
	Known     map[string]bool
}

// Add records a workload and marks its kind as inventoried.
func (inv *Inventory) Add(w Workload) {
	inv.Workloads = append(inv.Workloads, w)
	inv.MarkKnown(w.Kind)
}

// MarkKnown records that kind was inventoried, even if none was found.
func (inv *Inventory) MarkKnown(kind string) {
	if inv.Known == nil {
		inv.Known = map[string]bool{}
	}
	inv.Known[kind] = true
}

// snapshotWorkloads maps inventory node kinds to workload kinds.
var snapshotWorkloads = map[string]string{
	inventory.KindLambdaFunction:    WorkloadLambda,
	inventory.KindEC2Instance:       WorkloadEC2Instance,
	inventory.KindSageMakerNotebook: WorkloadNotebook,
}

// WorkloadsFromSnapshot reads the workloads of a resource inventory: Lambda
// functions, EC2 instances and SageMaker notebooks, each with the role its
// runs_as edge names. The kinds in known are marked inventoried (a source
// such as CloudMapper's account data always lists functions and
// instances), so their absence means there are none.
func WorkloadsFromSnapshot(s *inventory.Snapshot, known ...string) *Inventory {
	inv := &Inventory{}
	for _, k := range known {
		inv.MarkKnown(k)
	}
	runsAs := map[string]string{}
	for _, e := range s.Edges {
		if e.Kind == inventory.EdgeRunsAs {
			if _, ok := runsAs[e.From]; !ok {
				runsAs[e.From] = e.To
			}
		}
	}
	for _, n := range s.Nodes {
		kind, ok := snapshotWorkloads[n.Kind]
		if !ok {
			continue
		}
		inv.Add(Workload{Kind: kind, ARN: n.ID, Role: runsAs[n.ID], Source: n.Source})
	}
	return inv
}

// grants is what one policy can possibly allow for each escalation action:
// the resource patterns of its Allow statements that match the action.
type grants map[string][]string

// actionIndex answers "which resource patterns can this principal possibly
// be allowed action on", from the Allow statements of its identity
// policies (its own, and its groups'), before any deny, boundary or SCP.
type actionIndex struct {
	actions []string // the escalation actions, lower case
	mu      sync.Mutex
	cache   map[*Policy]grants
}

func newActionIndex() *actionIndex {
	seen := map[string]bool{}
	ix := &actionIndex{cache: map[*Policy]grants{}}
	for _, t := range Techniques {
		for _, r := range t.Requires {
			a := strings.ToLower(r.Action)
			if !seen[a] {
				seen[a] = true
				ix.actions = append(ix.actions, a)
			}
		}
	}
	return ix
}

// policyGrants computes (once per policy) the escalation actions a policy
// can allow and on which resource patterns.
func (ix *actionIndex) policyGrants(p *Policy) grants {
	if p == nil {
		return nil
	}
	ix.mu.Lock()
	g, ok := ix.cache[p]
	ix.mu.Unlock()
	if ok {
		return g
	}
	g = grants{}
	for _, s := range p.Statements {
		if !s.Allow() {
			continue
		}
		res := s.Resource
		if len(s.NotResource) > 0 || len(res) == 0 {
			res = []string{"*"}
		}
		for _, a := range ix.actions {
			if !statementActionMatches(s, a) {
				continue
			}
			for _, r := range res {
				g[a] = append(g[a], prefilterPattern(r))
			}
		}
	}
	ix.mu.Lock()
	ix.cache[p] = g
	ix.mu.Unlock()
	return g
}

// statementActionMatches reports whether the statement's Action (or
// NotAction) covers action, given in lower case.
func statementActionMatches(s *Statement, action string) bool {
	if len(s.NotAction) > 0 {
		for _, na := range s.NotAction {
			if glob(na, action, true) {
				return false
			}
		}
		return true
	}
	for _, a := range s.Action {
		if glob(a, action, true) {
			return true
		}
	}
	return false
}

// prefilterPattern widens policy variables to wildcards, so the pattern is a
// superset of what the statement can match for any caller.
func prefilterPattern(r string) string {
	for {
		i := strings.Index(r, "${")
		if i < 0 {
			return r
		}
		j := strings.IndexByte(r[i:], '}')
		if j < 0 {
			return r
		}
		r = r[:i] + "*" + r[i+j+1:]
	}
}

// principalGrants merges the grants of every identity policy of p and of its
// groups.
func (ix *actionIndex) principalGrants(m *Model, p *Principal) grants {
	out := grants{}
	add := func(pol *Policy) {
		for a, rs := range ix.policyGrants(pol) {
			out[a] = append(out[a], rs...)
		}
	}
	each := func(q *Principal) {
		for _, pol := range q.Inline {
			add(pol)
		}
		for _, pol := range q.Managed {
			add(pol)
		}
	}
	each(p)
	for _, g := range p.Groups {
		if gp := m.Principal(g); gp != nil {
			each(gp)
		}
	}
	for a, rs := range out {
		out[a] = dedupe(rs)
	}
	return out
}

// allows reports whether any pattern granted for action can match resource.
func (g grants) allows(action, resource string) bool {
	for _, r := range g[strings.ToLower(action)] {
		if glob(r, resource, false) {
			return true
		}
	}
	return false
}

// any reports whether action is granted on some resource.
func (g grants) any(action string) bool { return len(g[strings.ToLower(action)]) > 0 }

// witnesses turns the patterns granted for action into concrete resources to
// evaluate when the resource is not known (a function the actor would
// create, a workload that may exist): each wildcard stands for a name the
// actor chooses. "*" stays "*".
func (g grants) witnesses(action string) []string {
	var out []string
	for _, r := range g[strings.ToLower(action)] {
		if r == "*" {
			out = append(out, "*")
			continue
		}
		out = append(out, wildcardNames.Replace(r))
	}
	return dedupe(out)
}

// wildcardNames stands a name for each wildcard of a resource pattern.
var wildcardNames = strings.NewReplacer("*", "x", "?", "x")

func dedupe(s []string) []string {
	if len(s) < 2 {
		return s
	}
	seen := make(map[string]bool, len(s))
	out := s[:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// trustIndex answers "which roles could trust this principal" and "which
// roles trust this service", from the Allow statements of trust policies.
type trustIndex struct {
	byPrincipal map[string][]*Principal // principal ARN named in a trust policy
	byAccount   map[string][]*Principal // account ID (root or bare ID) named
	anyone      []*Principal            // "*", wildcards, conditions on org: evaluate for everyone
	byService   map[string][]*Principal // service principal, lower case
}

func newTrustIndex(m *Model) *trustIndex {
	ti := &trustIndex{
		byPrincipal: map[string][]*Principal{},
		byAccount:   map[string][]*Principal{},
		byService:   map[string][]*Principal{},
	}
	for _, r := range m.Principals() {
		if r.Kind != KindRole || r.Trust == nil {
			continue
		}
		seen := map[[2]string]bool{}
		// add files r under key of idx (nil idx: evaluate for everyone),
		// once per index and key.
		add := func(tag string, idx map[string][]*Principal, key string) {
			if seen[[2]string{tag, key}] {
				return
			}
			seen[[2]string{tag, key}] = true
			if idx == nil {
				ti.anyone = append(ti.anyone, r)
				return
			}
			idx[key] = append(idx[key], r)
		}
		for _, s := range r.Trust.Statements {
			if !s.Allow() {
				continue
			}
			if len(s.NotPrincipal) > 0 {
				add("*", nil, "")
				continue
			}
			for typ, vals := range s.Principal {
				for _, v := range vals {
					switch {
					case typ == "Service":
						add("s", ti.byService, strings.ToLower(v))
					case typ == "*" || v == "*":
						add("*", nil, "")
					case typ != "AWS":
						// federated and canonical users are not principals of the model
					case isAccountID(v):
						add("a", ti.byAccount, v)
					case strings.HasSuffix(v, ":root"):
						add("a", ti.byAccount, arnPart(v, 4))
					case strings.ContainsAny(v, "*?"):
						add("*", nil, "")
					default:
						add("p", ti.byPrincipal, v)
					}
				}
			}
		}
	}
	return ti
}

// candidates returns the roles whose trust policy could allow p.
func (ti *trustIndex) candidates(p *Principal) []*Principal {
	out := append([]*Principal(nil), ti.byPrincipal[p.ARN]...)
	out = append(out, ti.byAccount[p.Account]...)
	out = append(out, ti.anyone...)
	return out
}
