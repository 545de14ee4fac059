# METADATA
# title: EC2 instance allows IMDSv1
# description: >-
#   The instance metadata service answers without a session token (IMDSv1),
#   so a server-side request forgery in anything running on the instance can
#   read the credentials of its role.
# custom:
#   id: PAR-AWS-EC2-001
#   severity: medium
#   frameworks: ["nist-800-53:AC-3", "nist-800-53:SC-7", "atlas:AML.T0049", "owasp-asi-2026:ASI03"]
#   remediation: >-
#     Require IMDSv2: aws ec2 modify-instance-metadata-options --instance-id ID
#     --http-tokens required --http-put-response-hop-limit 1, and set
#     MetadataOptions.HttpTokens=required in launch templates.
#   inputs: [resource]
package parapet.aws.ec2.imdsv1

import rego.v1

deny contains {"msg": msg, "severity": severity, "field": "props.imdsv1_allowed"} if {
	input.resource.kind == "aws.ec2.instance"
	input.resource.props.imdsv1_allowed == true
	severity := sev
	msg := sprintf("instance %s (%s) allows IMDSv1: require session tokens (HttpTokens=required)%s", [
		input.resource.name, object.get(input.resource.props, "instance_id", input.resource.id), where,
	])
}

default public := false

public if input.resource.props.public_ip

public if input.resource.props.internet_reachable == true

sev := "high" if public

sev := "medium" if not public

where := "; it has a public IP" if public

where := "" if not public
