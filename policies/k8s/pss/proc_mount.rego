# METADATA
# title: Unmasked /proc mount
# description: >-
#   The default /proc masks reduce the attack surface. Baseline:
#   securityContext.procMount of every container must be unset or Default;
#   from v1.35 pods in a user namespace (spec.hostUsers false) are exempt.
#   Under restricted from v1.35 PAR-K8S-PSS-PROC-MOUNT-RESTRICTED replaces
#   this control.
# custom:
#   id: PAR-K8S-PSS-PROC-MOUNT
#   severity: medium
#   pss: {level: baseline, versions: ["v1.0", "v1.35"], replaced_by: {check: PAR-K8S-PSS-PROC-MOUNT-RESTRICTED, since: "v1.35"}}
#   frameworks: ["nist-800-53:CM-7"]
#   remediation: Remove securityContext.procMount or set it to Default.
#   inputs: [admission]
package parapet.k8s.pss.proc_mount

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

user_namespace_exempt if {
	pss.minor >= 35
	pss.user_namespace
}

deny contains {"msg": msg, "field": field} if {
	pss.baseline_applies
	not pss.restricted_at(35)
	not user_namespace_exempt
	some c in k8s.containers
	m := c.sc.procMount
	k8s.is_set(m)
	m != "Default"
	field := sprintf("%s.securityContext.procMount", [c.path])
	msg := sprintf("container %q of %s must not set procMount %q: remove %s or set it to Default", [c.name, k8s.object_phrase, m, field])
}
