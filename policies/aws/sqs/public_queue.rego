# METADATA
# title: SQS queue open to anyone through its policy
# description: >-
#   The queue policy allows Principal "*" without a condition: anyone can
#   send messages into it or receive (and delete) its messages.
# custom:
#   id: PAR-AWS-SQS-001
#   severity: high
#   frameworks: ["nist-800-53:AC-3", "nist-800-53:AC-21", "owasp-asi-2026:ASI06"]
#   remediation: >-
#     Add a condition (aws:SourceArn of the topic or bucket that feeds it,
#     aws:PrincipalOrgID) to the statement that grants Principal "*", or name
#     the principals that need the queue.
#   inputs: [resource]
package parapet.aws.sqs.public_queue

import rego.v1

deny contains {"msg": msg, "actions": object.get(input.resource.props, "public_actions", [])} if {
	input.resource.kind == "aws.sqs.queue"
	some a in ["read", "write"]
	input.resource.props[sprintf("public_%s", [a])] == true
	msg := sprintf("SQS queue %s is open to anyone through its policy: %s", [
		input.resource.name, concat(", ", object.get(input.resource.props, "public_actions", [])),
	])
}
