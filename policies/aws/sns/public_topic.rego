# METADATA
# title: SNS topic open to anyone through its policy
# description: >-
#   The topic policy allows Principal "*" without a condition: anyone can
#   publish to it or subscribe to it (and so read every message), and with
#   the default statement even change or delete it.
# custom:
#   id: PAR-AWS-SNS-001
#   severity: high
#   frameworks: ["nist-800-53:AC-3", "nist-800-53:AC-21"]
#   remediation: >-
#     Add a condition to the statement that grants Principal "*" (for the
#     default policy, StringEquals AWS:SourceOwner with your account ID), or
#     name the principals that need the topic.
#   inputs: [resource]
package parapet.aws.sns.public_topic

import rego.v1

deny contains {"msg": msg, "actions": object.get(input.resource.props, "public_actions", [])} if {
	input.resource.kind == "aws.sns.topic"
	some a in ["read", "write"]
	input.resource.props[sprintf("public_%s", [a])] == true
	msg := sprintf("SNS topic %s is open to anyone through its policy: %s", [
		input.resource.name, concat(", ", object.get(input.resource.props, "public_actions", [])),
	])
}
