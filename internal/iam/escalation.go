package iam

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// EscalationEdge is one step of privilege escalation: From can gain the
// identity or the permissions of To with Technique. For self-escalation
// (the actor changes its own permissions) To equals From.
type EscalationEdge struct {
	From, To  string
	Technique *Technique
	// Actions are the actions used, and Resources the resource each was
	// evaluated on (parallel slices).
	Actions, Resources []string
	// Evidence are the statements that allow the actions.
	Evidence []*Statement
	// Conditions, when not empty, must all hold for the edge to exist
	// (Evaluate answered "conditional").
	Conditions []Condition
	// Potential is set when the technique needs an existing resource
	// (Technique.Needs) that the inventory does not show.
	Potential bool
	// Via is the workload, policy or group the technique goes through,
	// when there is one.
	Via string
	// Alternatives are the other techniques that lead from From to To,
	// set on the edge chosen to stand for the pair in paths.
	Alternatives []string

	to       int      // index of To among the analysis's principals
	evidence []string // EvidenceStrings, once computed
}

// better reports whether e is a stronger edge than f for the same pair:
// concrete before potential, unconditional before conditional, control
// before identity, then by technique id.
func (e *EscalationEdge) better(f *EscalationEdge) bool {
	if e.Potential != f.Potential {
		return !e.Potential
	}
	if e.Conditional() != f.Conditional() {
		return !e.Conditional()
	}
	if len(e.Conditions) != len(f.Conditions) {
		return len(e.Conditions) < len(f.Conditions)
	}
	if e.Technique.Gain != f.Technique.Gain {
		return e.Technique.Gain == GainControl // control of a principal includes its identity
	}
	return e.Technique.ID < f.Technique.ID
}

// bestPerTarget keeps one edge per target, the strongest, and records the
// techniques of the others as its alternatives.
func bestPerTarget(es []*EscalationEdge) []*EscalationEdge {
	if len(es) == 0 {
		return nil
	}
	best := make(map[int]*EscalationEdge, len(es))
	var order []int
	for _, e := range es {
		b, ok := best[e.to]
		switch {
		case !ok:
			best[e.to] = e
			order = append(order, e.to)
		case e.better(b):
			best[e.to] = e
		}
	}
	if len(order) == len(es) {
		return es
	}
	alts := map[int][]string{}
	for _, e := range es {
		if best[e.to] != e {
			alts[e.to] = append(alts[e.to], e.Technique.ID)
		}
	}
	out := make([]*EscalationEdge, 0, len(order))
	for _, to := range order {
		b := best[to]
		if a := alts[to]; len(a) > 0 {
			sort.Strings(a)
			b.Alternatives = dedupe(a)
		}
		out = append(out, b)
	}
	return out
}

// Conditional reports whether the edge holds only under conditions.
func (e *EscalationEdge) Conditional() bool { return len(e.Conditions) > 0 }

// AnalyzeOptions tunes an escalation analysis. The zero value is usable.
type AnalyzeOptions struct {
	// Inventory lists existing workloads; nil means none was inventoried,
	// so techniques that need one are reported as potential.
	Inventory *Inventory
	// MaxDepth bounds the number of steps of a path (default 6).
	MaxDepth int
	// Lateral also reports one-step paths to principals that do not give
	// administrator power (lateral movement). Paths to administrator
	// power are always reported.
	Lateral bool
	// MaxPathsPerPrincipal bounds the multi-step paths reported from one
	// principal (default 5); one-step paths are always all reported.
	MaxPathsPerPrincipal int
	// Workers is the number of principals analysed at once (default
	// GOMAXPROCS).
	Workers int
}

// analyzer holds the indexes of one analysis.
type analyzer struct {
	m            *Model
	opt          AnalyzeOptions
	ix           *actionIndex
	ti           *trustIndex
	serviceRoles map[string][]*Principal // service -> roles whose trust lets it assume them (confirmed by Evaluate)
	workloads    map[string][]Workload   // kind -> workloads
	principals   []*Principal
	grants       []grants
	pos          map[string]int
	byAccount    map[string]map[string][]*Principal // account -> kind -> principals
	visits       sync.Pool                          // *visits for path searches
	toAdmin      []int32                            // steps from each principal to administrator power, 0 for none
}

