# METADATA
# title: Containers run as user 0
# description: >-
#   Restricted from v1.23: runAsUser of the pod and of every container must
#   be unset or non-zero. From v1.35 pods in a user namespace
#   (spec.hostUsers false) are exempt.
# custom:
#   id: PAR-K8S-PSS-RUN-AS-USER
#   severity: medium
#   pss: {level: restricted, versions: ["v1.23", "v1.35"]}
#   frameworks: ["nist-800-53:AC-6"]
#   remediation: Set runAsUser to a non-zero user id, or remove it and build the image with a non-root USER.
#   inputs: [admission]
package parapet.k8s.pss.run_as_user

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

active if {
	pss.restricted_applies
	pss.minor >= 23
	not user_namespace_exempt
}

user_namespace_exempt if {
	pss.minor >= 35
	pss.user_namespace
}

deny contains {"msg": msg, "field": field} if {
	active
	k8s.pod_security_context.runAsUser == 0
	field := k8s.spec_field("securityContext.runAsUser")
	msg := sprintf("%s must not run as user 0: set %s to a non-zero user id", [k8s.object_phrase, field])
}

deny contains {"msg": msg, "field": field} if {
	active
	some c in k8s.containers
	c.sc.runAsUser == 0
	field := sprintf("%s.securityContext.runAsUser", [c.path])
	msg := sprintf("container %q of %s must not run as user 0: set %s to a non-zero user id", [c.name, k8s.object_phrase, field])
}
