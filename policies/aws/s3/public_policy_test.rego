package parapet.aws.s3.public_policy_test

import data.parapet.aws.s3.public_policy
import rego.v1

bucket(props) := {"kind": "resource", "resource": {
	"id": "arn:aws:s3:::acme-site", "kind": "aws.s3.bucket", "name": "acme-site",
	"props": props,
}}

stmt := {"Sid": "PublicReadGetObject", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject"}

test_public_read_fails_high if {
	some r in public_policy.deny with input as bucket({"public_read": true, "public_write": false, "public_statements": [stmt]})
	r.severity == "high"
	contains(r.msg, "read by anyone")
	contains(r.msg, "PublicReadGetObject")
}

test_public_write_fails_critical if {
	some r in public_policy.deny with input as bucket({"public_read": true, "public_write": true, "public_statements": [stmt]})
	r.severity == "critical"
}

test_private_bucket_passes if {
	count(public_policy.deny) == 0 with input as bucket({"public_read": false, "public_write": false})
}

test_public_bucket_without_its_statements_still_fails if {
	count(public_policy.deny) == 1 with input as bucket({"public_read": true})
}
