package parapet.k8s.agent.token_test

import data.parapet.k8s.agent.token
import data.parapet.lib.fixtures
import rego.v1

pod(spec) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "agents", "labels": {"parapet.dev/agent": "a"}}, "spec": object.union({"serviceAccountName": "runner", "containers": [{"name": "a", "image": "x"}]}, spec)}

test_an_agent_with_automount_disabled_passes if {
	count(token.deny) == 0 with input as fixtures.review(pod({"automountServiceAccountToken": false}))
}

test_an_agent_with_an_unused_token_is_denied if {
	some r in token.deny with input as fixtures.review(pod({}))
	r.field == "spec.automountServiceAccountToken"
}

test_a_bound_service_account_needs_its_token if {
	rb := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "runner", "namespace": "agents"}, "roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "ServiceAccount", "name": "runner"}]}
	count(token.deny) == 0 with input as fixtures.review(pod({})) with data.inventory as {"namespace": {"agents": {"rbac.authorization.k8s.io/v1": {"RoleBinding": {"runner": rb}}}}}
}

test_a_service_account_that_disables_automount_passes if {
	sa := {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "runner", "namespace": "agents"}, "automountServiceAccountToken": false}
	count(token.deny) == 0 with input as fixtures.review(pod({})) with data.inventory as {"namespace": {"agents": {"v1": {"ServiceAccount": {"runner": sa}}}}}
}
