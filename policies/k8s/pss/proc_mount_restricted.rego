# METADATA
# title: Unmasked /proc mount (restricted)
# description: >-
#   Restricted from v1.35: securityContext.procMount of every container must
#   be unset or Default, user namespace or not.
# custom:
#   id: PAR-K8S-PSS-PROC-MOUNT-RESTRICTED
#   severity: medium
#   pss: {level: restricted, versions: ["v1.35"]}
#   frameworks: ["nist-800-53:CM-7"]
#   remediation: Remove securityContext.procMount or set it to Default.
#   inputs: [admission]
package parapet.k8s.pss.proc_mount_restricted

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

deny contains {"msg": msg, "field": field} if {
	pss.restricted_applies
	pss.minor >= 35
	some c in k8s.containers
	m := c.sc.procMount
	k8s.is_set(m)
	m != "Default"
	field := sprintf("%s.securityContext.procMount", [c.path])
	msg := sprintf("container %q of %s must not set procMount %q: remove %s or set it to Default", [c.name, k8s.object_phrase, m, field])
}
