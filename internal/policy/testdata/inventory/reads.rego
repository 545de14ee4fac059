# METADATA
# title: Reads the inventory in every way a user policy may
# description: >-
#   A test check: it reads one node, one edge list, a field deep inside a
#   neighbour, every node at once, and data.parapet as a whole, so that the
#   engine's answers can be compared with those over the whole inventory.
# custom:
#   id: TEST-INV-001
#   severity: low
#   inputs: [resource]
package test.inventory.reads

import rego.v1

# No kind test: the engine evaluates this rule on every node.
deny contains msg if {
	first := data.parapet.inventory.out[input.resource.id][0]
	kind := data.parapet.inventory.nodes[first.to].kind
	msg := sprintf("%s: first edge %s to a %s", [input.resource.id, first.kind, kind])
}

deny contains msg if {
	not data.parapet.inventory["in"][input.resource.id]
	not data.parapet.inventory.out[input.resource.id]
	msg := sprintf("%s: no edges", [input.resource.id])
}

deny contains msg if {
	data.parapet.inventory.nodes[input.resource.id].props != object.get(input.resource, "props", null)
	msg := sprintf("%s: the inventory's props differ from the input's", [input.resource.id])
}

# Every node at once, for one kind only (the demo estates have few).
warn contains msg if {
	input.resource.kind in {"aws.sns.topic", "k8s.clusterrolebinding"}
	same := count([n | some n in data.parapet.inventory.nodes; n.account == input.resource.account])
	msg := sprintf("%s: %d nodes in its account", [input.resource.id, same])
}

# data.parapet as a whole: the configuration and the inventory together.
warn contains msg if {
	input.resource.kind == "aws.s3.bucket"
	p := data.parapet
	readers := [e.from | some e in p.inventory["in"][input.resource.id]; e.kind == "can_read"]
	msg := sprintf("%s: %d readers, config keys %d", [input.resource.id, count(readers), count(p.config)])
}
