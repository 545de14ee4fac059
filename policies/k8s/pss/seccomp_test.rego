package parapet.k8s.pss.seccomp_test

import data.parapet.k8s.pss.seccomp
import data.parapet.lib.fixtures
import rego.v1

baseline := fixtures.config("baseline", "latest")

test_unset_and_runtime_default_pass if {
	count(seccomp.deny) == 0 with input as fixtures.pod({"containers": [{"name": "a"}, {"name": "b", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}]})
		with data.parapet.config.pss as baseline
}

test_unconfined_pod_profile_fails if {
	some r in seccomp.deny with input as fixtures.pod({"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [{"name": "a"}]})
		with data.parapet.config.pss as baseline
	r.field == "spec.securityContext.seccompProfile.type"
}

test_unconfined_annotation_fails_before_1_19_only if {
	inp := fixtures.pod_with_annotations({"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}, {"containers": [{"name": "a"}]})
	count(seccomp.deny) == 1 with input as inp with data.parapet.config.pss as fixtures.config("baseline", "v1.18")
	count(seccomp.deny) == 0 with input as inp with data.parapet.config.pss as baseline
}

test_docker_default_annotation_passes_before_1_19 if {
	inp := fixtures.pod_with_annotations({"container.seccomp.security.alpha.kubernetes.io/a": "docker/default"}, {"containers": [{"name": "a"}]})
	count(seccomp.deny) == 0 with input as inp with data.parapet.config.pss as fixtures.config("baseline", "v1.18")
}
