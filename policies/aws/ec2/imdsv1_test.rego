package parapet.aws.ec2.imdsv1_test

import data.parapet.aws.ec2.imdsv1
import rego.v1

instance(props) := {"kind": "resource", "resource": {
	"id": "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc",
	"kind": "aws.ec2.instance", "name": "web-1",
	"props": object.union({"instance_id": "i-0abc"}, props),
}}

test_imdsv1_on_a_public_instance_is_high if {
	some r in imdsv1.deny with input as instance({"imdsv1_allowed": true, "public_ip": "54.1.2.3"})
	r.severity == "high"
	contains(r.msg, "public IP")
}

test_imdsv1_on_a_private_instance_is_medium if {
	some r in imdsv1.deny with input as instance({"imdsv1_allowed": true})
	r.severity == "medium"
}

test_imdsv2_required_passes if {
	count(imdsv1.deny) == 0 with input as instance({"imdsv1_allowed": false, "public_ip": "54.1.2.3"})
}

test_other_kinds_pass if {
	count(imdsv1.deny) == 0 with input as {"kind": "resource", "resource": {"kind": "aws.s3.bucket", "props": {"imdsv1_allowed": true}}}
}

test_an_instance_without_its_id_still_fails if {
	count(imdsv1.deny) == 1 with input as {"kind": "resource", "resource": {"id": "i-x", "kind": "aws.ec2.instance", "name": "x", "props": {"imdsv1_allowed": true}}}
}
