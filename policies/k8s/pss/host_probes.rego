# METADATA
# title: Host in probes and lifecycle hooks
# description: >-
#   A probe or lifecycle hook with a host can make the kubelet connect to any
#   address. Baseline from v1.34: httpGet.host and tcpSocket.host of
#   livenessProbe, readinessProbe, startupProbe and lifecycle.postStart and
#   preStop must be unset or empty.
# custom:
#   id: PAR-K8S-PSS-HOST-PROBES
#   severity: medium
#   pss: {level: baseline, versions: ["v1.34"]}
#   frameworks: ["nist-800-53:SC-7"]
#   remediation: Remove the host field; probes and hooks then target the pod's own IP.
#   inputs: [admission]
package parapet.k8s.pss.host_probes

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

handlers := [
	["livenessProbe"], ["readinessProbe"], ["startupProbe"],
	["lifecycle", "postStart"], ["lifecycle", "preStop"],
]

deny contains {"msg": msg, "field": field} if {
	pss.baseline_applies
	pss.minor >= 34
	some c in k8s.containers
	some h in handlers
	some action in ["httpGet", "tcpSocket"]
	host := object.get(c.container, array.concat(h, [action, "host"]), "")
	is_string(host)
	host != ""
	field := sprintf("%s.%s.%s.host", [c.path, concat(".", h), action])
	msg := sprintf("container %q of %s must not set a probe or lifecycle host (%q): remove %s", [c.name, k8s.object_phrase, host, field])
}
