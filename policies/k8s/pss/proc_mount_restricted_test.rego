package parapet.k8s.pss.proc_mount_restricted_test

import data.parapet.k8s.pss.proc_mount_restricted
import data.parapet.lib.fixtures
import rego.v1

unmasked := fixtures.pod({"hostUsers": false, "containers": [{"name": "a", "securityContext": {"procMount": "Unmasked"}}]})

test_default_passes if {
	count(proc_mount_restricted.deny) == 0 with input as fixtures.pod({"containers": [{"name": "a", "securityContext": {"procMount": "Default"}}]})
}

test_unmasked_fails_even_in_a_user_namespace if {
	count(proc_mount_restricted.deny) == 1 with input as unmasked
}

test_not_before_1_35 if {
	count(proc_mount_restricted.deny) == 0 with input as unmasked with data.parapet.config.pss as fixtures.config("restricted", "v1.34")
}
