# METADATA
# title: Privilege escalation allowed
# description: >-
#   Restricted from v1.8: every container must set
#   securityContext.allowPrivilegeEscalation to false; from v1.25 pods with
#   spec.os.name windows are exempt.
# custom:
#   id: PAR-K8S-PSS-PRIVILEGE-ESCALATION
#   severity: medium
#   pss: {level: restricted, versions: ["v1.8", "v1.25"]}
#   frameworks: ["nist-800-53:AC-6"]
#   remediation: Set securityContext.allowPrivilegeEscalation to false in every container.
#   inputs: [admission]
package parapet.k8s.pss.privilege_escalation

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

windows_exempt if {
	pss.minor >= 25
	pss.is_windows
}

deny contains {"msg": msg, "field": field} if {
	pss.restricted_applies
	pss.minor >= 8
	not windows_exempt
	some c in k8s.containers
	not c.sc.allowPrivilegeEscalation == false
	field := sprintf("%s.securityContext.allowPrivilegeEscalation", [c.path])
	msg := sprintf("container %q of %s must set %s to false", [c.name, k8s.object_phrase, field])
}
