# METADATA
# title: Internet-facing load balancer behind a security group open to the internet
# description: >-
#   An internet-facing load balancer whose security group accepts traffic
#   from 0.0.0.0/0 or ::/0 exposes every target behind it to the whole
#   internet.
# custom:
#   id: PAR-AWS-ELB-001
#   severity: medium
#   frameworks: ["nist-800-53:SC-7", "nist-800-53:AC-4", "atlas:AML.T0049"]
#   remediation: >-
#     Limit the security group's ingress to the sources that need it (a CDN's
#     prefix list, partner ranges), or make the load balancer internal; put
#     authentication (OIDC, Cognito) on the listener when it must stay public.
#   inputs: [resource]
package parapet.aws.elb.open_to_internet

import data.parapet.aws.lib
import rego.v1

deny contains {"msg": msg, "security_group": sg.id, "open_ingress": object.get(sg.props, "open_ingress", [])} if {
	input.resource.kind == "aws.elb.load_balancer"
	input.resource.props.internet_facing == true
	some e in lib.out(input.resource.id)
	e.kind == "in_network"
	sg := lib.node(e.to)
	sg.kind == "aws.ec2.security_group"
	sg.props.open_to_internet == true
	ports := concat(", ", [sprintf("%s from %s", [object.get(r, "ports", "all"), object.get(r, "source", "0.0.0.0/0")]) | some r in object.get(sg.props, "open_ingress", [])])
	msg := sprintf("internet-facing %s load balancer %s is behind security group %s (%s) open to the internet: %s", [
		object.get(input.resource.props, "type", ""), input.resource.name, object.get(sg.props, "group_id", sg.id), object.get(sg, "name", ""), ports,
	])
}
