# Builders of admission inputs for the Rego tests of Kubernetes checks.
package parapet.lib.fixtures

import rego.v1

# pod is the admission input for a Pod with spec.
pod(spec) := review({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "apps"}, "spec": spec})

# pod_with_annotations is pod with metadata.annotations.
pod_with_annotations(annotations, spec) := review({
	"apiVersion": "v1", "kind": "Pod",
	"metadata": {"name": "web", "namespace": "apps", "annotations": annotations},
	"spec": spec,
})

# deployment is the admission input for a Deployment whose pod template has spec.
deployment(spec) := review({
	"apiVersion": "apps/v1", "kind": "Deployment",
	"metadata": {"name": "web", "namespace": "apps"},
	"spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": spec}},
})

review(obj) := {"kind": "admission", "review": {
	"kind": {"group": "", "version": "v1", "kind": obj.kind},
	"operation": "CREATE", "namespace": object.get(obj.metadata, "namespace", ""), "name": obj.metadata.name,
	"object": obj,
}}

# restricted is a pod spec that passes every restricted control.
restricted_container := {
	"name": "app", "image": "registry.example.com/app@sha256:0000000000000000000000000000000000000000000000000000000000000000",
	"securityContext": {
		"allowPrivilegeEscalation": false,
		"capabilities": {"drop": ["ALL"]},
	},
}

restricted_spec := {
	"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
	"containers": [restricted_container],
}

# config builds data.parapet.config.pss.
config(level, version) := {"level": level, "version": version}
