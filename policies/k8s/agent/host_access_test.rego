package parapet.k8s.agent.host_access_test

import data.parapet.k8s.agent.host_access
import data.parapet.lib.fixtures
import rego.v1

agent(spec) := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "ops", "namespace": "agents"}, "spec": {"template": {
	"metadata": {"labels": {"parapet.dev/agent": "ops"}},
	"spec": object.union({"containers": [{"name": "a", "image": "x"}]}, spec),
}}}

test_an_agent_without_host_access_passes if {
	count(host_access.deny) == 0 with input as fixtures.review(agent({"volumes": [{"name": "tmp", "emptyDir": {}}]}))
}

test_the_docker_socket_is_denied_as_a_runtime_socket if {
	some r in host_access.deny with input as fixtures.review(agent({"volumes": [{"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}]}))
	contains(r.msg, "container runtime socket")
}

test_another_host_path_is_denied if {
	some r in host_access.deny with input as fixtures.review(agent({"volumes": [{"name": "logs", "hostPath": {"path": "/var/log"}}]}))
	contains(r.msg, "host path \"/var/log\"")
}

test_host_network_is_denied if {
	some r in host_access.deny with input as fixtures.review(agent({"hostNetwork": true}))
	r.field == "spec.template.spec.hostNetwork"
}

test_an_agent_namespace_makes_its_workloads_agents if {
	plain := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "bots"}, "spec": {"hostNetwork": true, "containers": [{"name": "a", "image": "x"}]}}
	ns := {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bots", "labels": {"parapet.dev/agent": "true"}}}
	count(host_access.deny) == 1 with input as fixtures.review(plain) with data.inventory as {"cluster": {"v1": {"Namespace": {"bots": ns}}}}
	count(host_access.deny) == 0 with input as fixtures.review(plain) with data.inventory as {}
}
