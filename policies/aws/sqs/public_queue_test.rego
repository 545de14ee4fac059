package parapet.aws.sqs.public_queue_test

import data.parapet.aws.sqs.public_queue
import rego.v1

queue(props) := {"kind": "resource", "resource": {
	"id": "arn:aws:sqs:us-east-1:111122223333:jobs", "kind": "aws.sqs.queue", "name": "jobs",
	"props": props,
}}

test_public_queue_fails if {
	some r in public_queue.deny with input as queue({"public_write": true, "public_actions": ["sqs:SendMessage"]})
	contains(r.msg, "sqs:SendMessage")
}

test_private_queue_passes if {
	count(public_queue.deny) == 0 with input as queue({"public_read": false, "public_write": false})
}

test_public_queue_without_its_actions_still_fails if {
	count(public_queue.deny) == 1 with input as queue({"public_write": true})
}
