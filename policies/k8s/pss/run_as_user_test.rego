package parapet.k8s.pss.run_as_user_test

import data.parapet.k8s.pss.run_as_user
import data.parapet.lib.fixtures
import rego.v1

test_non_zero_user_passes if {
	count(run_as_user.deny) == 0 with input as fixtures.pod({"securityContext": {"runAsUser": 1000}, "containers": [{"name": "a"}]})
}

test_container_user_0_fails if {
	some r in run_as_user.deny with input as fixtures.pod({"securityContext": {"runAsUser": 1000}, "containers": [{"name": "a", "securityContext": {"runAsUser": 0}}]})
	r.field == "spec.containers[0].securityContext.runAsUser"
}

test_not_checked_before_1_23 if {
	count(run_as_user.deny) == 0 with input as fixtures.pod({"securityContext": {"runAsUser": 0}, "containers": [{"name": "a"}]})
		with data.parapet.config.pss as fixtures.config("restricted", "v1.22")
}

test_user_namespace_pods_are_exempt_from_1_35 if {
	count(run_as_user.deny) == 0 with input as fixtures.pod({"hostUsers": false, "securityContext": {"runAsUser": 0}, "containers": [{"name": "a"}]})
}
