# METADATA
# title: IAM role assumable by any principal
# description: >-
#   The role's trust policy allows sts:AssumeRole to Principal "*" (any AWS
#   account, any user) with no condition, so anyone with AWS credentials
#   can take the role's permissions.
# custom:
#   id: PAR-AWS-IAM-010
#   severity: critical
#   frameworks: ["nist-800-53:AC-3", "nist-800-53:AC-6", "owasp-asi-2026:ASI03", "atlas:AML.T0012"]
#   remediation: >-
#     Replace Principal "*" in the trust policy with the accounts or roles
#     that need the role, and add conditions (sts:ExternalId for third
#     parties, aws:PrincipalOrgID for your organisation).
#   inputs: [resource]
package parapet.aws.iam.role_trusts_anyone

import data.parapet.aws.lib
import rego.v1

deny contains {"msg": msg, "statement": st} if {
	input.resource.kind == "aws.iam.role"
	doc := lib.document(input.resource.props.trust_policy)
	some st in lib.statements(doc)
	lib.anyone(st) # cheap and rarely true: tested before the action globs
	lib.allows_action(st, "sts:AssumeRole")
	not lib.conditioned(st)
	msg := sprintf("role %s can be assumed by any principal: its trust policy allows sts:AssumeRole to Principal \"*\" without a condition (statement %s)", [
		input.resource.name, object.get(st, "Sid", "without Sid"),
	])
}
