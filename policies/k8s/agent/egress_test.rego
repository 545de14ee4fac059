package parapet.k8s.agent.egress_test

import data.parapet.k8s.agent.egress
import data.parapet.lib.fixtures
import rego.v1

agent_pod := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "planner", "namespace": "agents", "labels": {"parapet.dev/agent": "planner"}}, "spec": {"containers": [{"name": "a", "image": "x"}]}}

deny_all := {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny-egress", "namespace": "agents"}, "spec": {"podSelector": {}, "policyTypes": ["Egress"]}}

allow_all := {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "allow", "namespace": "agents"}, "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}}

inv(nps) := {"namespace": {"agents": {"networking.k8s.io/v1": {"NetworkPolicy": {p.metadata.name: p | some p in nps}}, "v1": {"Pod": {"planner": agent_pod}}}}}

test_agent_namespace_with_default_deny_egress_passes if {
	count(egress.deny) == 0 with input as fixtures.review(agent_pod) with data.inventory as inv([deny_all, allow_all])
}

test_agent_namespace_with_only_allow_all_fails if {
	some r in egress.deny with input as fixtures.review(agent_pod) with data.inventory as inv([allow_all])
	contains(r.msg, "no default-deny egress NetworkPolicy")
}

test_without_an_inventory_the_rule_does_not_decide if {
	count(egress.deny) == 0 with input as fixtures.review(agent_pod) with data.inventory as {}
}

test_non_agents_are_not_checked if {
	pod := json.patch(agent_pod, [{"op": "remove", "path": "/metadata/labels"}])
	count(egress.deny) == 0 with input as fixtures.review(pod) with data.inventory as inv([])
}
