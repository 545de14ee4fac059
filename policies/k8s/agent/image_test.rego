package parapet.k8s.agent.image_test

import data.parapet.k8s.agent.image
import data.parapet.lib.fixtures
import rego.v1

digest := "sha256:9b2e6c1f0a4d8e3b7c5a1f2e4d6b8a0c3e5f7a9b1d3c5e7f9a1b3d5c7e9f1a3b"

pod(img) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "crew", "namespace": "agents"}, "spec": {"containers": [{"name": "crew", "image": img}]}}

registries := {"agent": {"allowed_registries": ["ghcr.io/acme", "registry.internal.example"]}}

test_a_recognised_agent_with_a_tag_is_denied if {
	some r in image.deny with input as fixtures.review(pod("ghcr.io/acme/crewai-worker:1.2"))
	contains(r.msg, "without a digest")
}

test_a_digest_from_an_allowed_registry_passes if {
	count(image.deny) == 0 with input as fixtures.review(pod(concat("@", ["ghcr.io/acme/crewai-worker", digest]))) with data.parapet.config as registries
}

test_a_digest_from_another_registry_is_denied if {
	some r in image.deny with input as fixtures.review(pod(concat("@", ["docker.io/someone/crewai", digest]))) with data.parapet.config as registries
	contains(r.msg, "registry \"docker.io\"")
}

test_docker_hub_short_names_are_normalised if {
	count(image.deny) == 0 with input as fixtures.review(pod(concat("@", ["langchain/langgraph-api", digest]))) with data.parapet.config as {"agent": {"allowed_registries": ["docker.io/langchain"]}}
}

test_a_workload_that_is_not_an_agent_is_not_checked if {
	count(image.deny) == 0 with input as fixtures.review(pod("nginx:latest"))
}
