package graph

import (
	"sort"
	"strings"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// Defaults for Options.
const (
	// DefaultAlternatives is how many shortest paths a finding shows per
	// entry point and target: the shortest and up to two alternatives.
	DefaultAlternatives = 3
	// DefaultMaxDepth bounds attack paths to this many edges.
	DefaultMaxDepth = 12
	// DefaultMinSensitivity is the least sensitivity of data an attack path
	// must reach to be reported.
	DefaultMinSensitivity = inventory.SensitivityHigh
	// DefaultMaxAccessPerPrincipal bounds the data edges derived from IAM
	// for one principal and one access (read, write): the most sensitive
	// first. A principal with a wildcard grant would otherwise add an edge
	// to every data store of its account.
	DefaultMaxAccessPerPrincipal = 25
)

// Options tune Analyze. The zero value uses the defaults.
type Options struct {
	// Sensitivity holds the user's classification rules (--sensitivity).
	Sensitivity *SensitivityRules
	// Access, when set, derives identity -> data edges from IAM for the
	// principals that lie on a path from an exposure or an agent.
	Access AccessEvaluator
	// Alternatives is k of the k shortest paths per finding.
	Alternatives int
	// MaxDepth bounds the length of attack paths.
	MaxDepth int
	// MinSensitivity is the least sensitivity an attack-path target needs.
	MinSensitivity inventory.Sensitivity
	// MaxAccessPerPrincipal bounds derived IAM data edges per principal
	// and access kind.
	MaxAccessPerPrincipal int
}

func (o *Options) defaults() {
	if o.Alternatives <= 0 {
		o.Alternatives = DefaultAlternatives
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MinSensitivity == "" {
		o.MinSensitivity = DefaultMinSensitivity
	}
	if o.MaxAccessPerPrincipal <= 0 {
		o.MaxAccessPerPrincipal = DefaultMaxAccessPerPrincipal
	}
}

// Result is what Analyze found.
type Result struct {
	Graph    *Graph
	Findings []inventory.Finding
	// Derived are the edges the analysis added (IAM access to data,
	// untrusted input of agents), also part of Graph.
	Derived []*inventory.Edge
}

// Analyze classifies data sensitivity (writing it into the snapshot's
// nodes), derives access edges, builds the graph and runs every
// graph-level check. Findings come ranked by Rank.
func Analyze(s *inventory.Snapshot, opts Options) (*Result, error) {
	opts.defaults()
	a := &analysis{snap: s, opts: opts, reasons: map[string]string{}}
	for _, n := range s.Nodes {
		lvl, why := Classify(n, opts.Sensitivity)
		if IsData(n.Kind) || why != "" {
			n.Sensitivity = lvl
			a.reasons[n.ID] = why
		}
	}
	var derived []*inventory.Edge
	g, err := Build(s)
	if err != nil {
		return nil, err
	}
	a.g = g
	if opts.Access != nil {
		derived = append(derived, a.deriveIAM()...)
	}
	derived = append(derived, a.deriveUntrusted()...)
	if len(derived) > 0 {
		if a.g, err = Build(s, derived...); err != nil {
			return nil, err
		}
	}
	a.prepare()
	a.buildTiers()
	for _, check := range checks {
		check.run(a)
	}
	a.addAlternatives()
	Rank(a.findings)
	return &Result{Graph: a.g, Findings: a.findings, Derived: derived}, nil
}

// analysis is the state shared by the checks of one Analyze run.
type analysis struct {
	snap     *inventory.Snapshot
	opts     Options
	g        *Graph
	reasons  map[string]string // sensitivity reasons by node ID
	findings []inventory.Finding

	attack   KindSet // edges an attacker walks along
	internet NodeID
	exposed  []bool // reachable from the internet through exposure and routing
	entry    []EdgeID
	admin    []bool // admin-equivalent: has admin_of, or props say so
	agents   []NodeID
	// agentHost marks agents and the compute they run on.
	agentHost []bool

	tiers []tier
	// expo holds the search from the internet through exposure and
	// routing, for exposurePath.
	expo *Searcher
	// pairs remember the source and target of path findings, for the
	// alternative paths added to the worst of them.
	pairs []pair

	// bodies caches body() for the graph bodiesOf.
	bodies     map[NodeID][]NodeID
	bodiesOf   *Graph
	bodySearch *Searcher
}

// attackKinds are the edges an attack path may follow.
var attackKinds = []string{
	inventory.EdgeReaches, inventory.EdgeRoutesTo, inventory.EdgeRunsAs, inventory.EdgeRunsOn,
	inventory.EdgeCanAssume, inventory.EdgeCanEscalateTo, inventory.EdgeCanRead,
	inventory.EdgeCanWrite, inventory.EdgeAdminOf, inventory.EdgeCallsTool,
	inventory.EdgeRetrievesFrom,
}

func (a *analysis) prepare() {
	g := a.g
	a.attack = g.Kinds(attackKinds...)
	a.exposed = make([]bool, g.Len())
	a.entry = make([]EdgeID, g.Len())
	for i := range a.entry {
		a.entry[i] = -1
	}
	a.admin = make([]bool, g.Len())
	a.internet = -1
	if id, ok := g.Lookup(inventory.InternetID); ok {
		a.internet = id
		// Exposure: what the internet reaches, and the compute behind it.
		a.expo = g.NewSearcher()
		a.expo.Reach([]NodeID{id}, g.Kinds(inventory.EdgeReaches, inventory.EdgeRoutesTo), 4, func(n NodeID, _ int) bool {
			a.exposed[n] = true
			return true
		})
		g.Out(id, g.Kinds(inventory.EdgeReaches, inventory.EdgeCanAssume), func(n NodeID, e EdgeID) bool {
			if a.entry[n] < 0 {
				a.entry[n] = e
			}
			return true
		})
	}
	adminOf := g.Kinds(inventory.EdgeAdminOf)
	for n := 0; n < g.Len(); n++ {
		node := g.Node(NodeID(n))
		if g.HasOut(NodeID(n), adminOf) {
			a.admin[n] = true
		} else if b, _ := propBool(node, "admin", "admin_equivalent"); b {
			a.admin[n] = true
		}
		if node.Kind == inventory.KindAIAgent {
			a.agents = append(a.agents, NodeID(n))
		}
	}
	a.agentHost = make([]bool, g.Len())
	for _, ag := range a.agents {
		for _, n := range a.body(ag) {
			a.agentHost[n] = true
		}
	}
}

// target says whether n is a target of attack paths and how bad reaching it
// is, as a sensitivity (control of an account or cluster counts as
// critical).
func (a *analysis) target(n NodeID) (inventory.Sensitivity, bool) {
	node := a.g.Node(n)
	if IsControl(node.Kind) {
		return inventory.SensitivityCritical, true
	}
	if IsData(node.Kind) && node.Sensitivity.Rank() >= a.opts.MinSensitivity.Rank() {
		return node.Sensitivity, true
	}
	return "", false
}

// reached is one target found from a source.
type reached struct {
	node  NodeID
	level inventory.Sensitivity
	path  Path
}

// pair is a path finding's source and target.
type pair struct {
	finding  int
	src, dst NodeID
}

// exposurePath returns the shortest path from the internet to an exposed
// node through exposure and routing edges, or nil.
func (a *analysis) exposurePath(n NodeID) Path {
	if a.expo == nil || !a.exposed[n] {
		return nil
	}
	return a.expo.PathTo(n)
}

// privilege scores the identities along a path by what they can do, not
// only by the edges the path uses: 3 when one is admin-equivalent, 2 when
// one can write data, escalate or call tools (or the path itself writes or
// escalates), 1 otherwise.
func (a *analysis) privilege(p Path) int {
	g := a.g
	power := g.Kinds(inventory.EdgeCanWrite, inventory.EdgeCanEscalateTo, inventory.EdgeCallsTool)
	score := 1
	for _, n := range g.Nodes(p) {
		if a.admin[n] {
			return 3
		}
		if isIdentity(g.Node(n).Kind) && g.HasOut(n, power) {
			score = 2
		}
	}
	for _, e := range p {
		switch g.KindOf(e) {
		case inventory.EdgeCanWrite, inventory.EdgeCanEscalateTo:
			score = 2
		}
	}
	return score
}

// edges converts a path to the edges a Finding carries, with their
// evidence.
func (a *analysis) edges(p Path) []inventory.Edge {
	out := make([]inventory.Edge, len(p))
	for i, e := range p {
		out[i] = *a.g.Edge(e)
	}
	return out
}

// MaxAlternativeFindings is how many path findings, worst first, get their
// alternative paths (the k shortest) computed.
const MaxAlternativeFindings = 100

// alternativeLimit bounds the nodes each search of Yen's algorithm visits.
const alternativeLimit = 50000

// addAlternatives adds to the worst path findings up to k-1 other shortest
// paths from the same source to the same target, as lists of node IDs.
func (a *analysis) addAlternatives() {
	if a.opts.Alternatives < 2 || len(a.pairs) == 0 {
		return
	}
	ps := append([]pair(nil), a.pairs...)
	sort.SliceStable(ps, func(i, j int) bool {
		x, y := a.findings[ps[i].finding], a.findings[ps[j].finding]
		if x.Severity.Rank() != y.Severity.Rank() {
			return x.Severity.Rank() > y.Severity.Rank()
		}
		return RiskScore(x) > RiskScore(y)
	})
	s := a.g.NewSearcher()
	s.Limit = alternativeLimit
	for _, p := range ps[:min(len(ps), MaxAlternativeFindings)] {
		paths := s.KShortestPaths(p.src, p.dst, a.attack, a.opts.Alternatives, a.opts.MaxDepth)
		var out [][]string
		for _, q := range paths[min(1, len(paths)):] {
			out = append(out, pathIDs(a.g, q))
		}
		if len(out) > 0 {
			a.findings[p.finding].Evidence["alternative_paths"] = out
		}
	}
}

// describe names a node for titles: its name, else its ID.
func (a *analysis) describe(n NodeID) string {
	node := a.g.Node(n)
	if node.Name != "" {
		return node.Name
	}
	return node.ID
}

func (a *analysis) add(f inventory.Finding) {
	a.findings = append(a.findings, f)
}

// Rank orders findings by severity, then risk score (evidence
// "risk_score", highest first), then check id and first resource.
func Rank(fs []inventory.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		x, y := fs[i], fs[j]
		if x.Severity.Rank() != y.Severity.Rank() {
			return x.Severity.Rank() > y.Severity.Rank()
		}
		if sx, sy := RiskScore(x), RiskScore(y); sx != sy {
			return sx > sy
		}
		if x.Check != y.Check {
			return x.Check < y.Check
		}
		return strings.Join(x.Resources, ",") < strings.Join(y.Resources, ",")
	})
}

