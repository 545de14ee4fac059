package iam

import "testing"

// sessionARN is the ARN of a role session.
func sessionARN(account, role, session string) string {
	return "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session
}

// TestResourcePoliciesNamingARoleSession follows AWS's policy evaluation
// logic for resource-based policies within one account: a grant to a role
// ARN is limited by an implicit deny in the role's permissions boundary or
// session policy, while a grant to a role session ARN goes to that session
// directly and is not; and a session ARN names one session only.
func TestResourcePoliciesNamingARoleSession(t *testing.T) {
	e := newEstate(t)
	r := role(t, acct, "worker", "", allow("sqs:*", "*"))
	r.Boundary = mustPolicy(t, "boundary", allow("s3:*", "*"))
	e.add(r)
	q := "arn:aws:sqs:us-east-1:" + acct + ":q"
	e.resource(q, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"`+sessionARN(acct, "worker", "job-1")+`"},"Action":"sqs:SendMessage","Resource":"*"}}`)
	runCases(t, e, []evalCase{
		// AWS: "resource-based policies that grant permissions to an IAM
		// role session ARN are not limited by an implicit deny in ... a
		// permissions boundary or session policy".
		{"a same-account resource policy naming the role session is not limited by the role's boundary", sessionARN(acct, "worker", "job-1"), "sqs:SendMessage", q, nil, Allowed, "names the caller"},
		{"a resource policy naming one session does not grant to another session of the role", sessionARN(acct, "worker", "job-2"), "sqs:SendMessage", q, nil, Denied, ""},
		{"a resource policy naming a session grants to the role only if the session is that one", roleARN(acct, "worker"), "sqs:SendMessage", q, nil, Conditional, ""},
	})
}

// TestNotPrincipalDenyMustNameTheRoleSession follows the NotPrincipal
// reference: a request by a role is evaluated as the account, the role and
// the assumed-role session, so a Deny with NotPrincipal spares the role's
// requests only when it names the session ARN as well as the role and the
// account (a session cannot be named with a wildcard).
func TestNotPrincipalDenyMustNameTheRoleSession(t *testing.T) {
	e := newEstate(t)
	e.add(role(t, acct, "auditor", "", allow("s3:*", "*")))
	e.resource("arn:aws:s3:::no-session", `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["`+roleARN(acct, "auditor")+`","arn:aws:iam::`+acct+`:root"]},"Action":"s3:*","Resource":"arn:aws:s3:::no-session/*"}}`)
	e.resource("arn:aws:s3:::all-three", `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["`+sessionARN(acct, "auditor", "audit")+`","`+roleARN(acct, "auditor")+`","arn:aws:iam::`+acct+`:root"]},"Action":"s3:*","Resource":"arn:aws:s3:::all-three/*"}}`)
	runCases(t, e, []evalCase{
		{"a Deny with NotPrincipal naming the role and account but no session denies the role's sessions", sessionARN(acct, "auditor", "audit"), "s3:GetObject", "arn:aws:s3:::no-session/k", nil, Denied, "explicitly denied"},
		{"a Deny with NotPrincipal naming the session, role and account spares that session", sessionARN(acct, "auditor", "audit"), "s3:GetObject", "arn:aws:s3:::all-three/k", nil, Allowed, ""},
		{"a Deny with NotPrincipal naming a session denies the role's other sessions", sessionARN(acct, "auditor", "other"), "s3:GetObject", "arn:aws:s3:::all-three/k", nil, Denied, "explicitly denied"},
		{"a Deny with NotPrincipal naming a session spares the role only if the session is that one", roleARN(acct, "auditor"), "s3:GetObject", "arn:aws:s3:::all-three/k", nil, Conditional, ""},
	})
}

// TestUnresolvedPolicyVariablesInvalidateTheStatement follows the policy
// variables reference: a variable whose key is not present (aws:username
// for a role) cannot be matched, "and causes the statement to be invalid".
// A statement that says "everything except ${aws:username}" therefore
// neither allows nor denies anything for a role.
func TestUnresolvedPolicyVariablesInvalidateTheStatement(t *testing.T) {
	e := newEstate(t)
	e.add(role(t, acct, "notres-allow", "", `{"Statement":{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::home/${aws:username}/*"}}`))
	e.add(role(t, acct, "notres-deny", "", allow("s3:*", "*"), `{"Statement":{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::home/${aws:username}/*"}}`))
	e.add(role(t, acct, "negcond-allow", "", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringNotLike":{"s3:prefix":"home/${aws:username}/*"}}}}`))
	e.add(role(t, acct, "negcond-deny", "", allow("s3:*", "*"), `{"Statement":{"Effect":"Deny","Action":"s3:ListBucket","Resource":"*","Condition":{"StringNotLike":{"s3:prefix":"home/${aws:username}/*"}}}}`))
	e.add(user(t, acct, "alice", `{"Statement":{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::home/${aws:username}/*"}}`))
	prefix := map[string][]string{"s3:prefix": {"shared/"}}
	runCases(t, e, []evalCase{
		{"an Allow with NotResource naming ${aws:username} allows a role nothing", roleARN(acct, "notres-allow"), "s3:GetObject", "arn:aws:s3:::other/k", nil, Denied, ""},
		{"a Deny with NotResource naming ${aws:username} denies a role nothing", roleARN(acct, "notres-deny"), "s3:GetObject", "arn:aws:s3:::other/k", nil, Allowed, ""},
		{"an Allow with a negated condition on ${aws:username} allows a role nothing", roleARN(acct, "negcond-allow"), "s3:ListBucket", "arn:aws:s3:::b", prefix, Denied, ""},
		{"a Deny with a negated condition on ${aws:username} denies a role nothing", roleARN(acct, "negcond-deny"), "s3:ListBucket", "arn:aws:s3:::b", prefix, Allowed, ""},
		{"NotResource with ${aws:username} still works for a user", userARN(acct, "alice"), "s3:GetObject", "arn:aws:s3:::other/k", nil, Allowed, ""},
		{"NotResource with ${aws:username} still excludes the user's own home", userARN(acct, "alice"), "s3:GetObject", "arn:aws:s3:::home/alice/k", nil, Denied, ""},
	})
}
