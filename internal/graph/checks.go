package graph

import (
	"fmt"
	"sort"
	"strings"

	"github.com/parapet-sec/parapet/internal/aibom"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// Check ids of the graph-level analyses. docs/scan.md describes each.
const (
	CheckExposedPath       = "PAR-PATH-001"  // internet exposure + privileged identity + sensitive data or control
	CheckExposedIMDS       = "PAR-PATH-002"  // IMDSv1 or hop limit > 1 on exposed compute with a role
	CheckOutsiderPath      = "PAR-PATH-003"  // an account outside the estate assumes a role (no sts:ExternalId) that reaches sensitive data
	CheckAgentToxic        = "PAR-AGENT-001" // untrusted input + sensitive data + exfiltration channel
	CheckAgentClusterAdmin = "PAR-AGENT-002" // agent's service account bound to cluster-admin or wildcard RBAC
	CheckAgentEgress       = "PAR-AGENT-003" // unrestricted egress from an agent workload
	CheckPoisonableModel   = "PAR-AGENT-004" // model artifacts or knowledge base writable by untrusted principals
	CheckAgentCostAbuse    = "PAR-AGENT-005" // agent can launch or scale compute without limits
	CheckShadowAgent       = "PAR-AGENT-006" // AI keys or AI egress on a workload not registered as an agent
)

type check struct {
	id  string
	run func(*analysis)
}

var checks = []check{
	{CheckExposedPath, (*analysis).exposedPaths},
	{CheckExposedIMDS, (*analysis).exposedIMDS},
	{CheckOutsiderPath, (*analysis).outsiderPaths},
	{CheckAgentToxic, (*analysis).agentToxic},
	{CheckAgentClusterAdmin, (*analysis).agentClusterAdmin},
	{CheckAgentEgress, (*analysis).agentEgress},
	{CheckPoisonableModel, (*analysis).poisonableModels},
	{CheckAgentCostAbuse, (*analysis).agentCostAbuse},
	{CheckShadowAgent, (*analysis).shadowAgents},
}

// entries returns the nodes the internet reaches directly: exposed
// endpoints, and roles anyone may assume.
func (a *analysis) entries() []NodeID {
	if a.internet < 0 {
		return nil
	}
	var out []NodeID
	seen := map[NodeID]bool{}
	a.g.Out(a.internet, a.g.Kinds(inventory.EdgeReaches, inventory.EdgeCanAssume), func(n NodeID, _ EdgeID) bool {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
		return true
	})
	return out
}

// isIdentity reports whether nodes of kind act as an identity.
func isIdentity(kind string) bool {
	switch kind {
	case inventory.KindIAMRole, inventory.KindIAMUser, inventory.KindIAMInstanceProfile, inventory.KindK8sServiceAccount:
		return true
	}
	return false
}

// identities lists the identity nodes on a path, in order.
func (a *analysis) identities(p Path) []string {
	var out []string
	for _, n := range a.g.Nodes(p) {
		if node := a.g.Node(n); isIdentity(node.Kind) {
			out = append(out, node.ID)
		}
	}
	return out
}

// passesAgent reports whether a path goes through an agent or the compute
// that hosts one.
func (a *analysis) passesAgent(p Path) bool {
	for _, n := range a.g.Nodes(p) {
		if a.agentHost[n] {
			return true
		}
	}
	return false
}

// bindingFix says how to take a Kubernetes subject's role away.
func bindingFix(subject string, binding, role any) string {
	cluster, b := k8sName(fmt.Sprint(binding))
	_, sub := k8sName(subject)
	_, r := k8sName(fmt.Sprint(role))
	in := ""
	if cluster != "" {
		in = " in cluster " + cluster
	}
	return fmt.Sprintf(" Least privilege: remove %s%s, which binds %s to %s, or replace it with a Role limited to the namespace and resourceNames it needs.", b, in, sub, r)
}

// k8sName turns a Kubernetes node ID (k8s://CLUSTER/NAMESPACE/KIND/NAME)
// into its cluster and "KIND NAMESPACE/NAME" (or "KIND NAME" for a
// cluster-scoped object); other IDs are returned as they are.
func k8sName(id string) (cluster, name string) {
	rest, ok := strings.CutPrefix(id, "k8s://")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 4 || parts[2] == "" || parts[3] == "" {
		return "", id
	}
	if parts[1] == "" {
		return parts[0], parts[2] + " " + parts[3]
	}
	return parts[0], parts[2] + " " + parts[1] + "/" + parts[3]
}

// fix says what to change on a path: the grant that reaches the target,
// named as precisely as its evidence allows.
func (a *analysis) fix(p Path, lead string) string {
	if len(p) == 0 {
		return lead
	}
	last := a.g.Edge(p[len(p)-1])
	var b strings.Builder
	b.WriteString(lead)
	switch last.Props["source"] {
	case "iam":
		fmt.Fprintf(&b, " Least privilege: in %s, narrow %s so that it no longer allows %v on %v", last.From, statementNames(last.Props), last.Props["action"], last.Props["resource"])
		b.WriteString(" (scope Resource to the objects the workload needs, or add a Deny for this resource); then re-run the scan to confirm the path is gone.")
	case "rbac":
		b.WriteString(bindingFix(last.From, last.Props["binding"], last.Props["role"]))
	default:
		if binding, ok := last.Props["binding"]; ok {
			b.WriteString(bindingFix(last.From, binding, last.Props["role"]))
			break
		}
		if ev, ok := last.Props["statements"]; ok {
			fmt.Fprintf(&b, " Least privilege: narrow %v in %s.", ev, last.From)
		}
	}
	return b.String()
}

// statementNames reads the deciding statements from IAM edge evidence.
func statementNames(props map[string]any) string {
	for _, k := range []string{"statements", "statement", "sid"} {
		if v, ok := props[k]; ok {
			if ss := asStrings(v); len(ss) > 0 {
				return "the statement " + strings.Join(ss, ", ")
			}
			return fmt.Sprintf("the statement %v", v)
		}
	}
	return "the allowing statement"
}

// exposedPaths: an internet-exposed entry whose identity reaches sensitive
// data or control. Paths through an agent are left to agentToxic, which
// says more about them.
func (a *analysis) exposedPaths() {
	g := a.g
	s := g.NewSearcher()
	accept := func(p Path) bool { return !a.passesAgent(p) && len(a.identities(p)) > 0 }
	for _, entry := range a.entries() {
		best, ok := a.best(entry, func(p Path) bool {
			// A role anyone may assume is itself the identity on the path.
			return accept(append(Path{a.entry[entry]}, p...))
		})
		if !ok {
			continue
		}
		path := append(Path{a.entry[entry]}, best.path...)
		priv := a.privilege(path)
		tnode := g.Node(best.node)
		others, count, bounded := a.otherTargets(s, entry, best.node)
		ids := a.identities(path)
		a.add(inventory.Finding{
			Check:     CheckExposedPath,
			Title:     a.pathTitle(entry, best, ids),
			Severity:  severityFor(best.level, priv),
			Resources: []string{g.Node(entry).ID, tnode.ID},
			Path:      a.edges(path),
			Evidence: map[string]any{
				"entry":            g.Node(entry).ID,
				"identities":       ids,
				"target":           tnode.ID,
				"target_kind":      tnode.Kind,
				"sensitivity":      levelText(best.level),
				"sensitivity_rule": a.reasons[tnode.ID],
				"admin_on_path":    priv == 3,
				"other_targets":    others,
				"targets_reached":  count,
				"targets_bounded":  bounded,
				"risk_score":       riskScore(3, priv, best.level),
			},
			Remediation: a.fix(best.path, fmt.Sprintf("Break the path: put %s behind authentication or make it private, or take away its identity's access to %s.", a.describe(entry), a.describe(best.node))),
			Frameworks:  []string{"nist-800-53:AC-6", "nist-800-53:SC-7", "atlas:AML.T0049", "owasp-asi-2026:ASI03", "iso-42001:A.6.2.6"},
		})
		a.pairs = append(a.pairs, pair{len(a.findings) - 1, entry, best.node})
	}
}

// outsiders returns the accounts outside the scanned estate that some role
// trusts (aws.account nodes with props.external).
func (a *analysis) outsiders() []NodeID {
	var out []NodeID
	for n := 0; n < a.g.Len(); n++ {
		node := a.g.Node(NodeID(n))
		if node.Kind == inventory.KindAWSAccount {
			if ext, _ := propBool(node, "external"); ext {
				out = append(out, NodeID(n))
			}
		}
	}
	return out
}

// outsiderPaths: a role that an account outside the estate may assume with
// no condition left open (so no sts:ExternalId), through which that third
// party, or whoever compromises or tricks it, reaches sensitive data or
// control.
func (a *analysis) outsiderPaths() {
	g := a.g
	assume := g.Kinds(inventory.EdgeCanAssume)
	for _, acct := range a.outsiders() {
		g.Out(acct, assume, func(role NodeID, e EdgeID) bool {
			best, ok := a.best(role, nil)
			if !ok {
				return true
			}
			path := append(Path{e}, best.path...)
			priv := a.privilege(path)
			tnode := g.Node(best.node)
			sev := severityFor(best.level, priv)
			if sev == inventory.Critical && priv < 3 {
				sev = inventory.High // a named third party, not the whole internet
			}
			a.add(inventory.Finding{
				Check:     CheckOutsiderPath,
				Title:     fmt.Sprintf("Account %s outside the estate can assume %s without sts:ExternalId and reach %s %s", g.Node(acct).Account, a.describe(role), levelText(best.level), a.describe(best.node)),
				Severity:  sev,
				Resources: []string{g.Node(role).ID, tnode.ID},
				Path:      a.edges(path),
				Evidence: map[string]any{
					"trusted_account":  g.Node(acct).Account,
					"role":             g.Node(role).ID,
					"target":           tnode.ID,
					"sensitivity":      levelText(best.level),
					"sensitivity_rule": a.reasons[tnode.ID],
					"identities":       a.identities(path),
					"risk_score":       riskScore(2, priv, best.level),
				},
				Remediation: a.fix(best.path, fmt.Sprintf("Require sts:ExternalId (a secret agreed with the third party) in %s's trust policy, or aws:PrincipalOrgID if the account is yours, and give the role only what the third party needs, not %s.", a.describe(role), a.describe(best.node))),
				Frameworks:  []string{"nist-800-53:AC-3", "nist-800-53:AC-20", "nist-800-53:SR-3", "owasp-asi-2026:ASI03", "owasp-asi-2026:ASI04"},
			})
			a.pairs = append(a.pairs, pair{len(a.findings) - 1, role, best.node})
			return true
		})
	}
}

// pathTitle names an exposed path: a role anyone may assume, or an
// internet-exposed endpoint, and the target it reaches.
func (a *analysis) pathTitle(entry NodeID, best reached, ids []string) string {
	if a.g.KindOf(a.entry[entry]) == inventory.EdgeCanAssume {
		return fmt.Sprintf("Anyone can assume role %s, which reaches %s %s", a.describe(entry), levelText(best.level), a.describe(best.node))
	}
	return fmt.Sprintf("Internet-exposed %s reaches %s %s through %s", a.describe(entry), levelText(best.level), a.describe(best.node), ids[len(ids)-1])
}

// exposesIMDS reports whether nodes of kind have an instance metadata
// service whose settings matter.
func exposesIMDS(kind string) bool { return kind == inventory.KindEC2Instance }

// exposedIMDS: exposed EC2 compute that allows IMDSv1 or a hop limit above 1
// and has a role, so that an SSRF (or a container) can take its credentials.
func (a *analysis) exposedIMDS() {
	g := a.g
	runsAs := g.Kinds(inventory.EdgeRunsAs)
	s := g.NewSearcher()
	for n := 0; n < g.Len(); n++ {
		node := g.Node(NodeID(n))
		if !exposesIMDS(node.Kind) || !a.exposed[n] {
			continue
		}
		v1, hops, known := imds(node)
		if !known || (!v1 && hops <= 1) {
			continue
		}
		if !g.HasOut(NodeID(n), runsAs) {
			continue
		}
		// The path: internet to the instance, then to its role.
		path := a.exposurePath(NodeID(n))
		var role NodeID = -1
		s.Reach([]NodeID{NodeID(n)}, runsAs, 2, func(m NodeID, _ int) bool {
			if g.Node(m).Kind == inventory.KindIAMRole {
				role = m
				return false
			}
			return true
		})
		if role >= 0 {
			path = append(path, s.PathTo(role)...)
		}
		sev, what := inventory.High, "allows IMDSv1 (no session token)"
		if !v1 {
			sev, what = inventory.Medium, fmt.Sprintf("has an IMDS hop limit of %d, so containers on it can fetch its credentials", hops)
		} else if hops > 1 {
			what += fmt.Sprintf(" and a hop limit of %d", hops)
		}
		priv := 1
		if role >= 0 && a.admin[role] {
			sev, priv = inventory.Critical, 3
		}
		ev := map[string]any{"instance": node.ID, "imdsv1": v1, "hop_limit": hops, "risk_score": riskScore(3, priv, inventory.SensitivityMedium)}
		if role >= 0 {
			ev["role"] = g.Node(role).ID
		}
		a.add(inventory.Finding{
			Check:       CheckExposedIMDS,
			Title:       fmt.Sprintf("Internet-exposed instance %s %s while holding a role", a.describe(NodeID(n)), what),
			Severity:    sev,
			Resources:   []string{node.ID},
			Path:        a.edges(path),
			Evidence:    ev,
			Remediation: fmt.Sprintf("Require IMDSv2 with a hop limit of 1: aws ec2 modify-instance-metadata-options --instance-id %s --http-tokens required --http-put-response-hop-limit 1 (and set MetadataOptions in its launch template).", node.Name),
			Frameworks:  []string{"nist-800-53:AC-3", "nist-800-53:SC-7", "atlas:AML.T0049", "owasp-asi-2026:ASI03"},
		})
	}
}

// body returns an agent and the compute it runs on (runs_on from the AI
// inventory, or runs_as): the nodes whose exposure, egress, keys and
// configuration count as the agent's.
func (a *analysis) body(agent NodeID) []NodeID {
	g := a.g
	if a.bodies == nil || a.bodiesOf != g {
		a.bodies, a.bodiesOf, a.bodySearch = map[NodeID][]NodeID{}, g, g.NewSearcher()
	}
	if b, ok := a.bodies[agent]; ok {
		return b
	}
	out := []NodeID{agent}
	s := a.bodySearch
	s.Reach([]NodeID{agent}, g.Kinds(inventory.EdgeRunsAs, inventory.EdgeRunsOn), 3, func(n NodeID, _ int) bool {
		if !isIdentity(g.Node(n).Kind) {
			out = append(out, n)
		}
		return true
	})
	// Compute that runs the agent (an edge into the agent).
	g.In(agent, g.Kinds(inventory.EdgeRunsAs), func(n NodeID, _ EdgeID) bool {
		out = append(out, n)
		return true
	})
	a.bodies[agent] = out
	return out
}

// exfiltration lists an agent's ways to send data out: egress to external
// endpoints, unrestricted egress, and answers to the internet when it is
// exposed.
func (a *analysis) exfiltration(body []NodeID) []string {
	g := a.g
	var out []string
	seen := map[string]bool{}
	addOnce := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, n := range body {
		g.Out(n, g.Kinds(inventory.EdgeEgressTo), func(m NodeID, _ EdgeID) bool {
			addOnce("egress to " + g.Node(m).ID)
			return true
		})
		if a.unrestrictedEgress(n) {
			addOnce("unrestricted egress from " + g.Node(n).ID)
		}
		if a.exposed[n] {
			addOnce("answers reach the internet through " + g.Node(n).ID)
		}
	}
	return out
}

// unrestrictedEgress reads the collectors' verdict on a workload's egress:
// props egress_internet (Kubernetes: no network policy keeps it from the
// internet) or egress_unrestricted, on the workload or on a security group
// it is in (all traffic to 0.0.0.0/0 or ::/0).
func (a *analysis) unrestrictedEgress(n NodeID) bool {
	g := a.g
	if b, _ := propBool(g.Node(n), "egress_internet", "egress_unrestricted"); b {
		return true
	}
	open := false
	g.Out(n, g.Kinds(inventory.EdgeInNetwork), func(m NodeID, _ EdgeID) bool {
		sg := g.Node(m)
		if sg.Kind == inventory.KindSecurityGroup {
			open, _ = propBool(sg, "egress_unrestricted")
		}
		return !open
	})
	return open
}

// untrusted lists what an agent reads that an attacker can write: the
// targets of its reads_untrusted edges, and the internet when it is exposed.
func (a *analysis) untrusted(agent NodeID, body []NodeID) (sources []string, first EdgeID, exposedVia NodeID) {
	g := a.g
	first, exposedVia = -1, -1
	g.Out(agent, g.Kinds(inventory.EdgeReadsUntrusted), func(m NodeID, e EdgeID) bool {
		label := g.Node(m).ID
		if t, ok := g.Edge(e).Props["source"].(string); ok {
			label = t + ": " + label
		}
		sources = append(sources, label)
		if first < 0 {
			first = e
		}
		return true
	})
	for _, n := range body {
		if a.exposed[n] {
			sources = append(sources, "public internet users (through "+g.Node(n).ID+")")
			exposedVia = n
			break
		}
	}
	return sources, first, exposedVia
}

// agentToxic: an agent that reads untrusted input, reaches sensitive data
// or control, and has a channel to send it out.
func (a *analysis) agentToxic() {
	g := a.g
	s := g.NewSearcher()
	for _, agent := range a.agents {
		body := a.body(agent)
		sources, first, exposedVia := a.untrusted(agent, body)
		if len(sources) == 0 {
			continue
		}
		best, ok := a.best(agent, nil)
		if !ok {
			continue
		}
		exfil := a.exfiltration(body)
		if len(exfil) == 0 {
			continue
		}
		var path Path
		switch {
		case exposedVia >= 0 && a.internet >= 0:
			path = a.exposurePath(exposedVia)
			// Continue from the exposed compute when it leads to the target,
			// else from the agent.
			if rest := s.ShortestPath(exposedVia, best.node, a.attack, a.opts.MaxDepth); rest != nil {
				path = append(path, rest...)
			} else {
				path = append(path, best.path...)
			}
		case first >= 0:
			path = append(Path{first}, best.path...)
		default:
			path = best.path
		}
		priv := a.privilege(path)
		tnode := g.Node(best.node)
		others, count, bounded := a.otherTargets(s, agent, best.node)
		a.add(inventory.Finding{
			Check:     CheckAgentToxic,
			Title:     fmt.Sprintf("Agent %s reads untrusted input and can reach %s %s with a way out", a.describe(agent), levelText(best.level), a.describe(best.node)),
			Severity:  severityFor(best.level, max(priv, 2)),
			Resources: []string{g.Node(agent).ID, tnode.ID},
			Path:      a.edges(path),
			Evidence: map[string]any{
				"agent":            g.Node(agent).ID,
				"untrusted_input":  sources,
				"exfiltration":     exfil,
				"tools":            a.tools(path),
				"admin_via":        a.adminVia(path),
				"identities":       a.identities(path),
				"target":           tnode.ID,
				"target_kind":      tnode.Kind,
				"sensitivity":      levelText(best.level),
				"sensitivity_rule": a.reasons[tnode.ID],
				"admin_on_path":    priv == 3,
				"other_targets":    others,
				"targets_reached":  count,
				"targets_bounded":  bounded,
				"risk_score":       riskScore(3, priv, best.level),
			},
			Remediation: a.fix(best.path, fmt.Sprintf("Split the lethal trifecta: give %s a task-scoped identity that cannot reach %s, route its tool calls through the Parapet gateway with untrusted-input tainting, and restrict its egress to the endpoints it needs.", a.describe(agent), a.describe(best.node))),
			Frameworks:  []string{"owasp-llm-2025:LLM01", "owasp-llm-2025:LLM02", "owasp-llm-2025:LLM06", "owasp-asi-2026:ASI01", "owasp-asi-2026:ASI02", "owasp-asi-2026:ASI03", "atlas:AML.T0051.001", "atlas:AML.T0057", "nist-800-53:AC-4", "nist-800-53:AC-6", "iso-42001:A.6.2.6"},
		})
		a.pairs = append(a.pairs, pair{len(a.findings) - 1, agent, best.node})
	}
}

// adminVia explains the admin power of the identities on a path: what
// they control and through which binding or policy.
func (a *analysis) adminVia(p Path) []string {
	g := a.g
	var out []string
	for _, n := range g.Nodes(p) {
		if !a.admin[n] {
			continue
		}
		g.Out(n, g.Kinds(inventory.EdgeAdminOf), func(t NodeID, e EdgeID) bool {
			ev := g.Edge(e).Props
			switch g.Node(t).Kind {
			case inventory.KindK8sCluster:
				out = append(out, fmt.Sprintf("%s is cluster admin of %s through %v: it can start a privileged pod on any node and read every secret", g.Node(n).ID, g.Node(t).ID, ev["binding"]))
			default:
				out = append(out, fmt.Sprintf("%s administers %s (%v)", g.Node(n).ID, g.Node(t).ID, ev["reason"]))
			}
			return true
		})
	}
	return out
}

// tools lists the tools (functions, MCP servers) the identities on a path
// may call.
func (a *analysis) tools(p Path) []string {
	g := a.g
	var out []string
	for _, n := range g.Nodes(p) {
		if !isIdentity(g.Node(n).Kind) && g.Node(n).Kind != inventory.KindAIAgent {
			continue
		}
		g.Out(n, g.Kinds(inventory.EdgeCallsTool), func(t NodeID, _ EdgeID) bool {
			out = append(out, g.Node(t).ID)
			return true
		})
	}
	return out
}

// agentServiceAccounts returns the Kubernetes service accounts an agent runs
// as, with the path to each.
func (a *analysis) agentServiceAccounts(s *Searcher, agent NodeID) []NodeID {
	g := a.g
	var out []NodeID
	s.Reach([]NodeID{agent}, g.Kinds(inventory.EdgeRunsAs, inventory.EdgeRunsOn), 3, func(n NodeID, _ int) bool {
		if g.Node(n).Kind == inventory.KindK8sServiceAccount {
			out = append(out, n)
		}
		return true
	})
	return out
}

// agentClusterAdmin: an agent whose service account is bound to
// cluster-admin or to a wildcard rule.
func (a *analysis) agentClusterAdmin() {
	g := a.g
	s := g.NewSearcher()
	adminOf := g.Kinds(inventory.EdgeAdminOf)
	for _, agent := range a.agents {
		for _, sa := range a.agentServiceAccounts(s, agent) {
			s.Reach([]NodeID{agent}, g.Kinds(inventory.EdgeRunsAs, inventory.EdgeRunsOn), 3, nil)
			toSA := s.PathTo(sa)
			admin := false
			g.Out(sa, adminOf, func(cluster NodeID, e EdgeID) bool {
				if g.Node(cluster).Kind != inventory.KindK8sCluster {
					return true // namespace admin: its secrets show as can_read
				}
				admin = true
				path := append(append(Path{}, toSA...), e)
				ev := g.Edge(e).Props
				a.add(inventory.Finding{
					Check:     CheckAgentClusterAdmin,
					Title:     fmt.Sprintf("Agent %s runs as service account %s, which is cluster admin of %s", a.describe(agent), a.describe(sa), a.describe(cluster)),
					Severity:  inventory.Critical,
					Resources: []string{g.Node(agent).ID, g.Node(sa).ID},
					Path:      a.edges(path),
					Evidence: map[string]any{
						"agent": g.Node(agent).ID, "service_account": g.Node(sa).ID,
						"binding": ev["binding"], "role": ev["role"],
						// Exposure 1: a standing privilege; the path an attacker
						// takes through it is agentToxic's finding.
						"risk_score": riskScore(1, 3, inventory.SensitivityCritical),
					},
					Remediation: fmt.Sprintf("Delete the binding %v of %s to %v; bind a Role in the agent's namespace that lists only the verbs and resources its tools need (no secrets, no pods/exec, no wildcard).", ev["binding"], a.describe(sa), ev["role"]),
					Frameworks:  []string{"owasp-llm-2025:LLM06", "owasp-asi-2026:ASI03", "nist-800-53:AC-6", "nist-800-53:AC-6(5)", "atlas:AML.T0053", "iso-42001:A.6.2.6"},
				})
				return true
			})
			if admin {
				continue
			}
			// Short of cluster-admin: a role with wildcard verbs or
			// resources (the collector's props.wildcard).
			g.Out(sa, g.Kinds(inventory.EdgeBoundTo), func(role NodeID, e EdgeID) bool {
				rn := g.Node(role)
				if w, _ := propBool(rn, "wildcard"); !w {
					return true
				}
				ev := g.Edge(e).Props
				path := append(append(Path{}, toSA...), e)
				a.add(inventory.Finding{
					Check:     CheckAgentClusterAdmin,
					Title:     fmt.Sprintf("Agent %s runs as service account %s, bound to the wildcard role %s", a.describe(agent), a.describe(sa), a.describe(role)),
					Severity:  inventory.High,
					Resources: []string{g.Node(agent).ID, g.Node(sa).ID},
					Path:      a.edges(path),
					Evidence: map[string]any{
						"agent": g.Node(agent).ID, "service_account": g.Node(sa).ID,
						"binding": ev["binding"], "role": rn.ID, "scope": ev["scope"],
						"risk_score": riskScore(1, 2, inventory.SensitivityHigh),
					},
					Remediation: fmt.Sprintf("Replace %s's wildcard rules (\"*\" verbs or resources) with the verbs and resources the agent's tools use, and bind it only in the agent's namespace.", a.describe(role)),
					Frameworks:  []string{"owasp-llm-2025:LLM06", "owasp-asi-2026:ASI03", "nist-800-53:AC-6", "atlas:AML.T0053"},
				})
				return true
			})
		}
	}
}

// agentEgress: an agent workload whose egress nothing restricts.
func (a *analysis) agentEgress() {
	g := a.g
	for _, agent := range a.agents {
		body := a.body(agent)
		for _, n := range body {
			node := g.Node(n)
			if !a.unrestrictedEgress(n) {
				continue
			}
			sources, _, _ := a.untrusted(agent, body)
			sev := inventory.Medium
			if len(sources) > 0 {
				sev = inventory.High
			}
			a.add(inventory.Finding{
				Check:     CheckAgentEgress,
				Title:     fmt.Sprintf("Agent %s runs on %s, whose egress to the internet is unrestricted", a.describe(agent), a.describe(n)),
				Severity:  sev,
				Resources: []string{g.Node(agent).ID, node.ID},
				Evidence: map[string]any{
					"agent": g.Node(agent).ID, "workload": node.ID, "untrusted_input": sources,
					"egress_rule": propString(node, "egress_rule"),
					"risk_score":  riskScore(1+min(len(sources), 1)*2, 1, inventory.SensitivityMedium),
				},
				Remediation: "Deny egress by default (a NetworkPolicy with policyTypes [Egress] for the agent's pods, or a security group without 0.0.0.0/0 egress) and allow only the model endpoint and the tools the agent needs, through an egress proxy.",
				Frameworks:  []string{"owasp-llm-2025:LLM02", "owasp-asi-2026:ASI02", "nist-800-53:SC-7", "nist-800-53:AC-4", "atlas:AML.T0025"},
			})
			break
		}
	}
}

// isModelStore reports whether a node holds model artifacts or agent
// memory: SageMaker models, knowledge bases, vector stores, and buckets a
// knowledge base or agent retrieves from or that are named or tagged for
// models.
func (a *analysis) isModelStore(n NodeID) (bool, string) {
	node := a.g.Node(n)
	switch node.Kind {
	case inventory.KindSageMakerModel, inventory.KindBedrockKnowledgeBase, inventory.KindAIVectorStore:
		return true, node.Kind
	case inventory.KindS3Bucket:
		if a.g.HasIn(n, a.g.Kinds(inventory.EdgeRetrievesFrom)) {
			return true, "knowledge-base data source"
		}
		if p := propString(node, "purpose"); p == "model_artifacts" || p == "knowledge_base" {
			return true, p
		}
		for _, w := range nameTokens(node.Name) {
			switch w {
			case "model", "models", "artifacts", "weights", "checkpoints", "knowledge", "kb", "rag", "embeddings":
				return true, "name contains " + w
			}
		}
	}
	return false, ""
}

// poisonableModels: model artifacts or knowledge bases that untrusted
// principals can write: the public (the internet node), principals of
// accounts outside the snapshot, and identities the internet or an
// untrusted-input agent reaches.
func (a *analysis) poisonableModels() {
	g := a.g
	write := g.Kinds(inventory.EdgeCanWrite)
	accounts := map[string]bool{}
	for _, n := range a.snap.Nodes {
		if n.Account != "" {
			accounts[n.Account] = true
		}
	}
	// Identities an attacker controls or steers.
	steered := make([]bool, g.Len())
	var sources []NodeID
	if a.internet >= 0 {
		sources = append(sources, a.internet)
	}
	for _, ag := range a.agents {
		if srcs, _, _ := a.untrusted(ag, a.body(ag)); len(srcs) > 0 {
			sources = append(sources, ag)
		}
	}
	s := g.NewSearcher()
	s.Reach(sources, g.Kinds(inventory.EdgeReaches, inventory.EdgeRoutesTo, inventory.EdgeRunsAs, inventory.EdgeCanAssume, inventory.EdgeCanEscalateTo), a.opts.MaxDepth, func(n NodeID, _ int) bool {
		steered[n] = true
		return true
	})
	for n := 0; n < g.Len(); n++ {
		ok, why := a.isModelStore(NodeID(n))
		if !ok {
			continue
		}
		var writers []string
		var path Path
		g.In(NodeID(n), write, func(w NodeID, e EdgeID) bool {
			wn := g.Node(w)
			reason := ""
			switch {
			case w == a.internet || wn.ID == "*":
				reason = "anyone"
			case wn.Account != "" && !accounts[wn.Account]:
				reason = "account " + wn.Account + " outside the scanned estate"
			case steered[w] && w != a.internet:
				reason = "reachable from the internet or an agent reading untrusted input"
			}
			if reason != "" {
				writers = append(writers, wn.ID+" ("+reason+")")
				if path == nil {
					if steered[w] {
						path = s.PathTo(w)
					}
					path = append(path, e)
				}
			}
			return true
		})
		if len(writers) == 0 {
			continue
		}
		node := g.Node(NodeID(n))
		sort.Strings(writers)
		a.add(inventory.Finding{
			Check:       CheckPoisonableModel,
			Title:       fmt.Sprintf("Model or knowledge store %s can be written by untrusted principals", a.describe(NodeID(n))),
			Severity:    inventory.High,
			Resources:   []string{node.ID},
			Path:        a.edges(path),
			Evidence:    map[string]any{"store": node.ID, "why_model_store": why, "writers": writers, "risk_score": riskScore(3, 2, inventory.SensitivityMedium)},
			Remediation: a.fix(path[len(path)-1:], fmt.Sprintf("Allow writes to %s only from the training or ingestion pipeline's role; remove public and cross-account write grants, and turn on versioning and object lock so a poisoned version can be found and rolled back.", a.describe(NodeID(n)))),
			Frameworks:  []string{"owasp-llm-2025:LLM04", "owasp-llm-2025:LLM08", "owasp-asi-2026:ASI06", "atlas:AML.T0020", "atlas:AML.T0070", "nist-800-53:SI-7", "iso-42001:A.7.5"},
		})
	}
}

// costActions are the actions that start or scale paid compute.
var costActions = []string{
	"ec2:RunInstances", "autoscaling:UpdateAutoScalingGroup", "autoscaling:SetDesiredCapacity",
	"autoscaling:CreateAutoScalingGroup", "sagemaker:CreateEndpoint", "sagemaker:CreateTrainingJob",
	"eks:UpdateNodegroupConfig", "ecs:UpdateService", "lambda:PutFunctionConcurrency",
}

// agentCostAbuse: an agent whose identities may start or scale compute with
// no condition limiting it (IAM), or create and scale workloads (RBAC).
func (a *analysis) agentCostAbuse() {
	g := a.g
	s := g.NewSearcher()
	s.Limit = reachBound
	walk := g.Kinds(inventory.EdgeRunsAs, inventory.EdgeRunsOn, inventory.EdgeCanAssume, inventory.EdgeCanEscalateTo)
	for _, agent := range a.agents {
		var grants []string
		var path Path
		s.Reach([]NodeID{agent}, walk, a.opts.MaxDepth, func(n NodeID, _ int) bool {
			node := g.Node(n)
			var got []string
			if isPrincipal(node.Kind) && a.opts.Access != nil {
				for _, act := range costActions {
					if ok, ev := a.opts.Access.Allowed(node.ID, act, "*"); ok && ev["conditional"] != true {
						got = append(got, fmt.Sprintf("%s may %s unconditionally", node.ID, act))
					}
				}
			}
			if node.Kind == inventory.KindK8sServiceAccount {
				got = append(got, a.rbacScaling(n)...)
			}
			if len(got) > 0 {
				grants = append(grants, got...)
				if path == nil {
					path = s.PathTo(n)
				}
			}
			return true
		})
		if len(grants) == 0 {
			continue
		}
		a.add(inventory.Finding{
			Check:       CheckAgentCostAbuse,
			Title:       fmt.Sprintf("Agent %s can launch or scale compute without limits", a.describe(agent)),
			Severity:    inventory.High,
			Resources:   []string{g.Node(agent).ID},
			Path:        a.edges(path),
			Evidence:    map[string]any{"agent": g.Node(agent).ID, "grants": grants, "risk_score": riskScore(2, 2, inventory.SensitivityMedium)},
			Remediation: "Take launch and scaling actions away from the agent's identity, or limit them with conditions (ec2:InstanceType, aws:RequestTag, autoscaling:MaxSize), a ResourceQuota in its namespace, and a Parapet gateway budget with a circuit breaker.",
			Frameworks:  []string{"owasp-llm-2025:LLM10", "owasp-asi-2026:ASI02", "owasp-asi-2026:ASI08", "atlas:AML.T0034", "nist-800-53:AC-6", "nist-800-53:SC-6"},
		})
	}
}

// rbacScaling lists the RBAC grants of a service account that create or
// scale workloads.
func (a *analysis) rbacScaling(sa NodeID) []string {
	g := a.g
	var out []string
	g.Out(sa, g.Kinds(inventory.EdgeBoundTo), func(role NodeID, e EdgeID) bool {
		// The collector's summary of the role, where it wrote one.
		for _, grant := range asStrings(g.Node(role).Props["grants"]) {
			if grant == "*" || grant == "workloads:create" || grant == "pods:create" {
				out = append(out, fmt.Sprintf("%s may create or scale workloads (%s, through %v)", g.Node(sa).ID, grant, g.Edge(e).Props["binding"]))
				return true
			}
		}
		for _, r := range rulesOf(g.Node(role)) {
			for _, res := range []struct{ group, resource string }{
				{"apps", "deployments/scale"}, {"apps", "deployments"}, {"apps", "statefulsets"},
				{"", "pods"}, {"batch", "jobs"}, {"autoscaling", "horizontalpodautoscalers"},
			} {
				if r.allows(res.group, res.resource, "create", "patch", "update") {
					out = append(out, fmt.Sprintf("%s may create or scale %s (through %v)", g.Node(sa).ID, res.resource, g.Edge(e).Props["binding"]))
					return true
				}
			}
		}
		return true
	})
	return out
}

// shadowAgents: workloads that hold AI API keys or send traffic to AI
// endpoints without being registered as agents: no ai.agent runs on them,
// no aibom.RegistrationLabel label, and the AI inventory did not recognise
// them as AI software (props ai_shadow_candidate, when it ran).
func (a *analysis) shadowAgents() {
	g := a.g
	registered := make([]bool, g.Len())
	for _, ag := range a.agents {
		for _, n := range a.body(ag) {
			registered[n] = true
		}
	}
	keys := g.Kinds(inventory.EdgeHoldsKey)
	egress := g.Kinds(inventory.EdgeEgressTo)
	for n := 0; n < g.Len(); n++ {
		node := g.Node(NodeID(n))
		if registered[n] || node.Kind == inventory.KindAIAgent {
			continue
		}
		if _, ok := node.Tags[aibom.RegistrationLabel]; ok {
			continue
		}
		// The AI inventory decides where it ran: a workload it recognised
		// as AI software is not a shadow, one it marked is.
		if candidate, known := propBool(node, "ai_shadow_candidate"); known && !candidate {
			continue
		}
		var signs []string
		g.Out(NodeID(n), keys, func(k NodeID, _ EdgeID) bool {
			kn := g.Node(k)
			signs = append(signs, fmt.Sprintf("holds %s key %s", propString(kn, "provider"), kn.ID))
			return true
		})
		g.Out(NodeID(n), egress, func(m NodeID, _ EdgeID) bool {
			if g.Node(m).Kind == inventory.KindAIEndpoint {
				signs = append(signs, "sends traffic to "+g.Node(m).ID)
			}
			return true
		})
		if len(signs) == 0 {
			continue
		}
		sev := inventory.Medium
		if a.exposed[n] {
			sev = inventory.High
		}
		a.add(inventory.Finding{
			Check:       CheckShadowAgent,
			Title:       fmt.Sprintf("Shadow AI: %s uses AI services but is not registered as an agent", a.describe(NodeID(n))),
			Severity:    sev,
			Resources:   []string{node.ID},
			Evidence:    map[string]any{"workload": node.ID, "signs": signs, "risk_score": riskScore(1, 1, inventory.SensitivityMedium)},
			Remediation: fmt.Sprintf("Register %s as an agent (label "+aibom.RegistrationLabel+" with its name) so its identity, tools and egress are reviewed, move its AI key into a secret manager with rotation, and send its model traffic through the gateway.", a.describe(NodeID(n))),
			Frameworks:  []string{"owasp-asi-2026:ASI10", "owasp-llm-2025:LLM03", "nist-800-53:CM-8", "nist-800-53:PM-5", "iso-42001:A.4.2"},
		})
	}
}
