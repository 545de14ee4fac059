# METADATA
# title: RBAC binding grants unauthenticated users
# description: >-
#   A RoleBinding or ClusterRoleBinding names system:anonymous or
#   system:unauthenticated: anyone who can reach the API server gets its
#   role, with no credentials at all.
# custom:
#   id: PAR-K8S-RBAC-002
#   severity: critical
#   frameworks: ["nist-800-53:AC-3", "nist-800-53:AC-14", "nist-800-53:IA-2"]
#   remediation: >-
#     Remove system:anonymous and system:unauthenticated from the binding's
#     subjects; grant the access to authenticated identities that need it.
#   inputs: [resource]
package parapet.k8s.posture.anonymous_binding

import rego.v1

deny contains {"msg": msg, "role": object.get(input.resource.props, "role_ref", "")} if {
	input.resource.kind in {"k8s.rolebinding", "k8s.clusterrolebinding"}
	input.resource.props.anonymous == true
	msg := sprintf("%s %s binds unauthenticated users to %s", [
		object.get(input.resource.props, "kind", "binding"), input.resource.name, object.get(input.resource.props, "role_ref", "its role"),
	])
}
