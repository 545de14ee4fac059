package parapet.k8s.posture.cluster_admin_service_account_test

import data.parapet.k8s.posture.cluster_admin_service_account as check
import rego.v1

admin := "k8s://prod//clusterrole/cluster-admin"

view := "k8s://prod//clusterrole/view"

inventory := {"nodes": {
	admin: {"id": admin, "kind": "k8s.clusterrole", "name": "cluster-admin", "props": {"cluster_admin": true}},
	view: {"id": view, "kind": "k8s.clusterrole", "name": "view", "props": {"cluster_admin": false}},
}}

binding(role, ns) := {"kind": "resource", "resource": {
	"id": "k8s://prod//clusterrolebinding/agent-admin", "kind": "k8s.clusterrolebinding", "name": "agent-admin",
	"props": {"role_ref": role, "scope": "cluster", "subjects": [{"kind": "ServiceAccount", "name": "devops-agent", "namespace": ns}]},
}}

test_agent_bound_to_cluster_admin_fails if {
	some r in check.deny with input as binding(admin, "agents") with data.parapet.inventory as inventory
	r.subject == "agents/devops-agent"
}

test_binding_to_view_passes if {
	count(check.deny) == 0 with input as binding(view, "agents") with data.parapet.inventory as inventory
}

test_kube_system_controllers_pass if {
	count(check.deny) == 0 with input as binding(admin, "kube-system") with data.parapet.inventory as inventory
}
