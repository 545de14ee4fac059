package parapet.k8s.pss.privileged_test

import data.parapet.k8s.pss.privileged
import rego.v1

pod(spec) := {"kind": "admission", "review": {"object": {
	"apiVersion": "v1", "kind": "Pod",
	"metadata": {"name": "p", "namespace": "ns"},
	"spec": spec,
}}}

test_unprivileged_pod_passes if {
	count(privileged.deny) == 0 with input as pod({"containers": [{"name": "a", "securityContext": {"privileged": false}}]})
}

test_privileged_init_container_fails if {
	some r in privileged.deny with input as pod({"containers": [{"name": "a"}], "initContainers": [{"name": "b", "securityContext": {"privileged": true}}]})
	r.field == "spec.initContainers[0].securityContext.privileged"
}
