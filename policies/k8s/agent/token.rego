# METADATA
# title: Agent mounts a service account token it does not need
# description: >-
#   A mounted token lets anything that controls the agent call the
#   Kubernetes API as its service account. An agent pod must set
#   automountServiceAccountToken false unless its service account is bound
#   to a role (a binding in the inventory shows the token is needed), or the
#   service account itself disables automounting.
# custom:
#   id: PAR-K8S-AGENT-SA-TOKEN
#   severity: medium
#   frameworks: ["owasp-asi-2026:ASI03", "nist-800-53:AC-6"]
#   remediation: Set automountServiceAccountToken to false in the pod spec; project a token with an audience and expiry only where the agent must call the API.
#   inputs: [admission]
package parapet.k8s.agent.token

import data.parapet.lib.agent
import data.parapet.lib.k8s
import rego.v1

sa_name := agent.service_account_of(k8s.obj)

sa_ns := agent.namespace_of(k8s.obj)

service_account contains o if {
	some o in agent.inventory_objects
	o.kind == "ServiceAccount"
	o.metadata.name == sa_name
	object.get(o, ["metadata", "namespace"], "") == sa_ns
}

sa_disables if {
	some o in service_account
	o.automountServiceAccountToken == false
}

bound if {
	some o in agent.inventory_objects | agent.cluster_objects
	o.kind in {"RoleBinding", "ClusterRoleBinding"}
	some s in object.get(o, "subjects", [])
	s.kind == "ServiceAccount"
	s.name == sa_name
	object.get(s, "namespace", object.get(o, ["metadata", "namespace"], "")) == sa_ns
}

deny contains {"msg": msg, "field": field} if {
	agent.is_agent
	not k8s.pod_spec.automountServiceAccountToken == false
	not sa_disables
	not bound
	field := k8s.spec_field("automountServiceAccountToken")
	msg := sprintf("agent %s mounts the token of service account %q, which no role binding uses: set %s to false", [k8s.object_phrase, sa_name, field])
}
