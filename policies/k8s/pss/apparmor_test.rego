package parapet.k8s.pss.apparmor_test

import data.parapet.k8s.pss.apparmor
import data.parapet.lib.fixtures
import rego.v1

test_runtime_default_and_localhost_pass if {
	count(apparmor.deny) == 0 with input as fixtures.pod_with_annotations(
		{"container.apparmor.security.beta.kubernetes.io/a": "localhost/custom"},
		{"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}, "containers": [{"name": "a", "securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": "p"}}}]},
	)
}

test_unconfined_field_fails if {
	some r in apparmor.deny with input as fixtures.pod({"containers": [{"name": "a", "securityContext": {"appArmorProfile": {"type": "Unconfined"}}}]})
	r.field == "spec.containers[0].securityContext.appArmorProfile.type"
}

test_unconfined_annotation_fails if {
	some r in apparmor.deny with input as fixtures.pod_with_annotations({"container.apparmor.security.beta.kubernetes.io/a": "unconfined"}, {"containers": [{"name": "a"}]})
	contains(r.msg, "unconfined")
}
