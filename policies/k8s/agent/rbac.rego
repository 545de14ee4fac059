# METADATA
# title: Agent service account with cluster-admin or wildcard RBAC
# description: >-
#   An agent that prompt injection can steer must not hold cluster-wide
#   power. Denies a RoleBinding or ClusterRoleBinding that binds an agent's
#   service account to cluster-admin or to a role with a wildcard (*) verb or
#   resource, and an agent workload whose service account has such a binding
#   in the inventory.
# custom:
#   id: PAR-K8S-AGENT-RBAC
#   severity: critical
#   frameworks: ["owasp-asi-2026:ASI03", "owasp-llm-2025:LLM06", "nist-800-53:AC-6"]
#   remediation: Bind the agent's service account to a Role that lists the exact verbs and resources its tools need, in its own namespace.
#   inputs: [admission]
package parapet.k8s.agent.rbac

import data.parapet.lib.agent
import data.parapet.lib.k8s
import rego.v1

binding_kinds := {"RoleBinding", "ClusterRoleBinding"}

# bindings are the bindings of the inventory and the one under review.
bindings contains o if {
	some o in agent.inventory_objects
	o.kind == "RoleBinding"
}

bindings contains o if {
	some o in agent.cluster_objects
	o.kind == "ClusterRoleBinding"
}

bindings contains k8s.obj if binding_kinds[k8s.kind]

# subjects(b) are the "namespace/name" of the service accounts b binds.
subjects(b) := {sprintf("%s/%s", [ns, s.name]) |
	some s in object.get(b, "subjects", [])
	s.kind == "ServiceAccount"
	ns := object.get(s, "namespace", object.get(b, ["metadata", "namespace"], ""))
}

# role(b) is the role b refers to, when the inventory or the review has it.
role(b) := r if {
	b.roleRef.kind == "ClusterRole"
	some r in roles
	r.kind == "ClusterRole"
	r.metadata.name == b.roleRef.name
}

role(b) := r if {
	b.roleRef.kind == "Role"
	some r in roles
	r.kind == "Role"
	r.metadata.name == b.roleRef.name
	object.get(r, ["metadata", "namespace"], "") == object.get(b, ["metadata", "namespace"], "")
}

roles contains o if {
	some o in agent.cluster_objects
	o.kind == "ClusterRole"
}

roles contains o if {
	some o in agent.inventory_objects
	o.kind == "Role"
}

roles contains k8s.obj if k8s.kind in {"Role", "ClusterRole"}

# power(b) says why the role b grants is too strong.
power(b) := "cluster-admin" if {
	b.roleRef.kind == "ClusterRole"
	b.roleRef.name == "cluster-admin"
}

power(b) := sprintf("%s %q, which grants %s", [b.roleRef.kind, b.roleRef.name, wildcard(role(b))]) if {
	b.roleRef.name != "cluster-admin"
	wildcard(role(b))
}

wildcard(r) := w if {
	some rule in object.get(r, "rules", [])
	some f in ["verbs", "resources"]
	"*" in object.get(rule, f, [])
	w := sprintf("%s: [\"*\"]", [f])
}

# A binding under review that gives an agent's service account the power.
deny contains {"msg": msg, "field": "roleRef"} if {
	binding_kinds[k8s.kind]
	why := power(k8s.obj)
	some sa in subjects(k8s.obj)
	sa in agent.agent_service_accounts
	msg := sprintf("%s %q binds agent service account %s to %s: bind it to a Role with only the verbs and resources the agent's tools need", [k8s.kind, k8s.name, sa, why])
}

# An agent workload whose service account holds the power.
deny contains {"msg": msg, "field": k8s.spec_field("serviceAccountName")} if {
	agent.is_agent
	sa := sprintf("%s/%s", [agent.namespace_of(k8s.obj), agent.service_account_of(k8s.obj)])
	some b in bindings
	sa in subjects(b)
	why := power(b)
	msg := sprintf("agent %s runs as service account %s, which %s %q binds to %s: give the agent a service account bound only to what its tools need", [k8s.object_phrase, sa, b.kind, b.metadata.name, why])
}
