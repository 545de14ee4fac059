# METADATA
# title: Containers may run as root
# description: >-
#   Restricted: spec.securityContext.runAsNonRoot must be true, or every
#   container must set securityContext.runAsNonRoot to true; neither the pod
#   nor a container may set it to false. From v1.35 pods in a user namespace
#   (spec.hostUsers false) are exempt.
# custom:
#   id: PAR-K8S-PSS-RUN-AS-NON-ROOT
#   severity: medium
#   pss: {level: restricted, versions: ["v1.0", "v1.35"]}
#   frameworks: ["nist-800-53:AC-6"]
#   remediation: Set spec.securityContext.runAsNonRoot to true and remove runAsNonRoot false from containers.
#   inputs: [admission]
package parapet.k8s.pss.run_as_non_root

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

active if {
	pss.restricted_applies
	not user_namespace_exempt
}

user_namespace_exempt if {
	pss.minor >= 35
	pss.user_namespace
}

pod_value := object.get(k8s.pod_security_context, "runAsNonRoot", null)

explicit_false contains {"who": k8s.object_phrase, "field": k8s.spec_field("securityContext.runAsNonRoot")} if pod_value == false

explicit_false contains {"who": sprintf("container %q of %s", [c.name, k8s.object_phrase]), "field": sprintf("%s.securityContext.runAsNonRoot", [c.path])} if {
	some c in k8s.containers
	c.sc.runAsNonRoot == false
}

deny contains {"msg": msg, "field": e.field} if {
	active
	some e in explicit_false
	msg := sprintf("%s must not set %s to false: set it to true", [e.who, e.field])
}

# With no explicit false, containers that do not opt in are caught unless
# the pod sets runAsNonRoot true.
deny contains {"msg": msg, "field": field} if {
	active
	count(explicit_false) == 0
	pod_value != true
	some c in k8s.containers
	not k8s.is_set(object.get(c.sc, "runAsNonRoot", null))
	field := k8s.spec_field("securityContext.runAsNonRoot")
	msg := sprintf("container %q of %s may run as root: set %s (or %s.securityContext.runAsNonRoot) to true", [c.name, k8s.object_phrase, field, c.path])
}
