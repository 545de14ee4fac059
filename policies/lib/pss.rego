# Level and version selection for the Pod Security Standards checks, as
# pod-security-admission applies them: a namespace's
# pod-security.kubernetes.io/enforce and enforce-version labels where the
# namespace is known, else data.parapet.config.pss (set by --pss), else
# restricted at the latest version.
package parapet.lib.pss

import data.parapet.lib.k8s
import rego.v1

# latest stands for the newest Kubernetes minor version the checks know.
latest := 1000

ns_labels := object.get(k8s.namespace_object, ["metadata", "labels"], {})

config := c if {
	c := data.parapet.config.pss
} else := {}

requested_level := l if {
	l := ns_labels["pod-security.kubernetes.io/enforce"]
} else := object.get(config, "level", "restricted")

# level is the Pod Security level in force. An unknown level is read as
# restricted, so a typo never switches the checks off.
level := requested_level if level_rank[requested_level] else := "restricted"

version_text := v if {
	ns_labels["pod-security.kubernetes.io/enforce"]
	v := object.get(ns_labels, "pod-security.kubernetes.io/enforce-version", "latest")
} else := object.get(config, "version", "latest")

# minor is the Kubernetes minor version checks are evaluated at: "v1.30"
# gives 30, "latest" (or anything unreadable) gives latest.
minor := m if {
	startswith(version_text, "v1.")
	m := to_number(substring(version_text, 3, -1))
} else := latest

level_rank := {"privileged": 0, "baseline": 1, "restricted": 2}

# applies(control_level, since) is true when a control of control_level
# ("baseline" or "restricted") that exists since Kubernetes 1.<since> is part
# of the selected level and version.
applies(control_level, since) if {
	enabled[control_level]
	minor >= since
}

# baseline_applies and restricted_applies are true when the object under
# review has a pod spec and the level includes baseline, or restricted,
# controls. Checks test them (complete rules, computed once) rather than
# calling applies.
baseline_applies if enabled.baseline

restricted_applies if enabled.restricted

# enabled holds the control levels in force for the object under review:
# none for objects without a pod spec, baseline, or baseline and restricted.
enabled contains l if {
	k8s.is_pod_like
	not insignificant_pod_update
	some l in ["baseline", "restricted"]
	level_rank[level] >= level_rank[l]
}

# insignificant_pod_update is true for an UPDATE of a Pod that changes no
# field the controls read: as pod-security-admission does, such updates
# (labels, annotations other than seccomp and AppArmor, tolerations,
# activeDeadlineSeconds) are not checked again, so that an existing pod can
# still be relabelled.
insignificant_pod_update if {
	input.kind == "admission"
	input.review.operation == "UPDATE"
	k8s.kind == "Pod"
	old := input.review.oldObject
	old != null
	object.remove(k8s.obj.spec, mutable_fields) == object.remove(object.get(old, "spec", {}), mutable_fields)
	security_annotations(k8s.obj) == security_annotations(old)
}

mutable_fields := ["tolerations", "activeDeadlineSeconds"]

security_annotations(o) := {k: v |
	some k, v in object.get(o, ["metadata", "annotations"], {})
	some p in ["seccomp.security.alpha.kubernetes.io/", "container.seccomp.security.alpha.kubernetes.io/", "container.apparmor.security.beta.kubernetes.io/"]
	startswith(k, p)
}

# restricted_at(since) is true when the restricted level is in force at a
# version where a restricted control that exists since 1.<since> replaces a
# baseline one (pod-security-admission's OverrideCheckIDs).
restricted_at(since) if {
	level == "restricted"
	minor >= since
}

# user_namespace is true for pods that run in a user namespace
# (spec.hostUsers: false); from 1.35 some controls relax for them.
user_namespace if k8s.pod_spec.hostUsers == false

# is_windows is true for pods that declare spec.os.name windows; some
# restricted controls skip them from 1.25.
is_windows if k8s.pod_spec.os.name == "windows"
