package parapet.aws.iam.role_trusts_anyone_test

import data.parapet.aws.iam.role_trusts_anyone
import rego.v1

role(trust) := {"kind": "resource", "resource": {
	"id": "arn:aws:iam::111122223333:role/bad_role", "kind": "aws.iam.role", "name": "bad_role",
	"account": "111122223333", "props": {"trust_policy": trust},
}}

anyone := {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}

test_principal_star_fails if {
	count(role_trusts_anyone.deny) == 1 with input as role(anyone)
}

test_principal_star_as_json_string_fails if {
	count(role_trusts_anyone.deny) == 1 with input as role(json.marshal(anyone))
}

test_principal_star_as_url_encoded_string_fails if {
	count(role_trusts_anyone.deny) == 1 with input as role(urlquery.encode(json.marshal(anyone)))
}

test_principal_star_with_org_condition_passes if {
	count(role_trusts_anyone.deny) == 0 with input as role({"Statement": [{
		"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
		"Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
	}]})
}

test_service_principal_passes if {
	count(role_trusts_anyone.deny) == 0 with input as role({"Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}})
}