func newAnalyzer(m *Model, opt AnalyzeOptions) *analyzer {
	if opt.MaxDepth <= 0 {
		opt.MaxDepth = 6
	}
	if opt.MaxPathsPerPrincipal <= 0 {
		opt.MaxPathsPerPrincipal = 5
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	a := &analyzer{m: m, opt: opt, ix: newActionIndex(), ti: newTrustIndex(m), workloads: map[string][]Workload{}}
	a.visits.New = func() any { return &visits{} }
	a.principals = m.Principals()
	a.pos = make(map[string]int, len(a.principals))
	a.byAccount = map[string]map[string][]*Principal{}
	for i, p := range a.principals {
		a.pos[p.ARN] = i
		if a.byAccount[p.Account] == nil {
			a.byAccount[p.Account] = map[string][]*Principal{}
		}
		a.byAccount[p.Account][p.Kind] = append(a.byAccount[p.Account][p.Kind], p)
	}
	if opt.Inventory != nil {
		for _, w := range opt.Inventory.Workloads {
			a.workloads[w.Kind] = append(a.workloads[w.Kind], w)
		}
	}
	a.grants = make([]grants, len(a.principals))
	parallel(len(a.principals), opt.Workers, func(i int) {
		if k := a.principals[i].Kind; k == KindUser || k == KindRole {
			a.grants[i] = a.ix.principalGrants(m, a.principals[i])
		}
	})
	// Which roles each service can assume: the trust policy must allow the
	// service principal itself.
	a.serviceRoles = map[string][]*Principal{}
	for _, t := range Techniques {
		for _, svc := range t.Services {
			svc = strings.ToLower(svc)
			if _, done := a.serviceRoles[svc]; done {
				continue
			}
			var ok []*Principal
			for _, r := range a.ti.byService[svc] {
				if r.ServiceLinked {
					continue // its service alone may use it
				}
				d := m.Evaluate(Request{Principal: svc, Action: "sts:AssumeRole", Resource: r.ARN})
				if d.Result != Denied {
					ok = append(ok, r)
				}
			}
			a.serviceRoles[svc] = ok
		}
	}
	return a
}

// parallel runs fn(0..n-1) on workers goroutines.
func parallel(n, workers int, fn func(i int)) {
	if workers <= 1 || n < 64 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	const chunk = 16
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next += chunk
				mu.Unlock()
				if i >= n {
					return
				}
				for j := i; j < min(i+chunk, n); j++ {
					fn(j)
				}
			}
		}()
	}
	wg.Wait()
}

// step is the outcome of evaluating one requirement.
type step struct {
	resource string
	d        Decision
}

// try evaluates action for p on each resource in turn and returns the first
// that is allowed, else the first conditional one.
func (a *analyzer) try(p *Principal, action string, resources []string, ctx map[string][]string) (step, bool) {
	var cond step
	found := false
	for _, r := range resources {
		d := a.m.Evaluate(Request{Principal: p.ARN, Action: action, Resource: r, Context: ctx})
		switch d.Result {
		case Allowed:
			return step{r, d}, true
		case Conditional:
			if !found {
				cond, found = step{r, d}, true
			}
		}
	}
	return cond, found
}

// actorCache remembers, for one actor, the requirements whose outcome does
// not depend on the target: actions on a resource the actor creates, and
// actions on an unknown workload of an account.
type actorCache struct {
	steps map[stepKey]cachedStep
}

// stepKey names a requirement outcome: the action and what it was
// evaluated on (a target and service, or a workload kind and account).
type stepKey struct {
	action, on, qualifier string
}

type cachedStep struct {
	s  step
	ok bool
}

func (c *actorCache) put(key stepKey, s step, ok bool) {
	if c.steps == nil {
		c.steps = map[stepKey]cachedStep{}
	}
	c.steps[key] = cachedStep{s, ok}
}

