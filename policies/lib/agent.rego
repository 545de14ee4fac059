# What makes a Kubernetes workload an AI agent, for the agent rules:
#
#  1. it (or its pod template) carries the label parapet.dev/agent, with any
#     value but "false" (the registration label of the AI inventory);
#  2. its namespace carries the label parapet.dev/agent (a namespace of
#     agents), when the namespace is in data.inventory;
#  3. one of its containers matches an "agent" rule of the AI inventory's
#     recognition table (data.parapet.aibom.rules: image, command, or
#     environment variable name patterns of LangGraph, LangChain, CrewAI,
#     AutoGen, OpenAI Agents SDK, LlamaIndex, Bedrock AgentCore, ...).
package parapet.lib.agent

import data.parapet.lib.k8s
import rego.v1

registration_label := "parapet.dev/agent"

template_paths := k8s.template_paths

# spec_of(obj) is the pod spec of a Pod or of a workload's pod template.
spec_of(obj) := obj.spec if obj.kind == "Pod"

spec_of(obj) := s if {
	p := template_paths[obj.kind]
	s := object.get(obj, array.concat(p, ["spec"]), null)
	s != null
}

# pod_labels_of(obj) are the labels of the pod or of the pod template.
pod_labels_of(obj) := object.get(obj, ["metadata", "labels"], {}) if obj.kind == "Pod"

pod_labels_of(obj) := object.get(obj, array.concat(template_paths[obj.kind], ["metadata", "labels"]), {}) if template_paths[obj.kind]

namespace_of(obj) := object.get(obj, ["metadata", "namespace"], "")

registered(labels) if {
	v := labels[registration_label]
	v != "false"
}

# is_agent_object(obj) is true when obj is a Pod or workload that runs an agent.
is_agent_object(obj) if {
	registered(object.get(obj, ["metadata", "labels"], {}))
	spec_of(obj)
}

is_agent_object(obj) if registered(pod_labels_of(obj))

is_agent_object(obj) if {
	spec_of(obj)
	ns := namespace_of(obj)
	ns != ""
	registered(object.get(data.inventory.cluster.v1.Namespace[ns], ["metadata", "labels"], {}))
}

is_agent_object(obj) if {
	some c in containers_of(obj)
	some r in agent_rules
	recognised(r, c, pod_labels_of(obj))
}

containers_of(obj) := [c |
	some t in k8s.container_types
	some c in object.get(spec_of(obj), t, [])
]

recognised(r, c, _) if {
	some p in r.images
	contains(lower(object.get(c, "image", "")), p)
}

recognised(r, c, _) if {
	line := lower(concat(" ", array.concat(object.get(c, "command", []), object.get(c, "args", []))))
	some p in r.commands
	contains(concat("", [line, " "]), p)
}

recognised(r, c, _) if {
	some e in object.get(c, "env", [])
	some p in r.env
	env_match(p, e.name)
}

recognised(r, _, labels) if {
	some l in r.labels
	label_match(l, labels)
}

env_match(p, name) if p == name

env_match(p, name) if {
	endswith(p, "*")
	startswith(name, trim_suffix(p, "*"))
}

label_match(l, labels) if {
	not contains(l, "=")
	labels[l]
}

label_match(l, labels) if {
	[k, v] := split(l, "=")
	labels[k] == v
}

# agent_rules are the recognition rules of role agent.
agent_rules := [r | some r in data.parapet.aibom.rules; r.role == "agent"]

# is_agent is true when the object under review runs an agent. It is
# is_agent_object for the object under review, written as rules so that
# Rego computes it once per evaluation.
is_agent if {
	k8s.is_pod_like
	registered(object.get(k8s.obj, ["metadata", "labels"], {}))
}

is_agent if {
	k8s.is_pod_like
	registered(object.get(k8s.pod_metadata, "labels", {}))
}

is_agent if {
	k8s.is_pod_like
	registered(object.get(k8s.namespace_object, ["metadata", "labels"], {}))
}

# The image, command and environment patterns of the agent rules, each
# folded into one regular expression when the engine loads.
patterns := data.parapet.aibom.agent_patterns

is_agent if {
	some c in k8s.containers
	regex.match(patterns.images, lower(object.get(c.container, "image", "")))
}

is_agent if {
	some c in k8s.containers
	line := concat("", [lower(concat(" ", array.concat(object.get(c.container, "command", []), object.get(c.container, "args", [])))), " "])
	regex.match(patterns.commands, line)
}

is_agent if {
	some c in k8s.containers
	some e in object.get(c.container, "env", [])
	regex.match(patterns.env, e.name)
}

is_agent if {
	k8s.is_pod_like
	some r in agent_rules
	some l in r.labels
	label_match(l, object.get(k8s.pod_metadata, "labels", {}))
}

# service_account_of(obj) is the service account a pod spec runs as.
service_account_of(obj) := object.get(spec_of(obj), "serviceAccountName", "default")

# inventory_objects are every namespaced object data.inventory holds.
inventory_objects contains o if {
	some _ns, gvs in data.inventory.namespace
	some _gv, kinds in gvs
	some _kind, names in kinds
	some _name, o in names
}

# cluster_objects are every cluster-scoped object data.inventory holds.
cluster_objects contains o if {
	some _gv, kinds in data.inventory.cluster
	some _kind, names in kinds
	some _name, o in names
}

# agent_service_accounts are "namespace/name" of the service accounts agent
# workloads in data.inventory (and the object under review) run as, and of
# service accounts labelled parapet.dev/agent.
agent_service_accounts contains sprintf("%s/%s", [namespace_of(o), service_account_of(o)]) if {
	some o in inventory_objects
	is_agent_object(o)
}

agent_service_accounts contains sprintf("%s/%s", [namespace_of(k8s.obj), service_account_of(k8s.obj)]) if is_agent

agent_service_accounts contains sprintf("%s/%s", [namespace_of(o), o.metadata.name]) if {
	some o in inventory_objects
	o.kind == "ServiceAccount"
	registered(object.get(o, ["metadata", "labels"], {}))
}

# knows_objects is true when the run has an inventory of objects (every
# manifest of a check run; the webhook's --inventory).
knows_objects if count(inventory_objects) + count(cluster_objects) > 0
