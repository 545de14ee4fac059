# METADATA
# title: Identity with full administrative access
# description: >-
#   A user, role or group that is allowed every action on every resource, or
#   that can grant itself that in one step, controls the whole account: an
#   agent or workload running as it, or anyone who steals its credentials,
#   can do anything. Found from the IAM analysis of a scan (the identity's
#   admin_of edge, with the deciding statements) and, for Terraform and other
#   sources read without that analysis, from an inline policy that allows
#   Action "*" on Resource "*" without a condition.
# custom:
#   id: PAR-AWS-IAM-012
#   severity: high
#   frameworks: ["nist-800-53:AC-6", "owasp-asi-2026:ASI03", "owasp-llm-2025:LLM06", "iso-42001:A.9.2"]
#   remediation: >-
#     Replace the administrator grant with the actions and resources the
#     identity needs (IAM Access Analyzer can generate a policy from its
#     CloudTrail activity), and keep break-glass administration on a
#     separate role that people assume with MFA.
#   inputs: [resource]
package parapet.aws.iam.full_admin

import data.parapet.aws.lib
import rego.v1

# One rule per kind, each testing the kind first, so the engine evaluates
# the check only on identities.
deny contains f if {
	input.resource.kind == "aws.iam.role"
	some f in findings
}

deny contains f if {
	input.resource.kind == "aws.iam.user"
	some f in findings
}

deny contains f if {
	input.resource.kind == "aws.iam.group"
	some f in findings
}

admin_edges contains e if {
	some e in lib.out(input.resource.id)
	e.kind == "admin_of"
}

findings contains {"msg": msg, "resource": input.resource.id, "reason": e.props.reason, "statements": object.get(e.props, "statements", [])} if {
	some e in admin_edges
	msg := sprintf("%s %s is admin-equivalent: %s; give it only the actions and resources it needs", [
		trim_prefix(input.resource.kind, "aws.iam."), input.resource.name, e.props.reason,
	])
}

findings contains {"msg": msg, "resource": input.resource.id, "policy": name} if {
	count(admin_edges) == 0
	some name, text in object.get(input.resource.props, "inline_policies", {})
	some st in lib.statements(lib.document(text))
	st.Effect == "Allow"
	some a in lib.as_list(st.Action)
	a in {"*", "*:*"}
	some r in lib.as_list(st.Resource)
	r == "*"
	not lib.conditioned(st)
	msg := sprintf("%s %s has an inline policy %s that allows every action on every resource; give it only the actions and resources it needs", [
		trim_prefix(input.resource.kind, "aws.iam."), input.resource.name, name,
	])
}
