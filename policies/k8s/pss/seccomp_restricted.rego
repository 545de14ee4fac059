# METADATA
# title: Seccomp profile not set
# description: >-
#   Restricted from v1.19: spec.securityContext.seccompProfile.type must be
#   RuntimeDefault or Localhost, or every container must set it so;
#   containers may not set any other type. From v1.25 pods with spec.os.name
#   windows are exempt. Replaces PAR-K8S-PSS-SECCOMP under restricted.
# custom:
#   id: PAR-K8S-PSS-SECCOMP-RESTRICTED
#   severity: medium
#   pss: {level: restricted, versions: ["v1.19", "v1.25"]}
#   frameworks: ["nist-800-53:CM-7"]
#   remediation: Set spec.securityContext.seccompProfile.type to RuntimeDefault.
#   inputs: [admission]
package parapet.k8s.pss.seccomp_restricted

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

allowed_types := {"RuntimeDefault", "Localhost"}

active if {
	pss.restricted_applies
	pss.minor >= 19
	not windows_exempt
}

windows_exempt if {
	pss.minor >= 25
	pss.is_windows
}

pod_profile := object.get(k8s.pod_security_context, "seccompProfile", null)

pod_valid if allowed_types[object.get(pod_profile, "type", "")]

deny contains {"msg": msg, "field": field} if {
	active
	k8s.is_set(pod_profile)
	not pod_valid
	field := k8s.spec_field("securityContext.seccompProfile.type")
	msg := sprintf("%s must not set seccompProfile.type %q: set %s to RuntimeDefault or Localhost", [k8s.object_phrase, object.get(pod_profile, "type", ""), field])
}

deny contains {"msg": msg, "field": field} if {
	active
	some c in k8s.containers
	p := object.get(c.sc, "seccompProfile", null)
	k8s.is_set(p)
	not allowed_types[object.get(p, "type", "")]
	field := sprintf("%s.securityContext.seccompProfile.type", [c.path])
	msg := sprintf("container %q of %s must not set seccompProfile.type %q: set %s to RuntimeDefault or Localhost", [c.name, k8s.object_phrase, object.get(p, "type", ""), field])
}

deny contains {"msg": msg, "field": field} if {
	active
	not pod_valid
	some c in k8s.containers
	not k8s.is_set(object.get(c.sc, "seccompProfile", null))
	field := k8s.spec_field("securityContext.seccompProfile.type")
	msg := sprintf("container %q of %s has no seccomp profile: set %s (or %s.securityContext.seccompProfile.type) to RuntimeDefault", [c.name, k8s.object_phrase, field, c.path])
}
