package graph

import (
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

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

// PatternLister is an optional AccessEvaluator method: the resource
// patterns where a principal can possibly be allowed an action (a superset,
// before denies and conditions). deriveIAM uses it to skip data no
// statement names; the IAM engine's AllowedPatterns implements it.
type PatternLister interface {
	AllowedPatterns(principal, action string) []string
}

// patternMatch matches an IAM resource pattern (* and ?) against s; a
// pattern with a policy variable matches anything, to stay a superset.
func patternMatch(pattern, s string) bool {
	if pattern == "*" || strings.Contains(pattern, "${") {
		return true
	}
	// Iterative wildcard matching with backtracking on the last '*'.
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// deriveIAM adds can_read and can_write edges from the IAM principals that
// lie on a path from an exposure, an agent or an account outside the estate
// to the data they may use. The
// bound keeps the cost to (reachable principals) x (data in their account
// or with a resource policy), not the whole estate; with a PatternLister
// only data that some Allow statement names is evaluated.
func (a *analysis) deriveIAM() []*inventory.Edge {
	g := a.g
	walk := g.Kinds(inventory.EdgeReaches, inventory.EdgeRoutesTo, inventory.EdgeRunsAs,
		inventory.EdgeCanAssume, inventory.EdgeCanEscalateTo, inventory.EdgeCallsTool)
	var sources []NodeID
	if id, ok := g.Lookup(inventory.InternetID); ok {
		sources = append(sources, id)
	}
	sources = append(sources, a.agentsOf()...)
	sources = append(sources, a.outsiders()...)
	var principals []*inventory.Node
	s := g.NewSearcher()
	s.Reach(sources, walk, a.opts.MaxDepth, func(n NodeID, _ int) bool {
		if node := g.Node(n); isPrincipal(node.Kind) {
			principals = append(principals, node)
		}
		return true
	})
	sort.Slice(principals, func(i, j int) bool { return principals[i].ID < principals[j].ID })
	// Data by account and kind, most sensitive first; data with a resource
	// policy is also checked for principals of other accounts. Only data
	// that analyses look at is considered: attack-path targets and model
	// or knowledge stores.
	byAccount := map[string]map[string][]*inventory.Node{}
	var shared []*inventory.Node
	for _, n := range a.snap.Nodes {
		if _, ok := dataActions[n.Kind]; !ok || !strings.HasPrefix(n.ID, "arn:") {
			continue
		}
		if n.Sensitivity.Rank() < a.opts.MinSensitivity.Rank() {
			if id, ok := g.Lookup(n.ID); !ok {
				continue
			} else if store, _ := a.isModelStore(id); !store {
				continue
			}
		}
		if byAccount[n.Account] == nil {
			byAccount[n.Account] = map[string][]*inventory.Node{}
		}
		byAccount[n.Account][n.Kind] = append(byAccount[n.Account][n.Kind], n)
		if _, ok := prop(n, "policy", "resource_policy"); ok {
			shared = append(shared, n)
		}
	}
	bySensitivity := func(l []*inventory.Node) {
		sort.SliceStable(l, func(i, j int) bool {
			if l[i].Sensitivity.Rank() != l[j].Sensitivity.Rank() {
				return l[i].Sensitivity.Rank() > l[j].Sensitivity.Rank()
			}
			return l[i].ID < l[j].ID
		})
	}
	for _, m := range byAccount {
		for _, l := range m {
			bySensitivity(l)
		}
	}
	bySensitivity(shared)
	limit := a.opts.MaxAccessPerPrincipal
	// Functions an identity may invoke are tools it can use: their own role
	// extends what it reaches.
	functions := map[string][]*inventory.Node{}
	for _, n := range a.snap.Nodes {
		if n.Kind == inventory.KindLambdaFunction && strings.HasPrefix(n.ID, "arn:") {
			functions[n.Account] = append(functions[n.Account], n)
		}
	}
	// exact finds data by the resource string an action names, for
	// patterns without wildcards: a lookup instead of a scan. objectRes
	// holds the object resource of kinds that have one (S3: "b/*"),
	// computed once.
	exact := map[string]*inventory.Node{}
	objectRes := map[*inventory.Node]string{}
	for _, m := range byAccount {
		for kind, l := range m {
			for _, d := range l {
				res := d.ID
				if o := dataActions[kind].object; o != nil {
					res = o(d.ID)
					objectRes[d] = res
				}
				exact[res] = d
			}
		}
	}
	for _, d := range shared {
		if o := dataActions[d.Kind].object; o != nil {
			objectRes[d] = o(d.ID)
		}
	}
	resOf := func(d *inventory.Node) string {
		if r, ok := objectRes[d]; ok {
			return r
		}
		return d.ID
	}
	kinds := make([]string, 0, len(dataActions))
	for k := range dataActions {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	lister, _ := a.opts.Access.(PatternLister)

	processed := map[string]bool{}
	for _, p := range principals {
		processed[p.ID] = true
	}
	var all []*inventory.Edge
	// Rounds: the roles of the functions a round's principals may invoke
	// are principals of the next round (a tool extends what its caller
	// reaches). Bounded, as chains of tools are short.
	for round := 0; round < 4 && len(principals) > 0; round++ {
		per := make([][]*inventory.Edge, len(principals))
		parallel(len(principals), func(i int) {
			p := principals[i]
			var out []*inventory.Edge
			try := func(d *inventory.Node, edge, act, res string) bool {
				ok, ev := a.opts.Access.Allowed(p.ID, act, res)
				if !ok {
					return false
				}
				props := map[string]any{"action": act, "resource": res, "source": "iam"}
				for k, v := range ev {
					props[k] = v
				}
				out = append(out, &inventory.Edge{From: p.ID, To: d.ID, Kind: edge, Props: props})
				return true
			}
			if pats := patternsFor(lister, p.ID, invokeAction); lister == nil || len(pats) > 0 {
				n := 0
				for _, f := range functions[p.Account] {
					if n >= limit {
						break
					}
					if pats != nil && !anyMatch(pats, f.ID) {
						continue
					}
					if ok, ev := a.opts.Access.Allowed(p.ID, invokeAction, f.ID); ok {
						props := map[string]any{"action": invokeAction, "resource": f.ID, "source": "iam"}
						for k, v := range ev {
							props[k] = v
						}
						out = append(out, &inventory.Edge{From: p.ID, To: f.ID, Kind: inventory.EdgeCallsTool, Props: props})
						n++
					}
				}
			}
			for _, kind := range kinds {
				acts := dataActions[kind]
				for _, set := range []struct {
					edge    string
					actions []string
				}{{inventory.EdgeCanRead, acts.read}, {inventory.EdgeCanWrite, acts.write}} {
					var done idSet
					for _, act := range set.actions {
						if done.len() >= limit {
							break
						}
						var pats []string
						if lister != nil {
							if pats = lister.AllowedPatterns(p.ID, act); len(pats) == 0 {
								continue
							}
							if allNamed(pats, exact) {
								// Named resources only: look them up, most
								// sensitive first.
								var named []*inventory.Node
								for _, pat := range pats {
									if d := exact[pat]; d != nil && d.Kind == kind && d.Account == p.Account && !done.has(d.ID) {
										named = append(named, d)
									}
								}
								bySensitivity(named)
								for _, d := range named {
									if done.len() >= limit {
										break
									}
									if try(d, set.edge, act, resOf(d)) {
										done.add(d.ID)
									}
								}
								continue
							}
						}
						for _, d := range byAccount[p.Account][kind] {
							if done.len() >= limit {
								break
							}
							if done.has(d.ID) {
								continue
							}
							res := resOf(d)
							if pats != nil && !anyMatch(pats, res) {
								continue
							}
							if try(d, set.edge, act, res) {
								done.add(d.ID)
							}
						}
						// Grants on a part of a bucket ("b/reports/*") are
						// access to it too: probe an object they name.
						if kind == inventory.KindS3Bucket {
							for _, pat := range pats {
								if done.len() >= limit {
									break
								}
								d, probe := prefixProbe(pat, exact)
								if d == nil || d.Account != p.Account || done.has(d.ID) {
									continue
								}
								if try(d, set.edge, act, probe) {
									done.add(d.ID)
								}
							}
						}
					}
					// Resource policies can grant across accounts whatever the
					// identity policies name.
					for _, d := range shared {
						if done.len() >= limit {
							break
						}
						if d.Kind != kind || d.Account == p.Account || done.has(d.ID) {
							continue
						}
						for _, act := range set.actions {
							res := d.ID
							if acts.object != nil {
								res = acts.object(d.ID)
							}
							if try(d, set.edge, act, res) {
								done.add(d.ID)
								break
							}
						}
					}
				}
			}
			per[i] = out
		})
		var next []*inventory.Node
		for _, es := range per {
			all = append(all, es...)
			for _, e := range es {
				if e.Kind != inventory.EdgeCallsTool {
					continue
				}
				if f, ok := g.Lookup(e.To); ok {
					g.Out(f, g.Kinds(inventory.EdgeRunsAs), func(r NodeID, _ EdgeID) bool {
						if rn := g.Node(r); isPrincipal(rn.Kind) && !processed[rn.ID] {
							processed[rn.ID] = true
							next = append(next, rn)
						}
						return true
					})
				}
			}
		}
		sort.Slice(next, func(i, j int) bool { return next[i].ID < next[j].ID })
		principals = next
	}
	return all
}

// idSet is a small set of node IDs: derivation stops at a few dozen per
// principal, where a slice beats a map.
type idSet []string

func (s idSet) len() int { return len(s) }

func (s idSet) has(id string) bool {
	for _, x := range s {
		if x == id {
			return true
		}
	}
	return false
}

func (s *idSet) add(id string) { *s = append(*s, id) }

// invokeAction is the action that lets an identity use a function as a tool.
const invokeAction = "lambda:InvokeFunction"

// patternsFor returns the lister's patterns, or nil without a lister.
func patternsFor(l PatternLister, principal, action string) []string {
	if l == nil {
		return nil
	}
	return l.AllowedPatterns(principal, action)
}

// prefixProbe reads an S3 object pattern that names part of one known
// bucket ("arn:aws:s3:::b/labels/*") and returns the bucket and an object
// ARN the pattern matches, to ask the IAM engine about.
func prefixProbe(pattern string, exact map[string]*inventory.Node) (*inventory.Node, string) {
	rest, ok := strings.CutPrefix(pattern, "arn:aws:s3:::")
	if !ok {
		return nil, ""
	}
	bucket, key, ok := strings.Cut(rest, "/")
	if !ok || key == "*" || strings.ContainsAny(bucket, "*?$") {
		return nil, ""
	}
	d := exact["arn:aws:s3:::"+bucket+"/*"]
	if d == nil {
		return nil, ""
	}
	probe := strings.NewReplacer("*", "parapet-probe", "?", "x").Replace(pattern)
	if strings.Contains(probe, "${") {
		return nil, ""
	}
	return d, probe
}

// allNamed reports whether every pattern names resources exactly: no
// wildcard or policy variable, except the "/*" that ends an S3 object
// pattern of a known bucket (bucket names hold no "/", so it names that
// bucket's objects and nothing else).
func allNamed(patterns []string, exact map[string]*inventory.Node) bool {
	for _, p := range patterns {
		if strings.Contains(p, "${") || strings.Contains(p, "?") {
			return false
		}
		switch strings.Count(p, "*") {
		case 0:
		case 1:
			if _, known := exact[p]; !known || !strings.HasPrefix(p, "arn:aws:s3:::") || !strings.HasSuffix(p, "/*") {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func anyMatch(patterns []string, s string) bool {
	for _, p := range patterns {
		if patternMatch(p, s) {
			return true
		}
	}
	return false
}

// parallel runs fn for 0..n-1 on GOMAXPROCS goroutines.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
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
