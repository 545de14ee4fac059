# METADATA
# title: S3 bucket open to anyone through its policy
# description: >-
#   The bucket policy allows Principal "*" without a condition, so anyone on
#   the internet can read (or write) its objects.
# custom:
#   id: PAR-AWS-S3-001
#   severity: high
#   frameworks: ["nist-800-53:AC-3", "nist-800-53:AC-21", "owasp-llm-2025:LLM02"]
#   remediation: >-
#     Remove the statements that grant Principal "*" (or add a condition such
#     as aws:PrincipalOrgID), and turn on S3 Block Public Access for the
#     bucket and the account. Serve public content through CloudFront with
#     origin access control instead.
#   inputs: [resource]
package parapet.aws.s3.public_policy

import rego.v1

deny contains {"msg": msg, "severity": severity, "statements": object.get(input.resource.props, "public_statements", [])} if {
	input.resource.kind == "aws.s3.bucket"
	access := [a | some a in ["read", "write"]; input.resource.props[sprintf("public_%s", [a])] == true]
	count(access) > 0
	severity := level(access)
	sids := concat(", ", [object.get(s, "Sid", "(no Sid)") | some s in object.get(input.resource.props, "public_statements", [])])
	msg := sprintf("bucket %s can be %s by anyone through its policy (statements: %s)", [
		input.resource.name, concat(" and ", [w | some a in access; w := {"read": "read", "write": "written"}[a]]), sids,
	])
}

level(access) := "critical" if "write" in access

level(access) := "high" if not "write" in access
