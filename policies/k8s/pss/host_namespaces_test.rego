package parapet.k8s.pss.host_namespaces_test

import data.parapet.k8s.pss.host_namespaces
import data.parapet.lib.fixtures
import rego.v1

test_false_host_namespaces_pass if {
	count(host_namespaces.deny) == 0 with input as fixtures.pod({"hostNetwork": false, "hostPID": false, "containers": [{"name": "a"}]})
}

test_each_host_namespace_fails_in_a_deployment if {
	rs := host_namespaces.deny with input as fixtures.deployment({"hostNetwork": true, "hostPID": true, "hostIPC": true, "containers": [{"name": "a"}]})
	{r.field | some r in rs} == {"spec.template.spec.hostNetwork", "spec.template.spec.hostPID", "spec.template.spec.hostIPC"}
}
