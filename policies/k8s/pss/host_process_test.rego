package parapet.k8s.pss.host_process_test

import data.parapet.k8s.pss.host_process
import data.parapet.lib.fixtures
import rego.v1

test_pod_without_host_process_passes if {
	count(host_process.deny) == 0 with input as fixtures.pod({"securityContext": {"windowsOptions": {"hostProcess": false}}, "containers": [{"name": "a"}]})
}

test_pod_level_host_process_fails if {
	some r in host_process.deny with input as fixtures.pod({"securityContext": {"windowsOptions": {"hostProcess": true}}, "containers": [{"name": "a"}]})
	r.field == "spec.securityContext.windowsOptions.hostProcess"
}

test_ephemeral_container_host_process_fails if {
	some r in host_process.deny with input as fixtures.pod({"containers": [{"name": "a"}], "ephemeralContainers": [{"name": "debug", "securityContext": {"windowsOptions": {"hostProcess": true}}}]})
	r.field == "spec.ephemeralContainers[0].securityContext.windowsOptions.hostProcess"
}

test_privileged_level_allows_host_process if {
	count(host_process.deny) == 0 with input as fixtures.pod({"securityContext": {"windowsOptions": {"hostProcess": true}}, "containers": [{"name": "a"}]})
		with data.parapet.config.pss as fixtures.config("privileged", "latest")
}
