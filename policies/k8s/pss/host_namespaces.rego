# METADATA
# title: Host namespaces
# description: >-
#   Sharing the host's network, PID or IPC namespace lets a pod see and reach
#   the node. Baseline: spec.hostNetwork, spec.hostPID and spec.hostIPC must
#   be unset or false.
# custom:
#   id: PAR-K8S-PSS-HOST-NAMESPACES
#   severity: high
#   pss: {level: baseline, versions: ["v1.0"]}
#   frameworks: ["nist-800-53:SC-39"]
#   remediation: Remove hostNetwork, hostPID and hostIPC from the pod spec or set them to false.
#   inputs: [admission]
package parapet.k8s.pss.host_namespaces

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

deny contains {"msg": msg, "field": field} if {
	pss.baseline_applies
	some f in ["hostNetwork", "hostPID", "hostIPC"]
	k8s.pod_spec[f] == true
	field := k8s.spec_field(f)
	msg := sprintf("%s must not share the host's namespace: remove %s or set it to false", [k8s.object_phrase, field])
}
