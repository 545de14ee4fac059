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

// TestSessionPolicyLimitsAResourcePolicyNamingTheUser follows the session
// policies section of the IAM guide: when a resource-based policy names
// the ARN of the user (or role) rather than the session, its permissions
// are added before the session is created, and "the session policy limits
// the total permissions granted by the resource-based policy and the
// identity-based policy". A user's permissions boundary still does not.
func TestSessionPolicyLimitsAResourcePolicyNamingTheUser(t *testing.T) {
	e := newEstate(t)
	e.add(user(t, acct, "fed"))
	q := "arn:aws:sqs:us-east-1:" + acct + ":q"
	e.resource(q, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"`+userARN(acct, "fed")+`"},"Action":"sqs:SendMessage","Resource":"*"}}`)
	for _, tt := range []struct {
		name    string
		session string
		want    Result
	}{
		{"a session policy that does not allow the action limits a resource policy naming the user", allow("s3:*", "*"), Denied},
		{"a session policy that allows the action keeps a resource policy naming the user", allow("sqs:*", "*"), Allowed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := e.m.Evaluate(Request{Principal: userARN(acct, "fed"), Action: "sqs:SendMessage", Resource: q, SessionPolicy: mustPolicy(t, "session", tt.session)})
			if d.Result != tt.want {
				t.Fatalf("got %v (%s), want %v", d.Result, d.Reason, tt.want)
			}
		})
	}
}

// TestSessionOfARoleOutsideTheInput follows the Principal reference: a
// role session's own requests are those of its role (aws:PrincipalArn is
// the role ARN), so a resource policy naming an outside role admits its
// sessions.
func TestSessionOfARoleOutsideTheInput(t *testing.T) {
	e := newEstate(t)
	e.add(user(t, acct, "dev"))
	e.resource("arn:aws:s3:::shared", `{"Statement":{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::333333333333:role/reader","arn:aws:sts::333333333333:assumed-role/auditor/s1"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}}`)
	e.m.SetResourceOwner("arn:aws:s3:::shared", acct)
	runCases(t, e, []evalCase{
		{"a session of the named outside role is allowed", "arn:aws:sts::333333333333:assumed-role/reader/s1", "s3:GetObject", "arn:aws:s3:::shared/k", nil, Allowed, ""},
		{"a session named itself is allowed", "arn:aws:sts::333333333333:assumed-role/auditor/s1", "s3:GetObject", "arn:aws:s3:::shared/k", nil, Allowed, ""},
		{"a session of another role of that account is not", "arn:aws:sts::333333333333:assumed-role/writer/s1", "s3:GetObject", "arn:aws:s3:::shared/k", nil, Denied, ""},
	})
}

// TestServicePrincipalsCarryNoPrincipalAttributes follows the global
// condition keys reference: aws:PrincipalOrgID and aws:PrincipalOrgPaths
// are in the request context only when the principal belongs to an
// organization, and principal tags only for IAM users and roles, so an AWS
// service principal's request lacks them (which is why the documented
// organization guard pairs StringNotEqualsIfExists with
// aws:PrincipalIsAWSService).
func TestServicePrincipalsCarryNoPrincipalAttributes(t *testing.T) {
	e := newEstate(t)
	e.add(role(t, acct, "org-only", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-exampleorg"}}}]}`))
	e.add(role(t, acct, "org-guard", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-exampleorg"},"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}}]}`))
	e.add(role(t, acct, "tagged", `{"Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}}`))
	runCases(t, e, []evalCase{
		{"a deny unless the caller is in the organization applies to a service principal", "lambda.amazonaws.com", "sts:AssumeRole", roleARN(acct, "org-only"), nil, Denied, "explicitly denied"},
		{"the documented organization guard spares a service principal", "lambda.amazonaws.com", "sts:AssumeRole", roleARN(acct, "org-guard"), nil, Allowed, ""},
		{"an allow on a principal tag does not admit a service principal", "lambda.amazonaws.com", "sts:AssumeRole", roleARN(acct, "tagged"), nil, Denied, ""},
	})
}
