package parapet.aws.sns.public_topic_test

import data.parapet.aws.sns.public_topic
import rego.v1

topic(props) := {"kind": "resource", "resource": {
	"id": "arn:aws:sns:us-east-1:111122223333:alerts", "kind": "aws.sns.topic", "name": "alerts",
	"props": props,
}}

test_public_topic_fails if {
	some r in public_topic.deny with input as topic({"public_read": true, "public_write": true, "public_actions": ["SNS:Publish", "SNS:Subscribe"]})
	contains(r.msg, "SNS:Publish, SNS:Subscribe")
}

test_topic_limited_to_its_owner_passes if {
	count(public_topic.deny) == 0 with input as topic({"public_read": false, "public_write": false})
}

test_public_topic_without_its_actions_still_fails if {
	count(public_topic.deny) == 1 with input as topic({"public_read": true})
}
