package parapet.k8s.pss.proc_mount_test

import data.parapet.k8s.pss.proc_mount
import data.parapet.lib.fixtures
import rego.v1

baseline := fixtures.config("baseline", "latest")

unmasked(host_users) := fixtures.pod({"hostUsers": host_users, "containers": [{"name": "a", "securityContext": {"procMount": "Unmasked"}}]})

test_default_proc_mount_passes if {
	count(proc_mount.deny) == 0 with input as fixtures.pod({"containers": [{"name": "a", "securityContext": {"procMount": "Default"}}]})
		with data.parapet.config.pss as baseline
}

test_unmasked_fails if {
	some r in proc_mount.deny with input as unmasked(true) with data.parapet.config.pss as baseline
	r.field == "spec.containers[0].securityContext.procMount"
}

test_user_namespace_pods_are_exempt_from_1_35 if {
	count(proc_mount.deny) == 0 with input as unmasked(false) with data.parapet.config.pss as baseline
	count(proc_mount.deny) == 1 with input as unmasked(false) with data.parapet.config.pss as fixtures.config("baseline", "v1.34")
}

test_restricted_1_34_still_runs_this_control if {
	count(proc_mount.deny) == 1 with input as unmasked(true) with data.parapet.config.pss as fixtures.config("restricted", "v1.34")
}
