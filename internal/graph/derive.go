package graph

import (
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
