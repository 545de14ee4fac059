# METADATA
# title: Seccomp profile disabled
# description: >-
#   Baseline from v1.19: seccompProfile.type of the pod and of every
#   container, where set, must be RuntimeDefault or Localhost. Before v1.19
#   the seccomp.security.alpha.kubernetes.io/pod and
#   container.seccomp.security.alpha.kubernetes.io/* annotations, where set,
#   must be runtime/default, docker/default or localhost/*. Under restricted
#   from v1.19 PAR-K8S-PSS-SECCOMP-RESTRICTED replaces this control.
# custom:
#   id: PAR-K8S-PSS-SECCOMP
#   severity: medium
#   pss: {level: baseline, versions: ["v1.0", "v1.19"], replaced_by: {check: PAR-K8S-PSS-SECCOMP-RESTRICTED, since: "v1.19"}}
#   frameworks: ["nist-800-53:CM-7"]
#   remediation: Set seccompProfile.type to RuntimeDefault (or Localhost with a profile).
#   inputs: [admission]
package parapet.k8s.pss.seccomp

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

allowed_types := {"RuntimeDefault", "Localhost"}

active if {
	pss.baseline_applies
	not pss.restricted_at(19)
}

deny contains {"msg": msg, "field": field} if {
	active
	pss.minor >= 19
	p := k8s.pod_security_context.seccompProfile
	k8s.is_set(p)
	not allowed_types[object.get(p, "type", "")]
	field := k8s.spec_field("securityContext.seccompProfile.type")
	msg := sprintf("%s must not set seccompProfile.type %q: set %s to RuntimeDefault or Localhost", [k8s.object_phrase, object.get(p, "type", ""), field])
}

deny contains {"msg": msg, "field": field} if {
	active
	pss.minor >= 19
	some c in k8s.containers
	p := c.sc.seccompProfile
	k8s.is_set(p)
	not allowed_types[object.get(p, "type", "")]
	field := sprintf("%s.securityContext.seccompProfile.type", [c.path])
	msg := sprintf("container %q of %s must not set seccompProfile.type %q: set %s to RuntimeDefault or Localhost", [c.name, k8s.object_phrase, object.get(p, "type", ""), field])
}

# Before v1.19 the annotations carried the profile.
annotations := object.get(k8s.pod_metadata, "annotations", {})

annotation_keys contains "seccomp.security.alpha.kubernetes.io/pod"

annotation_keys contains sprintf("container.seccomp.security.alpha.kubernetes.io/%s", [c.name]) if some c in k8s.containers

deny contains {"msg": msg, "field": field} if {
	active
	pss.minor < 19
	some key in annotation_keys
	value := annotations[key]
	not allowed_annotation(value)
	field := sprintf("metadata.annotations[%q]", [key])
	msg := sprintf("%s must not set seccomp annotation %s=%q: use runtime/default or localhost/<profile>", [k8s.object_phrase, key, value])
}

allowed_annotation("runtime/default")

allowed_annotation("docker/default")

allowed_annotation(v) if startswith(v, "localhost/")
