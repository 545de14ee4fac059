package parapet.k8s.pss.host_probes_test

import data.parapet.k8s.pss.host_probes
import data.parapet.lib.fixtures
import rego.v1

probe_on(host) := fixtures.pod({"containers": [{"name": "a", "livenessProbe": {"httpGet": {"path": "/", "port": 80, "host": host}}}]})

test_probe_without_host_passes if {
	count(host_probes.deny) == 0 with input as probe_on("")
}

test_probe_with_host_fails if {
	some r in host_probes.deny with input as probe_on("169.254.169.254")
	r.field == "spec.containers[0].livenessProbe.httpGet.host"
}

test_lifecycle_tcp_host_fails if {
	some r in host_probes.deny with input as fixtures.pod({"containers": [{"name": "a", "lifecycle": {"preStop": {"tcpSocket": {"port": 1, "host": "10.0.0.1"}}}}]})
	r.field == "spec.containers[0].lifecycle.preStop.tcpSocket.host"
}

test_probe_host_is_allowed_before_1_34 if {
	count(host_probes.deny) == 0 with input as probe_on("10.0.0.1") with data.parapet.config.pss as fixtures.config("baseline", "v1.33")
}
