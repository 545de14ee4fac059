package parapet.k8s.agent.rbac_test

import data.parapet.k8s.agent.rbac
import data.parapet.lib.fixtures
import rego.v1

agent_deployment := {
	"apiVersion": "apps/v1", "kind": "Deployment",
	"metadata": {"name": "devops-agent", "namespace": "agents"},
	"spec": {"template": {
		"metadata": {"labels": {"parapet.dev/agent": "devops"}},
		"spec": {"serviceAccountName": "devops", "containers": [{"name": "a", "image": "agent"}]},
	}},
}

binding(role_kind, role) := {
	"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
	"metadata": {"name": "devops-admin"},
	"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
	"subjects": [{"kind": "ServiceAccount", "name": "devops", "namespace": "agents"}],
}

inventory := {"namespace": {"agents": {"apps/v1": {"Deployment": {"devops-agent": agent_deployment}}}}}

test_binding_an_agent_to_cluster_admin_is_denied if {
	some r in rbac.deny with input as fixtures.review(binding("ClusterRole", "cluster-admin")) with data.inventory as inventory
	contains(r.msg, "agents/devops")
	contains(r.msg, "cluster-admin")
}

test_binding_an_agent_to_a_wildcard_role_is_denied if {
	wild := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "everything"}, "rules": [{"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}]}
	inv := object.union(inventory, {"cluster": {"rbac.authorization.k8s.io/v1": {"ClusterRole": {"everything": wild}}}})
	some r in rbac.deny with input as fixtures.review(binding("ClusterRole", "everything")) with data.inventory as inv
	contains(r.msg, "resources: [\"*\"]")
}

test_binding_an_agent_to_a_narrow_role_is_allowed if {
	narrow := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "read-pods"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]}
	inv := object.union(inventory, {"cluster": {"rbac.authorization.k8s.io/v1": {"ClusterRole": {"read-pods": narrow}}}})
	count(rbac.deny) == 0 with input as fixtures.review(binding("ClusterRole", "read-pods")) with data.inventory as inv
}

test_binding_a_non_agent_to_cluster_admin_is_not_this_rule if {
	count(rbac.deny) == 0 with input as fixtures.review(binding("ClusterRole", "cluster-admin")) with data.inventory as {}
}

test_an_agent_whose_service_account_is_cluster_admin_is_denied if {
	inv := {"cluster": {"rbac.authorization.k8s.io/v1": {"ClusterRoleBinding": {"devops-admin": binding("ClusterRole", "cluster-admin")}}}}
	some r in rbac.deny with input as fixtures.review(agent_deployment) with data.inventory as inv
	r.field == "spec.template.spec.serviceAccountName"
}
