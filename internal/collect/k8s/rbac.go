package k8s

import (
	"encoding/json"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/parapet-sec/parapet/internal/inventory"
)

func (b *builder) role(ob Object) {
	kind := inventory.KindK8sRole
	namespaced := true
	if ob.Kind() == "ClusterRole" {
		kind, namespaced = inventory.KindK8sClusterRole, false
	}
	n := b.base(ob, kind, namespaced)
	ri := &roleInfo{node: n, rules: list(ob.Raw, "rules")}
	if ar := obj(ob.Raw, "aggregationRule"); ar != nil {
		n.Props["aggregation_selectors"] = list(ar, "clusterRoleSelectors")
	}
	b.roles[n.ID] = ri
}

// builtinRoles describes the default cluster roles when a binding names one
// that the dump does not hold: grants as the Kubernetes defaults give them.
var builtinRoles = map[string][]string{
	"cluster-admin": {"*"},
	"admin":         {"secrets:read", "secrets:write", "pods:create", "pods/exec", "workloads:create", "rbac:write"},
	"edit":          {"secrets:read", "secrets:write", "pods:create", "pods/exec", "workloads:create"},
	"view":          nil,
}

// aggregateRoles resolves aggregated ClusterRoles: each takes the rules of
// every ClusterRole whose labels match one of its clusterRoleSelectors,
// repeatedly, so aggregates of aggregates resolve too. Then every role's
// rules are summarised in props.
func (b *builder) aggregateRoles() {
	ids := sortedKeys(b.roles)
	selectors := map[string][]labels.Selector{}
	for _, id := range ids {
		sels, _ := b.roles[id].node.Props["aggregation_selectors"].([]any)
		for _, s := range sels {
			sm, _ := s.(map[string]any)
			selectors[id] = append(selectors[id], compileSelector(sm))
		}
	}
	for round := 0; round < 10; round++ {
		changed := false
		for _, id := range ids {
			ri := b.roles[id]
			sels := selectors[id]
			if len(sels) == 0 {
				continue
			}
			var from []string
			for _, other := range ids {
				o := b.roles[other]
				if other == id || o.node.Kind != inventory.KindK8sClusterRole {
					continue
				}
				for _, s := range sels {
					if s.Matches(labels.Set(o.node.Tags)) {
						from = appendUnique(from, other)
						for _, r := range o.rules {
							if !containsRule(ri.rules, r) {
								ri.rules = append(ri.rules, r)
								changed = true
							}
						}
					}
				}
			}
			ri.node.Props["aggregated_from"] = from
		}
		if !changed {
			break
		}
	}
	for _, id := range ids {
		ri := b.roles[id]
		ri.node.Props["rules"] = ri.rules
		grants, admin := summariseRules(ri.rules)
		if grants == nil {
			grants = []string{}
		}
		ri.node.Props["grants"] = grants
		ri.node.Props["cluster_admin"] = admin
		ri.node.Props["wildcard"] = containsString(grants, "*") || hasWildcard(ri.rules)
	}
}

func containsRule(rules []any, r any) bool {
	rj, _ := json.Marshal(r)
	for _, x := range rules {
		xj, _ := json.Marshal(x)
		if string(xj) == string(rj) {
			return true
		}
	}
	return false
}

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// hasWildcard reports a rule with "*" verbs or "*" resources.
func hasWildcard(rules []any) bool {
	for _, r := range rules {
		rm, _ := r.(map[string]any)
		if containsString(strList(list(rm, "verbs")), "*") || containsString(strList(list(rm, "resources")), "*") {
			return true
		}
	}
	return false
}

// ruleAllows reports whether one PolicyRule allows a verb on a resource
// (in any API group), ignoring resourceNames.
func ruleAllows(rm map[string]any, verb, resource string) bool {
	verbs, resources := strList(list(rm, "verbs")), strList(list(rm, "resources"))
	vOK := containsString(verbs, "*") || containsString(verbs, verb)
	rOK := containsString(resources, "*") || containsString(resources, resource)
	if !rOK {
		if i := strings.IndexByte(resource, '/'); i >= 0 {
			rOK = containsString(resources, resource[:i]+"/*")
		}
	}
	return vOK && rOK
}

