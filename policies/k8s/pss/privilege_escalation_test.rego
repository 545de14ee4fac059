package parapet.k8s.pss.privilege_escalation_test

import data.parapet.k8s.pss.privilege_escalation
import data.parapet.lib.fixtures
import rego.v1

test_restricted_container_passes if {
	count(privilege_escalation.deny) == 0 with input as fixtures.pod(fixtures.restricted_spec)
}

test_unset_allow_privilege_escalation_fails if {
	some r in privilege_escalation.deny with input as fixtures.pod({"containers": [{"name": "a"}]})
	r.field == "spec.containers[0].securityContext.allowPrivilegeEscalation"
}

test_windows_pods_are_exempt_from_1_25 if {
	win := fixtures.pod({"os": {"name": "windows"}, "containers": [{"name": "a"}]})
	count(privilege_escalation.deny) == 0 with input as win
	count(privilege_escalation.deny) == 1 with input as win with data.parapet.config.pss as fixtures.config("restricted", "v1.24")
}

test_not_checked_before_1_8 if {
	count(privilege_escalation.deny) == 0 with input as fixtures.pod({"containers": [{"name": "a"}]}) with data.parapet.config.pss as fixtures.config("restricted", "v1.7")
}
