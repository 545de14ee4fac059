package parapet.k8s.pss.privileged_test

import data.parapet.k8s.pss.privileged
import data.parapet.lib.fixtures
import rego.v1

test_unprivileged_pod_passes if {
	count(privileged.deny) == 0 with input as fixtures.pod({"containers": [{"name": "a", "securityContext": {"privileged": false}}]})
}

test_privileged_init_container_fails if {
	some r in privileged.deny with input as fixtures.pod({"containers": [{"name": "a"}], "initContainers": [{"name": "b", "securityContext": {"privileged": true}}]})
	r.field == "spec.initContainers[0].securityContext.privileged"
}

test_baseline_checks_apply_at_baseline if {
	count(privileged.deny) == 1 with input as fixtures.pod({"containers": [{"name": "a", "securityContext": {"privileged": true}}]})
		with data.parapet.config.pss as fixtures.config("baseline", "v1.0")
}
