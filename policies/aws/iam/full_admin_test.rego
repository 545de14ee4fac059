package parapet.aws.iam.full_admin_test

import data.parapet.aws.iam.full_admin
import rego.v1

role_id := "arn:aws:iam::111122223333:role/agent"

role(props) := {"kind": "resource", "resource": {"id": role_id, "kind": "aws.iam.role", "name": "agent", "props": props}}

admin_doc := {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

test_inline_star_star_fails if {
	count(full_admin.deny) == 1 with input as role({"inline_policies": {"all": json.marshal(admin_doc)}})
}

test_inline_star_star_with_a_condition_passes if {
	count(full_admin.deny) == 0 with input as role({"inline_policies": {"all": {"Statement": [{
		"Effect": "Allow", "Action": "*", "Resource": "*",
		"Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
	}]}}})
}

test_inline_scoped_policy_passes if {
	count(full_admin.deny) == 0 with input as role({"inline_policies": {"read": {"Statement": [{
		"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
	}]}}})
}

test_admin_edge_from_the_iam_analysis_fails_once if {
	count(full_admin.deny) == 1 with input as role({"inline_policies": {"all": admin_doc}})
		with data.parapet.inventory.out as {role_id: [{"from": role_id, "to": "arn:aws:iam::111122223333:root", "kind": "admin_of", "props": {"reason": "can grant itself every permission (iam-005 iam:PutRolePolicy)"}}]}
}

test_other_kinds_pass if {
	count(full_admin.deny) == 0 with input as {"kind": "resource", "resource": {"id": "b", "kind": "aws.s3.bucket", "props": {"inline_policies": {"x": admin_doc}}}}
}