// RiskScore returns a finding's risk score (exposure x privilege x
// sensitivity, from 1 to 36), or 0 when it has none.
func RiskScore(f inventory.Finding) int {
	switch v := f.Evidence["risk_score"].(type) {
	case int:
		return v
	case float64:
		return int(v)
	}
	return 0
}

// riskScore combines the three factors: exposure (3 from the internet or
// untrusted input, 2 from an agent, 1 otherwise), privilege (see
// privilege) and the target's sensitivity rank (1 to 4).
func riskScore(exposure, privilege int, lvl inventory.Sensitivity) int {
	return exposure * privilege * max(lvl.Rank(), 1)
}

// severityFor maps a target's sensitivity and the privilege on the way to a
// severity.
func severityFor(lvl inventory.Sensitivity, privilege int) inventory.Severity {
	switch {
	case lvl == inventory.SensitivityCritical:
		return inventory.Critical
	case lvl == inventory.SensitivityHigh && privilege >= 2:
		return inventory.Critical
	case lvl == inventory.SensitivityHigh:
		return inventory.High
	}
	return inventory.Medium
}

func pathIDs(g *Graph, p Path) []string {
	var out []string
	for _, n := range g.Nodes(p) {
		out = append(out, g.Node(n).ID)
	}
	return out
}

func levelText(l inventory.Sensitivity) string {
	if l == "" {
		return "none"
	}
	return string(l)
}

// agentsOf lists the agent nodes of the current graph.
func (a *analysis) agentsOf() []NodeID {
	var out []NodeID
	for n := 0; n < a.g.Len(); n++ {
		if a.g.Node(NodeID(n)).Kind == inventory.KindAIAgent {
			out = append(out, NodeID(n))
		}
	}
	return out
}
