package parapet.k8s.pss.selinux_test

import data.parapet.k8s.pss.selinux
import data.parapet.lib.fixtures
import rego.v1

with_type(t) := fixtures.pod({"securityContext": {"seLinuxOptions": {"type": t, "level": "s0:c1"}}, "containers": [{"name": "a"}]})

test_allowed_type_and_level_pass if {
	count(selinux.deny) == 0 with input as with_type("container_t")
}

test_spc_t_fails if {
	some r in selinux.deny with input as with_type("spc_t")
	r.field == "spec.securityContext.seLinuxOptions.type"
}

test_container_engine_t_is_allowed_from_1_31_only if {
	count(selinux.deny) == 0 with input as with_type("container_engine_t") with data.parapet.config.pss as fixtures.config("baseline", "v1.31")
	count(selinux.deny) == 1 with input as with_type("container_engine_t") with data.parapet.config.pss as fixtures.config("baseline", "v1.30")
}

test_custom_user_in_a_container_fails if {
	some r in selinux.deny with input as fixtures.pod({"containers": [{"name": "a", "securityContext": {"seLinuxOptions": {"user": "system_u"}}}]})
	r.field == "spec.containers[0].securityContext.seLinuxOptions.user"
}