// summariseRules names what a set of rules grants that matters for attack
// paths (documented in docs/inventory.md), and whether it is
// cluster-admin equivalent (all verbs on all resources in all groups).
func summariseRules(rules []any) (grants []string, clusterAdmin bool) {
	add := func(g string) { grants = appendUnique(grants, g) }
	workloads := []string{"deployments", "daemonsets", "statefulsets", "replicasets", "jobs", "cronjobs"}
	for _, r := range rules {
		rm, _ := r.(map[string]any)
		groups := strList(list(rm, "apiGroups"))
		verbs, resources := strList(list(rm, "verbs")), strList(list(rm, "resources"))
		if containsString(groups, "*") && containsString(resources, "*") && containsString(verbs, "*") {
			clusterAdmin = true
			add("*")
		}
		for _, v := range []string{"get", "list", "watch"} {
			if ruleAllows(rm, v, "secrets") {
				add("secrets:read")
			}
		}
		for _, v := range []string{"create", "update", "patch", "delete"} {
			if ruleAllows(rm, v, "secrets") {
				add("secrets:write")
			}
			for _, rr := range []string{"roles", "rolebindings", "clusterroles", "clusterrolebindings"} {
				if ruleAllows(rm, v, rr) {
					add("rbac:write")
				}
			}
			if ruleAllows(rm, v, "configmaps") {
				add("configmaps:write")
			}
		}
		if ruleAllows(rm, "create", "pods") {
			add("pods:create")
		}
		for _, w := range workloads {
			if ruleAllows(rm, "create", w) || ruleAllows(rm, "patch", w) || ruleAllows(rm, "update", w) {
				add("workloads:create")
			}
		}
		if ruleAllows(rm, "create", "pods/exec") || ruleAllows(rm, "get", "pods/exec") {
			add("pods/exec")
		}
		if ruleAllows(rm, "create", "pods/attach") {
			add("pods/attach")
		}
		if ruleAllows(rm, "create", "serviceaccounts/token") {
			add("serviceaccounts/token")
		}
		if ruleAllows(rm, "get", "nodes/proxy") || ruleAllows(rm, "create", "nodes/proxy") {
			add("nodes/proxy")
		}
		for _, v := range []string{"escalate", "bind", "impersonate"} {
			if containsString(verbs, v) || (containsString(verbs, "*") && len(resources) > 0) {
				for _, res := range resources {
					if v == "impersonate" && (res == "*" || res == "users" || res == "groups" || res == "serviceaccounts") {
						add("impersonate")
					}
					if v != "impersonate" && (res == "*" || strings.HasSuffix(res, "roles")) {
						add("rbac:" + v)
					}
				}
			}
		}
		if ruleAllows(rm, "delete", "*") || ruleAllows(rm, "deletecollection", "*") {
			add("delete:*")
		}
	}
	sort.Strings(grants)
	return grants, clusterAdmin
}

// secretsReadable returns what a set of rules lets its holder read of
// Secrets: all of them, or only the named ones.
func secretsReadable(rules []any) (all bool, names []string) {
	for _, r := range rules {
		rm, _ := r.(map[string]any)
		ok := false
		for _, v := range []string{"get", "list", "watch"} {
			ok = ok || ruleAllows(rm, v, "secrets")
		}
		if !ok {
			continue
		}
		rn := strList(list(rm, "resourceNames"))
		if len(rn) == 0 {
			return true, nil
		}
		for _, n := range rn {
			names = appendUnique(names, n)
		}
	}
	return false, names
}

