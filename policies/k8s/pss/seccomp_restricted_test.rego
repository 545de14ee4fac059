package parapet.k8s.pss.seccomp_restricted_test

import data.parapet.k8s.pss.seccomp_restricted
import data.parapet.lib.fixtures
import rego.v1

test_pod_level_runtime_default_passes if {
	count(seccomp_restricted.deny) == 0 with input as fixtures.pod(fixtures.restricted_spec)
}

test_every_container_set_passes_without_pod_level if {
	count(seccomp_restricted.deny) == 0 with input as fixtures.pod({"containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}}}]})
}

test_missing_profile_fails if {
	some r in seccomp_restricted.deny with input as fixtures.pod({"containers": [{"name": "a"}]})
	contains(r.msg, "no seccomp profile")
}

test_container_unconfined_fails_despite_pod_level if {
	some r in seccomp_restricted.deny with input as fixtures.pod({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}, "containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}]})
	r.field == "spec.containers[0].securityContext.seccompProfile.type"
}

test_windows_exempt_from_1_25 if {
	count(seccomp_restricted.deny) == 0 with input as fixtures.pod({"os": {"name": "windows"}, "containers": [{"name": "a"}]})
}
