# METADATA
# title: Custom SELinux options
# description: >-
#   Baseline: seLinuxOptions.type of the pod and of every container must be
#   unset or one of container_t, container_init_t, container_kvm_t (and
#   container_engine_t from v1.31); seLinuxOptions.user and role must be
#   unset.
# custom:
#   id: PAR-K8S-PSS-SELINUX
#   severity: medium
#   pss: {level: baseline, versions: ["v1.0", "v1.31"]}
#   frameworks: ["nist-800-53:AC-3"]
#   remediation: Remove seLinuxOptions.user and role and use an allowed SELinux type.
#   inputs: [admission]
package parapet.k8s.pss.selinux

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

allowed_types contains t if some t in {"", "container_t", "container_init_t", "container_kvm_t"}

allowed_types contains "container_engine_t" if pss.minor >= 31

# settings holds every seLinuxOptions of the pod and its containers.
settings contains {"who": k8s.object_phrase, "opts": o, "path": k8s.spec_field("securityContext.seLinuxOptions")} if {
	o := k8s.pod_security_context.seLinuxOptions
	k8s.is_set(o)
}

settings contains {"who": sprintf("container %q of %s", [c.name, k8s.object_phrase]), "opts": o, "path": sprintf("%s.securityContext.seLinuxOptions", [c.path])} if {
	some c in k8s.containers
	o := c.sc.seLinuxOptions
	k8s.is_set(o)
}

deny contains {"msg": msg, "field": field} if {
	pss.baseline_applies
	some s in settings
	t := object.get(s.opts, "type", "")
	not allowed_types[t]
	field := sprintf("%s.type", [s.path])
	msg := sprintf("%s must not set SELinux type %q: remove %s or use %s", [s.who, t, field, concat(", ", sort([x | some x in allowed_types; x != ""]))])
}

deny contains {"msg": msg, "field": field} if {
	pss.baseline_applies
	some s in settings
	some f in ["user", "role"]
	v := object.get(s.opts, f, "")
	v != ""
	field := sprintf("%s.%s", [s.path, f])
	msg := sprintf("%s must not set a custom SELinux %s (%q): remove %s", [s.who, f, v, field])
}
