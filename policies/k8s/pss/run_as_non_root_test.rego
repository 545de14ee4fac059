package parapet.k8s.pss.run_as_non_root_test

import data.parapet.k8s.pss.run_as_non_root
import data.parapet.lib.fixtures
import rego.v1

test_pod_level_true_covers_containers if {
	count(run_as_non_root.deny) == 0 with input as fixtures.pod({"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "a"}], "initContainers": [{"name": "b"}]})
}

test_every_container_true_passes_without_pod_level if {
	count(run_as_non_root.deny) == 0 with input as fixtures.pod({"containers": [{"name": "a", "securityContext": {"runAsNonRoot": true}}]})
}

test_container_false_overrides_pod_true_and_fails if {
	some r in run_as_non_root.deny with input as fixtures.pod({"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "a", "securityContext": {"runAsNonRoot": false}}]})
	r.field == "spec.containers[0].securityContext.runAsNonRoot"
}

test_unset_everywhere_fails if {
	count(run_as_non_root.deny) == 1 with input as fixtures.pod({"containers": [{"name": "a"}]})
}

test_user_namespace_pods_are_exempt_from_1_35 if {
	userns := fixtures.pod({"hostUsers": false, "containers": [{"name": "a"}]})
	count(run_as_non_root.deny) == 0 with input as userns
	count(run_as_non_root.deny) == 1 with input as userns with data.parapet.config.pss as fixtures.config("restricted", "v1.34")
}