// binding is what one application of a technique is about.
type binding struct {
	target   *Principal // the principal reached (the actor itself for self-escalation)
	workload *Workload  // the existing workload, if any
	group    string     // the actor's group, for group-policy techniques
	service  string     // the service the role is passed to
}

// apply evaluates every requirement of t for actor p under b and returns
// the edge, or nil when some requirement is denied.
func (a *analyzer) apply(p *Principal, g grants, c *actorCache, t *Technique, b binding) *EscalationEdge {
	var e *EscalationEdge
	for _, rq := range t.Requires {
		// Outcomes that do not depend on this target are cached per actor:
		// look them up before building the resources to try.
		var key stepKey
		switch {
		case rq.On == OnTarget && b.service != "":
			key = stepKey{rq.Action, b.target.ARN, b.service} // the same role passed to the same service, for every technique of that service
		case rq.On == OnWorkload && b.workload == nil:
			key = stepKey{rq.Action, t.Needs, b.target.Account}
		case rq.On == OnAny:
			key = stepKey{action: rq.Action}
		}
		var s step
		var ok, hit bool
		if key.action != "" {
			var v cachedStep
			if v, hit = c.steps[key]; hit {
				s, ok = v.s, v.ok
			}
		}
		if !hit {
			var one [1]string
			var resources []string
			switch rq.On {
			case OnTarget:
				one[0] = b.target.ARN
				resources = one[:]
			case OnOwnGroup:
				one[0] = b.group
				resources = one[:]
			case OnAttachedPolicy:
				resources = customerPolicies(a.m, b.target, b.target == p)
			case OnWorkload:
				if b.workload != nil {
					one[0] = b.workload.ARN
					resources = one[:]
				} else {
					resources = workloadWitnesses(g.witnesses(rq.Action), t.Needs, b.target.Account)
				}
			default:
				resources = g.witnesses(rq.Action)
			}
			var ctx map[string][]string
			if b.service != "" && strings.EqualFold(rq.Action, "iam:PassRole") {
				ctx = map[string][]string{"iam:PassedToService": {b.service}}
			}
			if len(resources) > 0 {
				s, ok = a.try(p, rq.Action, resources, ctx)
			}
			if key.action != "" {
				c.put(key, s, ok)
			}
		}
		if !ok {
			return nil
		}
		if e == nil {
			e = &EscalationEdge{From: p.ARN, To: b.target.ARN, Technique: t, to: a.pos[b.target.ARN],
				Actions: t.Actions(), Resources: make([]string, 0, len(t.Requires)), Evidence: make([]*Statement, 0, len(t.Requires))}
		}
		switch rq.On {
		case OnAttachedPolicy, OnOwnGroup:
			e.Via = s.resource
		case OnWorkload:
			if b.workload != nil {
				e.Via = b.workload.ARN
			}
		}
		e.Resources = append(e.Resources, s.resource)
		e.Evidence = append(e.Evidence, s.d.Statements...)
		e.Conditions = append(e.Conditions, s.d.Conditions...)
	}
	return e
}

// EvidenceStrings names the evidence statements, each once. Call it only
// once the analysis is done: it is not safe to call concurrently for the
// same edge.
func (e *EscalationEdge) EvidenceStrings() []string {
	if e.evidence == nil {
		out := make([]string, 0, len(e.Evidence))
		for _, s := range e.Evidence {
			out = append(out, s.String())
		}
		e.evidence = dedupe(out)
	}
	return e.evidence
}

