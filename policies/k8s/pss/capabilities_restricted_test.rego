package parapet.k8s.pss.capabilities_restricted_test

import data.parapet.k8s.pss.capabilities_restricted
import data.parapet.lib.fixtures
import rego.v1

test_drop_all_add_net_bind_service_passes if {
	count(capabilities_restricted.deny) == 0 with input as fixtures.pod({"containers": [{"name": "a", "securityContext": {"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}}}]})
}

test_missing_drop_all_fails if {
	some r in capabilities_restricted.deny with input as fixtures.pod({"containers": [{"name": "a", "securityContext": {"capabilities": {"drop": ["NET_RAW"]}}}]})
	r.field == "spec.containers[0].securityContext.capabilities.drop"
}

test_adding_chown_fails_even_though_baseline_allows_it if {
	some r in capabilities_restricted.deny with input as fixtures.pod({"containers": [{"name": "a", "securityContext": {"capabilities": {"drop": ["ALL"], "add": ["CHOWN"]}}}]})
	r.capabilities == ["CHOWN"]
}

test_not_checked_before_1_22 if {
	count(capabilities_restricted.deny) == 0 with input as fixtures.pod({"containers": [{"name": "a"}]}) with data.parapet.config.pss as fixtures.config("restricted", "v1.21")
}
