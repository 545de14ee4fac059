# Helpers for checks on Kubernetes objects. They read the object under
# review, input.review.object, as the admission webhook and `parapet check`
# on manifests give it; an inventory node that carries its object in
# props.manifest reads the same way.
package parapet.lib.k8s

import rego.v1

# obj is the Kubernetes object being checked.
obj := input.review.object if input.kind == "admission"

obj := input.resource.props.manifest if input.kind == "resource"

kind := obj.kind

name := obj.metadata.name

namespace := ns if {
	input.kind == "admission"
	ns := object.get(input.review, "namespace", "")
	ns != ""
} else := obj.metadata.namespace

# workload_kinds map a kind with a pod template to the path of its pod
# template, as pod-security-admission reads them.
template_paths := {
	"Deployment": ["spec", "template"],
	"ReplicaSet": ["spec", "template"],
	"StatefulSet": ["spec", "template"],
	"DaemonSet": ["spec", "template"],
	"Job": ["spec", "template"],
	"ReplicationController": ["spec", "template"],
	"PodTemplate": ["template"],
	"CronJob": ["spec", "jobTemplate", "spec", "template"],
}

# is_pod_like is true for Pods and for objects with a pod template.
is_pod_like if kind == "Pod"

is_pod_like if template_paths[kind]

# pod_path is the path from the object to its pod spec's parent (the pod
# itself or its template), as dotted text for messages.
pod_path := "" if kind == "Pod"

pod_path := concat(".", template_paths[kind]) if template_paths[kind]

# pod_spec is the pod spec of a Pod or of a workload's pod template.
pod_spec := obj.spec if kind == "Pod"

pod_spec := spec if {
	p := template_paths[kind]
	spec := object.get(obj, array.concat(p, ["spec"]), null)
	spec != null
}

# pod_metadata is the metadata of the Pod or of the pod template.
pod_metadata := object.get(obj, "metadata", {}) if kind == "Pod"

pod_metadata := object.get(obj, array.concat(template_paths[kind], ["metadata"]), {}) if template_paths[kind]

# spec_field names a field of the pod spec for messages: "spec.hostNetwork"
# for a Pod, "spec.template.spec.hostNetwork" for a Deployment.
spec_field(f) := concat(".", [p, "spec", f]) if {
	p := pod_path
	p != ""
} else := concat(".", ["spec", f])

# container_types are the three lists of containers a pod spec has.
container_types := ["containers", "initContainers", "ephemeralContainers"]

# containers holds every container of the pod spec, of all three types, with
# its list, index, securityContext ("sc", {} when unset) and field path. (An array, not a set: containers are big
# objects, and a set would hash each one.)
containers := [{"type": t, "index": i, "name": object.get(c, "name", ""), "container": c, "sc": object.get(c, "securityContext", {}), "path": sprintf("%s[%d]", [spec_field(t), i])} |
	some t in container_types
	some i, c in object.get(pod_spec, t, [])
]

# pod_security_context is the pod-level securityContext, or {}.
pod_security_context := object.get(pod_spec, "securityContext", {})

# container_security_context(c) is a container's securityContext, or {}.
container_security_context(c) := object.get(c, "securityContext", {})

# quote_list writes names as "a", "b" for messages.
quote_list(names) := concat(", ", [sprintf("%q", [n]) | some n in sort(names)])

# labels of the object, or {}.
labels := object.get(obj, ["metadata", "labels"], {})

# namespace_object is the Namespace the object lives in, when the
# inventory (data.inventory, as Gatekeeper caches it) holds it.
namespace_object := data.inventory.cluster.v1.Namespace[namespace]

# is_set is true when x is present and not null (a JSON null reads as unset,
# as Kubernetes decodes it).
is_set(x) if x != null

# pod_name_phrase names the object for messages: Pod "web" or Deployment "web".
object_phrase := sprintf("%s %q", [kind, name])
