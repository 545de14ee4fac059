# METADATA
# title: Pods name their owning team
# custom:
#   id: ACME-K8S-001
#   severity: low
#   remediation: Add a team label.
#   inputs: [admission]
package acme.k8s.team_label

import rego.v1

warn contains {"msg": sprintf("pod %q has no team label: add metadata.labels.team", [input.review.object.metadata.name])} if {
	input.review.kind.kind == "Pod"
	not input.review.object.metadata.labels.team
}
