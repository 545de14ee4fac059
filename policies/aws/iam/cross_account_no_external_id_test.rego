package parapet.aws.iam.cross_account_no_external_id_test

import data.parapet.aws.iam.cross_account_no_external_id as check
import rego.v1

role(st) := {"kind": "resource", "resource": {
	"id": "arn:aws:iam::111122223333:role/vendor-audit", "kind": "aws.iam.role", "name": "vendor-audit",
	"account": "111122223333", "props": {"trust_policy": {"Statement": [st]}},
}}

vendor := {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}

test_other_account_without_external_id_fails if {
	some r in check.deny with input as role(vendor)
	r.trusted_account == "444455556666"
}

test_other_account_with_external_id_passes if {
	count(check.deny) == 0 with input as role(object.union(vendor, {"Condition": {"StringEquals": {"sts:ExternalId": "c8f1-77"}}}))
}

test_same_account_passes if {
	count(check.deny) == 0 with input as role({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/ci"}, "Action": "sts:AssumeRole"})
}

test_bare_account_id_fails if {
	count(check.deny) == 1 with input as role({"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sts:AssumeRole"})
}
