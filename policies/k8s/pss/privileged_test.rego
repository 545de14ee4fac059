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

priv_pod := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns", "labels": {"a": "1"}}, "spec": {"containers": [{"name": "a", "image": "x", "securityContext": {"privileged": true}}]}}

update(old, new) := {"kind": "admission", "review": {"kind": {"group": "", "version": "v1", "kind": "Pod"}, "operation": "UPDATE", "namespace": "ns", "name": "p", "object": new, "oldObject": old}}

test_relabelling_an_existing_pod_is_not_checked_again if {
	relabelled := json.patch(priv_pod, [{"op": "replace", "path": "/metadata/labels/a", "value": "2"}])
	count(privileged.deny) == 0 with input as update(priv_pod, relabelled)
}

test_changing_an_image_of_an_existing_pod_is_checked if {
	new_image := json.patch(priv_pod, [{"op": "replace", "path": "/spec/containers/0/image", "value": "y"}])
	count(privileged.deny) == 1 with input as update(priv_pod, new_image)
}
