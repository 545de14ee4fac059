# METADATA
# title: Cross-account role trust without sts:ExternalId
# description: >-
#   The role trusts a principal of another account without requiring
#   sts:ExternalId (or limiting it to your organisation), so a third party
#   that serves several customers can be tricked into using it on behalf of
#   someone else (the confused deputy).
# custom:
#   id: PAR-AWS-IAM-011
#   severity: medium
#   frameworks: ["nist-800-53:AC-3", "nist-800-53:AC-20", "owasp-asi-2026:ASI03"]
#   remediation: >-
#     Add "Condition": {"StringEquals": {"sts:ExternalId": "<a secret agreed
#     with the third party>"}} to the trust statement, or aws:PrincipalOrgID
#     when the other account is in your organisation.
#   inputs: [resource]
package parapet.aws.iam.cross_account_no_external_id

import data.parapet.aws.lib
import rego.v1

deny contains {"msg": msg, "trusted_account": acct, "statement": st} if {
	input.resource.kind == "aws.iam.role"
	doc := lib.document(input.resource.props.trust_policy)
	some st in lib.statements(doc)
	# The principal first: most trust policies name a service or their own
	# account, and the action globs need not run for them.
	some p in lib.principals(st, "AWS")
	p != "*"
	acct := lib.account_of(p)
	acct != input.resource.account
	lib.allows_action(st, "sts:AssumeRole")
	keys := lib.condition_keys(st)
	not "sts:externalid" in keys
	not "aws:principalorgid" in keys
	not "aws:principalorgpaths" in keys
	msg := sprintf("role %s trusts account %s (%s) without requiring sts:ExternalId", [input.resource.name, acct, p])
}
