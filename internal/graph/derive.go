package graph

import (
	"slices"
	"sort"
	"strings"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// AccessEvaluator answers whether a principal may perform an action on a
// resource, with the evidence (deciding statements) when it may. The IAM
// engine implements it (see IAMAccess); conditional allows count as
// allowed, with the conditions in the evidence.
type AccessEvaluator interface {
	Allowed(principal, action, resource string) (bool, map[string]any)
}

// dataActions are the IAM actions that read or write each data kind, and
// how to name the resource they act on from the node's ARN.
var dataActions = map[string]struct {
	read, write []string
	object      func(arn string) string
}{
	inventory.KindS3Bucket:             {[]string{"s3:GetObject"}, []string{"s3:PutObject"}, func(a string) string { return a + "/*" }},
	inventory.KindDynamoDBTable:        {[]string{"dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query"}, []string{"dynamodb:PutItem"}, nil},
	inventory.KindSecret:               {[]string{"secretsmanager:GetSecretValue"}, []string{"secretsmanager:PutSecretValue"}, nil},
	inventory.KindKMSKey:               {[]string{"kms:Decrypt"}, nil, nil},
	inventory.KindSQSQueue:             {[]string{"sqs:ReceiveMessage"}, []string{"sqs:SendMessage"}, nil},
	inventory.KindBedrockKnowledgeBase: {[]string{"bedrock:Retrieve"}, []string{"bedrock:StartIngestionJob"}, nil},
	inventory.KindRDSInstance:          {[]string{"rds-db:connect", "rds:CreateDBSnapshot"}, []string{"rds:ModifyDBInstance"}, nil},
	inventory.KindSageMakerModel:       {nil, []string{"sagemaker:CreateModel"}, nil},
}

// isPrincipal reports whether nodes of kind are IAM principals the engine
// can evaluate.
func isPrincipal(kind string) bool {
	return kind == inventory.KindIAMRole || kind == inventory.KindIAMUser
}

// deriveIAM adds can_read and can_write edges from the IAM principals that
// lie on a path from an exposure or an agent to the data they may use. The
// bound keeps the cost to (reachable principals) x (data in their account
// or with a resource policy), not the whole estate.
func (a *analysis) deriveIAM() []*inventory.Edge {
	g := a.g
	walk := g.Kinds(inventory.EdgeReaches, inventory.EdgeRoutesTo, inventory.EdgeRunsAs,
		inventory.EdgeCanAssume, inventory.EdgeCanEscalateTo, inventory.EdgeCallsTool)
	var sources []NodeID
	if id, ok := g.Lookup(inventory.InternetID); ok {
		sources = append(sources, id)
	}
	for n := 0; n < g.Len(); n++ {
		if g.Node(NodeID(n)).Kind == inventory.KindAIAgent {
			sources = append(sources, NodeID(n))
		}
	}
	var principals []*inventory.Node
	s := g.NewSearcher()
	s.Reach(sources, walk, a.opts.MaxDepth, func(n NodeID, _ int) bool {
		if node := g.Node(n); isPrincipal(node.Kind) {
			principals = append(principals, node)
		}
		return true
	})
	// Data by account; data with a resource policy is also checked for
	// principals of other accounts.
	byAccount := map[string][]*inventory.Node{}
	var shared []*inventory.Node
	for _, n := range a.snap.Nodes {
		if _, ok := dataActions[n.Kind]; !ok || !strings.HasPrefix(n.ID, "arn:") {
			continue
		}
		byAccount[n.Account] = append(byAccount[n.Account], n)
		if _, ok := prop(n, "policy", "resource_policy"); ok {
			shared = append(shared, n)
		}
	}
	sort.Slice(principals, func(i, j int) bool { return principals[i].ID < principals[j].ID })
	var out []*inventory.Edge
	for _, p := range principals {
		seen := map[string]bool{}
		try := func(d *inventory.Node) {
			if seen[d.ID] {
				return
			}
			seen[d.ID] = true
			acts := dataActions[d.Kind]
			res := d.ID
			if acts.object != nil {
				res = acts.object(d.ID)
			}
			for _, set := range []struct {
				kind    string
				actions []string
			}{{inventory.EdgeCanRead, acts.read}, {inventory.EdgeCanWrite, acts.write}} {
				for _, act := range set.actions {
					if ok, ev := a.opts.Access.Allowed(p.ID, act, res); ok {
						props := map[string]any{"action": act, "resource": res, "source": "iam"}
						for k, v := range ev {
							props[k] = v
						}
						out = append(out, &inventory.Edge{From: p.ID, To: d.ID, Kind: set.kind, Props: props})
						break
					}
				}
			}
		}
		for _, d := range byAccount[p.Account] {
			try(d)
		}
		for _, d := range shared {
			if d.Account != p.Account {
				try(d)
			}
		}
	}
	return out
}

// k8sRef splits a k8s://<cluster>/<namespace>/<kind>/<name> ID; cluster-scoped
// objects have an empty namespace (k8s://<cluster>/_/<kind>/<name> or
// k8s://<cluster>//<kind>/<name>).
func k8sRef(id string) (cluster, namespace, kind, name string, ok bool) {
	rest, found := strings.CutPrefix(id, "k8s://")
	if !found {
		return "", "", "", "", false
	}
	parts := strings.Split(rest, "/")
	switch len(parts) {
	case 1:
		return parts[0], "", "", "", true
	case 3: // cluster-scoped: cluster/kind/name
		return parts[0], "", parts[1], parts[2], true
	case 4:
		ns := parts[1]
		if ns == "_" {
			ns = ""
		}
		return parts[0], ns, parts[2], parts[3], true
	}
	return "", "", "", "", false
}

// rbacRule is one PolicyRule of a Role or ClusterRole.
type rbacRule struct {
	apiGroups, resources, verbs, names []string
}

func rulesOf(n *inventory.Node) []rbacRule {
	var out []rbacRule
	for _, r := range asSlice(n.Props["rules"]) {
		m := asMap(r)
		if m == nil {
			continue
		}
		out = append(out, rbacRule{
			apiGroups: asStrings(m["apiGroups"]),
			resources: asStrings(m["resources"]),
			verbs:     asStrings(m["verbs"]),
			names:     asStrings(m["resourceNames"]),
		})
	}
	return out
}

func has(list []string, want ...string) bool {
	for _, v := range list {
		for _, w := range want {
			if v == w || v == "*" {
				return true
			}
		}
	}
	return false
}

func (r rbacRule) allows(group, resource string, verbs ...string) bool {
	return has(r.apiGroups, group) && has(r.resources, resource) && has(r.verbs, verbs...)
}

// wildcard reports whether the rule grants every verb on every resource
// of every API group: cluster-admin's rule.
func (r rbacRule) wildcard() bool {
	return slices.Contains(r.apiGroups, "*") && slices.Contains(r.resources, "*") && slices.Contains(r.verbs, "*")
}

// clusterOf returns the cluster node ID of a k8s:// node ID.
func clusterOf(id string) string {
	c, _, _, _, ok := k8sRef(id)
	if !ok {
		return ""
	}
	return "k8s://" + c
}

// deriveRBAC turns RBAC bindings into access edges: a service account bound
// (through bound_to edges whose props name the binding's namespace; empty
// for a ClusterRoleBinding) to rules that read secrets gets can_read to
// those secrets; rules that create pods give the same, since a pod can mount
// any secret of its namespace; a wildcard rule cluster-wide gives admin_of
// the cluster.
func deriveRBAC(s *inventory.Snapshot) []*inventory.Edge {
	secretsByNS := map[string][]*inventory.Node{} // "cluster/ns" -> secrets
	var clusterSecrets = map[string][]*inventory.Node{}
	for _, n := range s.Nodes {
		if n.Kind != inventory.KindK8sSecret {
			continue
		}
		c, ns, _, _, ok := k8sRef(n.ID)
		if !ok {
			continue
		}
		secretsByNS[c+"/"+ns] = append(secretsByNS[c+"/"+ns], n)
		clusterSecrets[c] = append(clusterSecrets[c], n)
	}
	var out []*inventory.Edge
	for _, e := range s.Edges {
		if e.Kind != inventory.EdgeBoundTo {
			continue
		}
		role := s.Node(e.To)
		if role == nil {
			continue
		}
		cluster, _, _, _, ok := k8sRef(e.From)
		if !ok {
			continue
		}
		ns, _ := e.Props["namespace"].(string) // "" for a ClusterRoleBinding
		binding, _ := e.Props["binding"].(string)
		if binding == "" {
			binding, _ = e.Props["via"].(string)
		}
		scope := clusterSecrets[cluster]
		if ns != "" {
			scope = secretsByNS[cluster+"/"+ns]
		}
		for _, r := range rulesOf(role) {
			if r.wildcard() && ns == "" {
				out = append(out, &inventory.Edge{From: e.From, To: "k8s://" + cluster, Kind: inventory.EdgeAdminOf,
					Props: map[string]any{"source": "rbac", "binding": binding, "role": role.ID, "rule": "*/*/*"}})
			}
			readsSecrets := r.allows("", "secrets", "get", "list", "watch")
			createsPods := r.allows("", "pods", "create")
			if !readsSecrets && !createsPods {
				continue
			}
			how := "rule allows get on secrets"
			if !readsSecrets {
				how = "rule allows create on pods, and a pod can mount any secret of its namespace"
			}
			for _, sec := range scope {
				_, _, _, name, _ := k8sRef(sec.ID)
				if readsSecrets && len(r.names) > 0 && !has(r.names, name) {
					continue
				}
				out = append(out, &inventory.Edge{From: e.From, To: sec.ID, Kind: inventory.EdgeCanRead,
					Props: map[string]any{"source": "rbac", "binding": binding, "role": role.ID, "technique": how}})
			}
		}
	}
	return out
}
