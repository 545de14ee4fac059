# METADATA
# title: Agent with host access
# description: >-
#   An agent must not reach the node: no hostPath volumes, no host network,
#   and above all no container runtime socket (docker, containerd, CRI-O,
#   podman), which is root on the node.
# custom:
#   id: PAR-K8S-AGENT-HOST-ACCESS
#   severity: critical
#   frameworks: ["owasp-asi-2026:ASI03", "nist-800-53:AC-6", "nist-800-53:SC-39"]
#   remediation: Remove hostPath volumes and hostNetwork from the agent; give it the data it needs through a volume type that does not expose the node.
#   inputs: [admission]
package parapet.k8s.agent.host_access

import data.parapet.lib.agent
import data.parapet.lib.k8s
import rego.v1

runtime_sockets := [
	"docker.sock", "containerd.sock", "crio.sock", "cri-dockerd.sock", "podman.sock",
	"dockershim.sock",
]

is_socket(path) if {
	some s in runtime_sockets
	endswith(path, s)
}

is_socket(path) if trim_suffix(path, "/") in {"/var/run", "/run", "/var/run/containerd", "/run/containerd", "/var/run/docker", "/var/run/crio", "/run/crio"}

deny contains {"msg": msg, "field": field} if {
	agent.is_agent
	some i, v in object.get(k8s.pod_spec, "volumes", [])
	p := v.hostPath.path
	is_socket(p)
	field := sprintf("%s[%d].hostPath", [k8s.spec_field("volumes"), i])
	msg := sprintf("agent %s mounts the container runtime socket %q (volume %q), which is root on the node: remove the volume", [k8s.object_phrase, p, v.name])
}

deny contains {"msg": msg, "field": field} if {
	agent.is_agent
	some i, v in object.get(k8s.pod_spec, "volumes", [])
	p := v.hostPath.path
	not is_socket(p)
	field := sprintf("%s[%d].hostPath", [k8s.spec_field("volumes"), i])
	msg := sprintf("agent %s mounts host path %q (volume %q): replace it with an emptyDir, configMap, secret or persistentVolumeClaim", [k8s.object_phrase, p, v.name])
}

deny contains {"msg": msg, "field": field} if {
	agent.is_agent
	k8s.pod_spec.hostNetwork == true
	field := k8s.spec_field("hostNetwork")
	msg := sprintf("agent %s uses the host network: remove %s", [k8s.object_phrase, field])
}