// workloadTemplates give the ARN of a workload of each kind, with %[1]s
// for the account; the name is one the actor could find.
var workloadTemplates = map[string]string{
	WorkloadLambda:          "arn:aws:lambda:us-east-1:%[1]s:function:x",
	WorkloadEC2Instance:     "arn:aws:ec2:us-east-1:%[1]s:instance/i-x",
	WorkloadLaunchTemplate:  "arn:aws:ec2:us-east-1:%[1]s:launch-template/lt-x",
	WorkloadGlueDevEndpoint: "arn:aws:glue:us-east-1:%[1]s:devEndpoint/x",
	WorkloadGlueJob:         "arn:aws:glue:us-east-1:%[1]s:job/x",
	WorkloadStack:           "arn:aws:cloudformation:us-east-1:%[1]s:stack/x/x",
	WorkloadStackSet:        "arn:aws:cloudformation:us-east-1:%[1]s:stackset/x:x",
	WorkloadNotebook:        "arn:aws:sagemaker:us-east-1:%[1]s:notebook-instance/x",
	WorkloadCodeBuild:       "arn:aws:codebuild:us-east-1:%[1]s:project/x",
	WorkloadECSCluster:      "arn:aws:ecs:us-east-1:%[1]s:cluster/x",
	WorkloadAppRunner:       "arn:aws:apprunner:us-east-1:%[1]s:service/x/x",
	WorkloadCodeInterpreter: "arn:aws:bedrock-agentcore:us-east-1:%[1]s:code-interpreter/x",
}

// workloadWitnesses places the witnesses of an action on an unknown
// workload in the account of the role it would run as: "*" becomes a
// workload ARN of that account, and a wildcard account field that account.
// A workload in another account can be taken over only where its resource
// policy allows, which Evaluate then decides.
func workloadWitnesses(ws []string, kind, account string) []string {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		if w == "*" {
			if tpl, ok := workloadTemplates[kind]; ok {
				w = fmt.Sprintf(tpl, account)
			}
		} else if strings.HasPrefix(w, "arn:") && arnPart(w, 4) == "x" {
			parts := strings.SplitN(w, ":", 6)
			if len(parts) == 6 {
				parts[4] = account
				w = strings.Join(parts, ":")
			}
		}
		out = append(out, w)
	}
	return dedupe(out)
}

// customerPolicies returns the ARNs of the customer-managed policies attached
// to p (and, for the actor itself, to its groups): the ones
// iam:CreatePolicyVersion can change.
func customerPolicies(m *Model, p *Principal, withGroups bool) []string {
	var out []string
	add := func(q *Principal) {
		for _, pol := range q.Managed {
			if strings.HasPrefix(pol.Source, "arn:") && arnPart(pol.Source, 4) != "aws" && arnPart(pol.Source, 4) != "" {
				out = append(out, pol.Source)
			}
		}
	}
	add(p)
	if withGroups {
		for _, gARN := range p.Groups {
			if gp := m.Principal(gARN); gp != nil {
				add(gp)
			}
		}
	}
	return dedupe(out)
}

// possible reports whether p can possibly be allowed every action of t, from
// its identity policies alone. sts:AssumeRole is exempt: a trust policy
// that names a principal of its own account grants on its own.
func possible(t *Technique, g grants) bool {
	for _, rq := range t.Requires {
		if strings.EqualFold(rq.Action, "sts:AssumeRole") {
			continue
		}
		if !g.any(rq.Action) {
			return false
		}
	}
	return true
}

// firstTargetAction returns the first action of t evaluated on the target
// principal other than sts:AssumeRole, used to choose candidate targets.
func firstTargetAction(t *Technique) string {
	for _, rq := range t.Requires {
		if rq.On == OnTarget && !strings.EqualFold(rq.Action, "sts:AssumeRole") {
			return rq.Action
		}
	}
	return ""
}

