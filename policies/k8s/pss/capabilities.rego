# METADATA
# title: Added capabilities beyond the default set
# description: >-
#   Baseline: securityContext.capabilities.add may only hold AUDIT_WRITE,
#   CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE,
#   SETFCAP, SETGID, SETPCAP, SETUID and SYS_CHROOT. Under restricted from
#   v1.22 PAR-K8S-PSS-CAPABILITIES-RESTRICTED replaces this control.
# custom:
#   id: PAR-K8S-PSS-CAPABILITIES
#   severity: high
#   pss: {level: baseline, versions: ["v1.0"], replaced_by: {check: PAR-K8S-PSS-CAPABILITIES-RESTRICTED, since: "v1.22"}}
#   frameworks: ["nist-800-53:AC-6"]
#   remediation: Remove the listed capabilities from securityContext.capabilities.add.
#   inputs: [admission]
package parapet.k8s.pss.capabilities

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

allowed := {
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}

deny contains {"msg": msg, "field": field, "capabilities": bad} if {
	pss.baseline_applies
	not pss.restricted_at(22)
	some c in k8s.containers
	added := object.get(c.sc, ["capabilities", "add"], [])
	bad := sort([x | some x in added; not allowed[x]])
	count(bad) > 0
	field := sprintf("%s.securityContext.capabilities.add", [c.path])
	msg := sprintf("container %q of %s must not add capabilities %s: remove them from %s", [c.name, k8s.object_phrase, k8s.quote_list(bad), field])
}
