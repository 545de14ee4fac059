package parapet.k8s.pss.host_ports_test

import data.parapet.k8s.pss.host_ports
import data.parapet.lib.fixtures
import rego.v1

test_container_ports_without_host_port_pass if {
	count(host_ports.deny) == 0 with input as fixtures.pod({"containers": [{"name": "a", "ports": [{"containerPort": 80}, {"containerPort": 81, "hostPort": 0}]}]})
}

test_host_port_fails if {
	some r in host_ports.deny with input as fixtures.pod({"containers": [{"name": "a", "ports": [{"containerPort": 80, "hostPort": 8080}]}]})
	r.field == "spec.containers[0].ports[0].hostPort"
}
