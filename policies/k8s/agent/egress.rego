# METADATA
# title: Agent namespace without default-deny egress
# description: >-
#   An agent that can send anything anywhere is an exfiltration channel.
#   Every namespace running an agent needs a NetworkPolicy that selects all
#   pods (podSelector {}) with policyTypes Egress and no egress rules, so that
#   only egress other policies allow is possible. Decided when the run knows
#   the namespace's objects (every manifest of a check run; the webhook's
#   --inventory).
# custom:
#   id: PAR-K8S-AGENT-EGRESS
#   severity: high
#   frameworks: ["owasp-asi-2026:ASI02", "owasp-llm-2025:LLM02", "nist-800-53:SC-7"]
#   remediation: 'Add a NetworkPolicy with podSelector: {} and policyTypes: [Egress] to the namespace, and allow only the endpoints the agent needs.'
#   inputs: [admission]
package parapet.k8s.agent.egress

import data.parapet.lib.agent
import data.parapet.lib.k8s
import rego.v1

policies(ns) := [p |
	some p in agent.inventory_objects
	p.kind == "NetworkPolicy"
	p.metadata.namespace == ns
]

default_deny(p) if {
	count(object.get(p, ["spec", "podSelector"], {})) == 0
	"Egress" in object.get(p, ["spec", "policyTypes"], [])
	count(object.get(p, ["spec", "egress"], [])) == 0
}

deny contains {"msg": msg} if {
	agent.knows_objects
	agent.is_agent
	ns := agent.namespace_of(k8s.obj)
	ns != ""
	not has_default_deny(ns)
	msg := sprintf("agent %s runs in namespace %q, which has no default-deny egress NetworkPolicy: add one (podSelector: {}, policyTypes: [Egress]) and allow only what the agent needs", [k8s.object_phrase, ns])
}

has_default_deny(ns) if {
	some p in policies(ns)
	default_deny(p)
}
