# METADATA
# title: Privileged containers
# description: >-
#   Privileged containers disable most security mechanisms and get the
#   host's devices. Baseline: containers, initContainers and
#   ephemeralContainers must not set securityContext.privileged to true.
# custom:
#   id: PAR-K8S-PSS-PRIVILEGED
#   severity: high
#   pss: {level: baseline, versions: ["v1.0"]}
#   frameworks: ["nist-800-53:AC-6", "owasp-asi-2026:ASI03"]
#   remediation: Remove securityContext.privileged or set it to false.
#   inputs: [admission]
package parapet.k8s.pss.privileged

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

deny contains {"msg": msg, "field": field} if {
	pss.baseline_applies
	some c in k8s.containers
	c.sc.privileged == true
	field := sprintf("%s.securityContext.privileged", [c.path])
	msg := sprintf("container %q of %s must not be privileged: remove %s or set it to false", [c.name, k8s.object_phrase, field])
}
