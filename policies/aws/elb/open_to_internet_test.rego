package parapet.aws.elb.open_to_internet_test

import data.parapet.aws.elb.open_to_internet
import rego.v1

lb_id := "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/shop/1a2b"

sg_id := "arn:aws:ec2:us-east-1:111122223333:security-group/sg-0aa"

lb(facing) := {"kind": "resource", "resource": {
	"id": lb_id, "kind": "aws.elb.load_balancer", "name": "shop",
	"props": {"type": "application", "internet_facing": facing},
}}

inventory(open) := {
	"nodes": {sg_id: {"id": sg_id, "kind": "aws.ec2.security_group", "name": "web", "props": {
		"group_id": "sg-0aa", "open_to_internet": open,
		"open_ingress": [{"ports": "tcp/443", "source": "0.0.0.0/0"}],
	}}},
	"out": {lb_id: [{"from": lb_id, "to": sg_id, "kind": "in_network"}]},
	"in": {},
}

test_public_lb_behind_open_group_fails if {
	some r in open_to_internet.deny with input as lb(true) with data.parapet.inventory as inventory(true)
	r.security_group == sg_id
	contains(r.msg, "tcp/443 from 0.0.0.0/0")
}

test_internal_lb_passes if {
	count(open_to_internet.deny) == 0 with input as lb(false) with data.parapet.inventory as inventory(true)
}

test_public_lb_behind_closed_group_passes if {
	count(open_to_internet.deny) == 0 with input as lb(true) with data.parapet.inventory as inventory(false)
}
