# METADATA
# title: Host ports
# description: >-
#   Host ports bind the node's network interfaces. Baseline:
#   ports[*].hostPort of every container must be unset or 0.
# custom:
#   id: PAR-K8S-PSS-HOST-PORTS
#   severity: medium
#   pss: {level: baseline, versions: ["v1.0"]}
#   frameworks: ["nist-800-53:SC-7"]
#   remediation: Remove hostPort and expose the container through a Service.
#   inputs: [admission]
package parapet.k8s.pss.host_ports

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

deny contains {"msg": msg, "field": field} if {
	pss.baseline_applies
	some c in k8s.containers
	some i, p in object.get(c.container, "ports", [])
	k8s.is_set(p.hostPort)
	p.hostPort != 0
	field := sprintf("%s.ports[%d].hostPort", [c.path, i])
	msg := sprintf("container %q of %s must not use host port %v: remove %s and expose the port through a Service", [c.name, k8s.object_phrase, p.hostPort, field])
}
