# METADATA
# title: hostPath volumes
# description: >-
#   hostPath volumes give a pod the node's filesystem. Baseline:
#   spec.volumes[*].hostPath must be unset. Under restricted
#   PAR-K8S-PSS-VOLUME-TYPES replaces this control.
# custom:
#   id: PAR-K8S-PSS-HOST-PATH
#   severity: high
#   pss: {level: baseline, versions: ["v1.0"], replaced_by: {check: PAR-K8S-PSS-VOLUME-TYPES, since: "v1.0"}}
#   frameworks: ["nist-800-53:AC-6"]
#   remediation: Replace the hostPath volume with a configMap, secret, emptyDir, persistentVolumeClaim or CSI volume.
#   inputs: [admission]
package parapet.k8s.pss.host_path

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

deny contains {"msg": msg, "field": field} if {
	pss.baseline_applies
	not pss.restricted_at(0)
	some i, v in object.get(k8s.pod_spec, "volumes", [])
	k8s.is_set(v.hostPath)
	field := sprintf("%s[%d].hostPath", [k8s.spec_field("volumes"), i])
	msg := sprintf("volume %q of %s must not be a hostPath volume: replace %s with an emptyDir, configMap, secret or persistentVolumeClaim", [object.get(v, "name", ""), k8s.object_phrase, field])
}
