# METADATA
# title: AppArmor profile overridden
# description: >-
#   Baseline: securityContext.appArmorProfile.type of the pod and of every
#   container must be unset, RuntimeDefault or Localhost, and
#   container.apparmor.security.beta.kubernetes.io/* annotations must be
#   empty, runtime/default or localhost/*.
# custom:
#   id: PAR-K8S-PSS-APPARMOR
#   severity: medium
#   pss: {level: baseline, versions: ["v1.0"]}
#   frameworks: ["nist-800-53:CM-7"]
#   remediation: Set appArmorProfile.type to RuntimeDefault (or Localhost with a profile) and remove unconfined AppArmor annotations.
#   inputs: [admission]
package parapet.k8s.pss.apparmor

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

allowed_types := {"RuntimeDefault", "Localhost"}

annotation_prefix := "container.apparmor.security.beta.kubernetes.io/"

deny contains {"msg": msg, "field": field} if {
	pss.baseline_applies
	p := k8s.pod_security_context.appArmorProfile
	k8s.is_set(p)
	not allowed_types[object.get(p, "type", "")]
	field := k8s.spec_field("securityContext.appArmorProfile.type")
	msg := sprintf("%s must not set AppArmor profile type %q: set %s to RuntimeDefault or Localhost", [k8s.object_phrase, object.get(p, "type", ""), field])
}

deny contains {"msg": msg, "field": field} if {
	pss.baseline_applies
	some c in k8s.containers
	p := c.sc.appArmorProfile
	k8s.is_set(p)
	not allowed_types[object.get(p, "type", "")]
	field := sprintf("%s.securityContext.appArmorProfile.type", [c.path])
	msg := sprintf("container %q of %s must not set AppArmor profile type %q: set %s to RuntimeDefault or Localhost", [c.name, k8s.object_phrase, object.get(p, "type", ""), field])
}

deny contains {"msg": msg, "field": field} if {
	pss.baseline_applies
	some key, value in object.get(k8s.pod_metadata, "annotations", {})
	startswith(key, annotation_prefix)
	not allowed_annotation(value)
	field := sprintf("metadata.annotations[%q]", [key])
	msg := sprintf("%s must not set AppArmor annotation %s=%q: use runtime/default or localhost/<profile>, or set securityContext.appArmorProfile", [k8s.object_phrase, key, value])
}

allowed_annotation("")

allowed_annotation("runtime/default")

allowed_annotation(v) if startswith(v, "localhost/")