// edgesFrom returns every escalation edge out of principal i.
func (a *analyzer) edgesFrom(i int) []*EscalationEdge {
	p := a.principals[i]
	g := a.grants[i]
	if p.ServiceLinked {
		return nil // only its AWS service can act as a service-linked role
	}
	var out []*EscalationEdge
	c := &actorCache{}
	add := func(e *EscalationEdge) {
		if e != nil {
			out = append(out, e)
		}
	}
	for _, t := range Techniques {
		if t.Actor != "" && t.Actor != p.Kind {
			continue
		}
		if !possible(t, g) {
			continue
		}
		switch t.Target {
		case TargetSelf:
			if t.Requires[0].On == OnOwnGroup {
				for _, grp := range p.Groups {
					if g.allows(t.Requires[0].Action, grp) {
						add(a.apply(p, g, c, t, binding{target: p, group: grp}))
					}
				}
				continue
			}
			add(a.apply(p, g, c, t, binding{target: p}))
		case TargetGroup:
			in := map[string]bool{}
			for _, grp := range p.Groups {
				in[grp] = true
			}
			for _, q := range a.byAccount[p.Account][KindGroup] {
				if !in[q.ARN] && g.allows(t.Requires[0].Action, q.ARN) {
					add(a.apply(p, g, c, t, binding{target: q}))
				}
			}
		case TargetUser:
			act := firstTargetAction(t)
			// IAM users have no resource policy: only their own account
			// can act on them.
			for _, q := range a.byAccount[p.Account][KindUser] {
				if q != p && g.allows(act, q.ARN) {
					add(a.apply(p, g, c, t, binding{target: q}))
				}
			}
		case TargetRole:
			act := firstTargetAction(t)
			if act == "" { // sts-001: the roles whose trust could allow p
				seen := map[*Principal]bool{}
				for _, q := range a.ti.candidates(p) {
					if q != p && !seen[q] && !q.ServiceLinked {
						seen[q] = true
						add(a.apply(p, g, c, t, binding{target: q}))
					}
				}
				continue
			}
			for _, q := range a.byAccount[p.Account][KindRole] {
				if q != p && !q.ServiceLinked && g.allows(act, q.ARN) {
					add(a.apply(p, g, c, t, binding{target: q}))
				}
			}
		case TargetPassedRole:
			potential, usable := a.needs(t)
			if !usable {
				continue
			}
			seen := map[*Principal]bool{}
			for _, svc := range t.Services {
				for _, q := range a.serviceRoles[strings.ToLower(svc)] {
					// A role can be passed only to a resource of its own account.
					if q == p || seen[q] || q.Account != p.Account || !g.allows("iam:PassRole", q.ARN) {
						continue
					}
					if e := a.apply(p, g, c, t, binding{target: q, service: svc}); e != nil {
						seen[q] = true
						e.Potential = potential
						out = append(out, e)
					}
				}
			}
		case TargetWorkloadRole:
			if a.opt.Inventory != nil && a.opt.Inventory.Known[t.Needs] {
				for wi := range a.workloads[t.Needs] {
					w := &a.workloads[t.Needs][wi]
					q := a.m.Principal(w.Role)
					if q == nil || q == p || q.ServiceLinked {
						continue
					}
					add(a.apply(p, g, c, t, binding{target: q, workload: w}))
				}
				continue
			}
			seen := map[*Principal]bool{}
			for _, svc := range t.Services {
				for _, q := range a.serviceRoles[strings.ToLower(svc)] {
					// A workload runs in its role's account, and none of
					// these takeover actions can be granted across
					// accounts by a resource policy.
					if q == p || seen[q] || q.Account != p.Account {
						continue
					}
					if e := a.apply(p, g, c, t, binding{target: q}); e != nil {
						seen[q] = true
						e.Potential = true
						out = append(out, e)
					}
				}
			}
		}
	}
	return out
}

// needs says whether a technique that depends on an existing resource it
// does not run as (an ECS cluster, a Glue job) is potential (the kind was
// not inventoried) or usable at all (inventoried and present).
func (a *analyzer) needs(t *Technique) (potential, usable bool) {
	if t.Needs == "" {
		return false, true
	}
	if a.opt.Inventory == nil || !a.opt.Inventory.Known[t.Needs] {
		return true, true
	}
	return false, len(a.workloads[t.Needs]) > 0
}

// sortEdges orders edges by from, to, technique id.
func sortEdges(es []*EscalationEdge) {
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.From != b.From {
			return a.From < b.From
		}
		if a.To != b.To {
			return a.To < b.To
		}
		if a.Technique.ID != b.Technique.ID {
			return a.Technique.ID < b.Technique.ID
		}
		return a.Via < b.Via
	})
}
