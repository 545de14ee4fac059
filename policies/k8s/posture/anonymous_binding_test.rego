package parapet.k8s.posture.anonymous_binding_test

import data.parapet.k8s.posture.anonymous_binding as check
import rego.v1

binding(anon) := {"kind": "resource", "resource": {
	"id": "k8s://prod//clusterrolebinding/public-status", "kind": "k8s.clusterrolebinding", "name": "public-status",
	"props": {"kind": "ClusterRoleBinding", "role_ref": "k8s://prod//clusterrole/status-reader", "anonymous": anon},
}}

test_anonymous_binding_fails if {
	count(check.deny) == 1 with input as binding(true)
}

test_authenticated_binding_passes if {
	count(check.deny) == 0 with input as binding(false)
}