// binding adds a RoleBinding or ClusterRoleBinding and the bound_to edges
// from each subject to the role, with admin_of where the role is
// cluster-admin equivalent and can_read to the Secrets it can read.
func (b *builder) binding(ob Object) {
	clusterWide := ob.Kind() == "ClusterRoleBinding"
	kind := inventory.KindK8sRoleBinding
	if clusterWide {
		kind = inventory.KindK8sClusterRoleBinding
	}
	n := b.base(ob, kind, !clusterWide)
	ns, _ := n.Props["namespace"].(string)
	ref := obj(ob.Raw, "roleRef")
	roleKind, roleName := str(ref, "kind"), str(ref, "name")
	var roleID string
	if roleKind == "ClusterRole" {
		roleID = ID(b.cluster, "", "ClusterRole", roleName)
		if b.snap.Node(roleID) == nil {
			b.ref("", "ClusterRole", roleName, inventory.KindK8sClusterRole)
			if grants, ok := builtinRoles[roleName]; ok {
				rn := b.snap.Node(roleID)
				rn.Props["builtin"] = true
				rn.Props["grants"] = grants
				rn.Props["cluster_admin"] = roleName == "cluster-admin"
				rn.Props["wildcard"] = roleName == "cluster-admin"
			}
		}
	} else {
		roleID = b.ref(ns, "Role", roleName, inventory.KindK8sRole)
	}
	role := b.snap.Node(roleID)
	n.Props["role_ref"] = roleID
	scope := "cluster"
	if !clusterWide {
		scope = ns
	}
	n.Props["scope"] = scope

	var subjects []map[string]any
	var subjectIDs []string
	anonymous := false
	for _, s := range list(ob.Raw, "subjects") {
		sm, _ := s.(map[string]any)
		sk, sn, sns := str(sm, "kind"), str(sm, "name"), str(sm, "namespace")
		subjects = append(subjects, map[string]any{"kind": sk, "name": sn, "namespace": sns})
		switch sk {
		case "ServiceAccount":
			if sns == "" {
				sns = ns
			}
			subjectIDs = append(subjectIDs, b.ref(sns, "ServiceAccount", sn, inventory.KindK8sServiceAccount))
		case "User":
			if sn == "system:anonymous" {
				anonymous = true
			}
			subjectIDs = append(subjectIDs, b.ref("", "User", sn, inventory.KindK8sUser))
		case "Group":
			if sn == "system:unauthenticated" || sn == "system:authenticated" {
				anonymous = anonymous || sn == "system:unauthenticated"
			}
			subjectIDs = append(subjectIDs, b.ref("", "Group", sn, inventory.KindK8sGroup))
			// Service-account groups stand for every account in scope.
			if sn == "system:serviceaccounts" || strings.HasPrefix(sn, "system:serviceaccounts:") {
				want := strings.TrimPrefix(strings.TrimPrefix(sn, "system:serviceaccounts"), ":")
				for _, nd := range b.snap.Nodes {
					if nd.Kind == inventory.KindK8sServiceAccount && nd.Account == b.cluster && (want == "" || nd.Props["namespace"] == want) {
						subjectIDs = appendUnique(subjectIDs, nd.ID)
					}
				}
			}
		}
	}
	n.Props["subjects"] = subjects
	if anonymous {
		n.Props["anonymous"] = true
	}

	admin, _ := role.Props["cluster_admin"].(bool)
	rules, _ := role.Props["rules"].([]any)
	allSecrets, secretNames := secretsReadable(rules)
	if grants, _ := role.Props["grants"].([]string); role.Props["builtin"] == true && containsString(grants, "secrets:read") {
		allSecrets = true
	}
	if admin {
		allSecrets = true
	}
	var secrets []string
	if allSecrets || len(secretNames) > 0 {
		for _, sns := range sortedKeys(b.secretsByNS) {
			if !clusterWide && sns != ns {
				continue
			}
			for _, sid := range b.secretsByNS[sns] {
				name := sid[strings.LastIndexByte(sid, '/')+1:]
				if allSecrets || containsString(secretNames, name) {
					secrets = append(secrets, sid)
				}
			}
		}
	}
	ev := map[string]any{"binding": n.ID, "binding_kind": ob.Kind(), "scope": scope, "role": roleID}
	for _, sid := range subjectIDs {
		b.snap.Connect(sid, roleID, inventory.EdgeBoundTo, ev)
		if admin {
			target := ClusterID(b.cluster)
			if !clusterWide {
				target = ID(b.cluster, "", "namespace", ns)
			}
			b.snap.Connect(sid, target, inventory.EdgeAdminOf, ev)
		}
		for _, sec := range secrets {
			b.snap.Connect(sid, sec, inventory.EdgeCanRead, ev)
		}
	}
}
