# METADATA
# title: Service account bound to cluster-admin
# description: >-
#   A ClusterRoleBinding gives a service account a role equivalent to
#   cluster-admin (every verb on every resource in every API group): any pod
#   that runs as it, and anyone who can create such a pod or steal its token,
#   controls the whole cluster and reads every Secret.
# custom:
#   id: PAR-K8S-RBAC-001
#   severity: high
#   frameworks: ["nist-800-53:AC-6", "nist-800-53:AC-6(5)", "owasp-asi-2026:ASI03", "owasp-llm-2025:LLM06"]
#   remediation: >-
#     Replace the ClusterRoleBinding with a Role and RoleBinding in the
#     namespace the workload needs, listing only the verbs and resources it
#     uses; never bind cluster-admin to a workload's service account.
#   inputs: [resource]
package parapet.k8s.posture.cluster_admin_service_account

import rego.v1

deny contains {"msg": msg, "subject": sprintf("%s/%s", [s.namespace, s.name]), "role": role.id} if {
	input.resource.kind == "k8s.clusterrolebinding"
	role := data.parapet.inventory.nodes[input.resource.props.role_ref]
	role.props.cluster_admin == true
	some s in input.resource.props.subjects
	s.kind == "ServiceAccount"
	not system_namespace(s.namespace)
	msg := sprintf("ClusterRoleBinding %s gives service account %s/%s the cluster-admin-equivalent role %s", [
		input.resource.name, s.namespace, s.name, object.get(role, "name", role.id),
	])
}

system_namespace(ns) if ns in {"kube-system", "kube-public", "kube-node-lease"}
