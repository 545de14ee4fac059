# METADATA
# title: Capabilities not dropped
# description: >-
#   Restricted from v1.22: every container must drop ALL capabilities and may
#   add back only NET_BIND_SERVICE. From v1.25 pods with spec.os.name windows
#   are exempt. Replaces PAR-K8S-PSS-CAPABILITIES under restricted.
# custom:
#   id: PAR-K8S-PSS-CAPABILITIES-RESTRICTED
#   severity: medium
#   pss: {level: restricted, versions: ["v1.22", "v1.25"]}
#   frameworks: ["nist-800-53:AC-6"]
#   remediation: 'Set securityContext.capabilities.drop to ["ALL"] and add back only NET_BIND_SERVICE.'
#   inputs: [admission]
package parapet.k8s.pss.capabilities_restricted

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

active if {
	pss.restricted_applies
	pss.minor >= 22
	not windows_exempt
}

windows_exempt if {
	pss.minor >= 25
	pss.is_windows
}

caps(c) := object.get(c.sc, "capabilities", {})

deny contains {"msg": msg, "field": field} if {
	active
	some c in k8s.containers
	not "ALL" in object.get(caps(c), "drop", [])
	field := sprintf("%s.securityContext.capabilities.drop", [c.path])
	msg := sprintf("container %q of %s must drop all capabilities: set %s to [\"ALL\"]", [c.name, k8s.object_phrase, field])
}

deny contains {"msg": msg, "field": field, "capabilities": bad} if {
	active
	some c in k8s.containers
	bad := sort([x | some x in object.get(caps(c), "add", []); x != "NET_BIND_SERVICE"])
	count(bad) > 0
	field := sprintf("%s.securityContext.capabilities.add", [c.path])
	msg := sprintf("container %q of %s must not add capabilities %s: only NET_BIND_SERVICE may be added back in %s", [c.name, k8s.object_phrase, k8s.quote_list(bad), field])
}
