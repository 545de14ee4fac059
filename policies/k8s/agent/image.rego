# METADATA
# title: Agent image not pinned by digest or from an unapproved registry
# description: >-
#   An agent's code decides what it does with its credentials: its images
#   must be pinned by digest (image@sha256:...) so a retagged image cannot
#   change it, and come from the registries in
#   data.parapet.config.agent.allowed_registries (all registries when the
#   list is empty).
# custom:
#   id: PAR-K8S-AGENT-IMAGE
#   severity: high
#   frameworks: ["owasp-llm-2025:LLM03", "owasp-asi-2026:ASI04", "nist-800-53:CM-14"]
#   remediation: Reference every image of the agent as registry/repository@sha256:<digest>, from an approved registry.
#   inputs: [admission]
package parapet.k8s.agent.image

import data.parapet.lib.agent
import data.parapet.lib.k8s
import rego.v1

allowed := r if {
	r := data.parapet.config.agent.allowed_registries
} else := []

deny contains {"msg": msg, "field": sprintf("%s.image", [c.path])} if {
	agent.is_agent
	some c in k8s.containers
	image := object.get(c.container, "image", "")
	not contains(image, "@sha256:")
	msg := sprintf("container %q of agent %s uses image %q without a digest: pin it as %s@sha256:<digest>", [c.name, k8s.object_phrase, image, split(image, "@")[0]])
}

deny contains {"msg": msg, "field": sprintf("%s.image", [c.path])} if {
	agent.is_agent
	count(allowed) > 0
	some c in k8s.containers
	image := object.get(c.container, "image", "")
	not approved(image)
	msg := sprintf("container %q of agent %s pulls %q from registry %q, which is not approved: use one of %s", [c.name, k8s.object_phrase, image, registry(image), concat(", ", allowed)])
}

# registry(image) is the registry host of an image reference; Docker Hub
# for references without one.
registry(image) := host if {
	parts := split(image, "/")
	count(parts) > 1
	host := parts[0]
	host_like(host)
} else := "docker.io"

host_like(h) if contains(h, ".")

host_like(h) if contains(h, ":")

host_like("localhost")

# normalised(image) writes Docker Hub references in full, so that an
# allowed entry "docker.io/library" matches "nginx".
normalised(image) := image if registry(image) != "docker.io"

normalised(image) := image if startswith(image, "docker.io/")

normalised(image) := concat("/", ["docker.io", image]) if {
	registry(image) == "docker.io"
	not startswith(image, "docker.io/")
	contains(image, "/")
}

normalised(image) := concat("/", ["docker.io/library", image]) if {
	not contains(image, "/")
}

approved(image) if {
	some a in allowed
	n := normalised(image)
	prefix := trim_suffix(a, "/")
	startswith(n, concat("", [prefix, "/"]))
}
