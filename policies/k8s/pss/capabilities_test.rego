package parapet.k8s.pss.capabilities_test

import data.parapet.k8s.pss.capabilities
import data.parapet.lib.fixtures
import rego.v1

baseline := fixtures.config("baseline", "latest")

test_default_capabilities_pass if {
	count(capabilities.deny) == 0 with input as fixtures.pod({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["CHOWN", "NET_BIND_SERVICE", "SYS_CHROOT"]}}}]})
		with data.parapet.config.pss as baseline
}

test_sys_admin_and_net_raw_fail if {
	some r in capabilities.deny with input as fixtures.pod({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["SYS_ADMIN", "NET_RAW", "CHOWN"]}}}]})
		with data.parapet.config.pss as baseline
	r.capabilities == ["NET_RAW", "SYS_ADMIN"]
}

test_restricted_from_1_22_replaces_this_control if {
	count(capabilities.deny) == 0 with input as fixtures.pod({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}]})
		with data.parapet.config.pss as fixtures.config("restricted", "v1.22")
}

test_restricted_before_1_22_still_runs_this_control if {
	count(capabilities.deny) == 1 with input as fixtures.pod({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}]})
		with data.parapet.config.pss as fixtures.config("restricted", "v1.21")
}
