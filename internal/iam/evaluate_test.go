package iam

import (
	"strings"
	"testing"
	"time"
)

const acct = "111111111111"
const other = "222222222222"

func mustPolicy(t testing.TB, src, doc string) *Policy {
	t.Helper()
	p, err := ParsePolicy([]byte(doc))
	if err != nil {
		t.Fatalf("policy %s: %v", src, err)
	}
	p.Source = src
	return p
}

func allow(action, resource string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"` + action + `","Resource":"` + resource + `"}}`
}

func deny(action, resource string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"` + action + `","Resource":"` + resource + `"}}`
}

func user(t testing.TB, account, name string, policies ...string) *Principal {
	p := &Principal{ARN: "arn:aws:iam::" + account + ":user/" + name, Kind: KindUser, Name: name, Account: account, ID: "AIDA" + strings.ToUpper(name), TagsKnown: true}
	for i, d := range policies {
		p.Inline = append(p.Inline, mustPolicy(t, name+" inline "+string(rune('A'+i)), d))
	}
	return p
}

func role(t testing.TB, account, name, trust string, policies ...string) *Principal {
	p := &Principal{ARN: "arn:aws:iam::" + account + ":role/" + name, Kind: KindRole, Name: name, Account: account, TagsKnown: true}
	if trust != "" {
		p.Trust = mustPolicy(t, name+" trust", trust)
	}
	for i, d := range policies {
		p.Inline = append(p.Inline, mustPolicy(t, name+" inline "+string(rune('A'+i)), d))
	}
	return p
}

func TestEvaluateBasics(t *testing.T) {
	m := NewModel()
	m.AddPrincipal(user(t, acct, "alice", allow("s3:Get*", "arn:aws:s3:::data/*")))
	m.AddPrincipal(user(t, acct, "bob", allow("*", "*"), deny("iam:*", "*")))
	tests := []struct {
		name      string
		principal string
		action    string
		resource  string
		want      Result
	}{
		{"an identity policy allows a matching action and resource", "alice", "s3:GetObject", "arn:aws:s3:::data/x", Allowed},
		{"action names are case-insensitive", "alice", "S3:getobject", "arn:aws:s3:::data/x", Allowed},
		{"resource ARNs are case-sensitive", "alice", "s3:GetObject", "arn:aws:s3:::DATA/x", Denied},
		{"an action not listed is implicitly denied", "alice", "s3:PutObject", "arn:aws:s3:::data/x", Denied},
		{"an explicit deny wins over an allow", "bob", "iam:CreateUser", "*", Denied},
		{"an allow of everything allows what is not denied", "bob", "ec2:RunInstances", "*", Allowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := m.Evaluate(Request{Principal: "arn:aws:iam::" + acct + ":user/" + tt.principal, Action: tt.action, Resource: tt.resource})
			if d.Result != tt.want {
				t.Fatalf("got %v (%s), want %v", d.Result, d.Reason, tt.want)
			}
		})
	}
}

func TestDateConditionsAreJudgedAtAnalysisTime(t *testing.T) {
	m := NewModel()
	m.AddPrincipal(user(t, acct, "temp", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}}`))
	r := Request{Principal: "arn:aws:iam::" + acct + ":user/temp", Action: "s3:ListBucket", Resource: "arn:aws:s3:::b"}
	m.At(time.Date(2029, 6, 1, 0, 0, 0, 0, time.UTC))
	if d := m.Evaluate(r); d.Result != Allowed {
		t.Errorf("before the date: got %v (%s)", d.Result, d.Reason)
	}
	m.At(time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC))
	if d := m.Evaluate(r); d.Result != Denied {
		t.Errorf("after the date: got %v (%s)", d.Result, d.Reason)
	}
}

// estate builds a model for tests: accounts acct (member) and other, an
// organization where acct sits under r-root/ou-a/ou-b and mgmt is the
// management account.
type estate struct {
	t testing.TB
	m *Model
}

func newEstate(t testing.TB) *estate { return &estate{t: t, m: NewModel()} }

func (e *estate) add(p *Principal) *Principal { e.m.AddPrincipal(p); return p }

func (e *estate) resource(arn, doc string) {
	e.m.SetResourcePolicy(arn, mustPolicy(e.t, arn+" policy", doc))
}

func (e *estate) can(principal, action, resource string, ctx map[string][]string) Decision {
	return e.m.Evaluate(Request{Principal: principal, Action: action, Resource: resource, Context: ctx})
}

func userARN(account, name string) string { return "arn:aws:iam::" + account + ":user/" + name }
func roleARN(account, name string) string { return "arn:aws:iam::" + account + ":role/" + name }

const mgmt = "999999999999"

func (e *estate) org(scps map[string][]string, rcps map[string][]string) {
	e.m.SetOrganization(&Organization{ID: "o-exampleorg", ManagementAccount: mgmt, Parents: map[string]string{
		"r-root": "", "ou-a": "r-root", "ou-b": "ou-a", acct: "ou-b", mgmt: "r-root", other: "r-root",
	}})
	for target, docs := range scps {
		for i, d := range docs {
			e.m.AddOrgPolicy(SCP, mustPolicy(e.t, "SCP "+target+string(rune('0'+i)), d), target)
		}
	}
	for target, docs := range rcps {
		for i, d := range docs {
			e.m.AddOrgPolicy(RCP, mustPolicy(e.t, "RCP "+target+string(rune('0'+i)), d), target)
		}
	}
}

const fullAccess = `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`

type evalCase struct {
	name                        string
	principal, action, resource string
	ctx                         map[string][]string
	want                        Result
	reason                      string // substring of the reason, when set
}

func runCases(t *testing.T, e *estate, cases []evalCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			d := e.can(tt.principal, tt.action, tt.resource, tt.ctx)
			if d.Result != tt.want {
				t.Fatalf("got %v (%s; conditions %v), want %v", d.Result, d.Reason, d.Conditions, tt.want)
			}
			if tt.reason != "" && !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("reason %q does not mention %q", d.Reason, tt.reason)
			}
		})
	}
}

func TestSCPsMustAllowAtEveryLevel(t *testing.T) {
	e := newEstate(t)
	e.add(user(t, acct, "dev", fullAccess))
	e.add(user(t, mgmt, "boss", fullAccess))
	slr := role(t, acct, "AWSServiceRoleForSupport", "", fullAccess)
	slr.Path, slr.ServiceLinked = "/aws-service-role/support.amazonaws.com/", true
	e.add(slr)
	e.org(map[string][]string{
		"r-root": {fullAccess, deny("s3:DeleteBucket", "*")},
		"ou-a":   {allow("s3:*", "*"), allow("iam:*", "*")},
		"ou-b":   {allow("s3:*", "*")},
		acct:     {fullAccess},
		mgmt:     {allow("ec2:*", "*")},
	}, nil)
	dev := userARN(acct, "dev")
	runCases(t, e, []evalCase{
		{"an action every level allows is allowed", dev, "s3:GetObject", "arn:aws:s3:::b/k", nil, Allowed, ""},
		{"an action the deepest OU does not allow is denied", dev, "iam:CreateUser", "*", nil, Denied, "ou-b"},
		{"an action only the account level allows is denied", dev, "ec2:RunInstances", "*", nil, Denied, "ou-a"},
		{"an explicit deny in the root SCP wins", dev, "s3:DeleteBucket", "arn:aws:s3:::b", nil, Denied, "explicitly denied by an SCP attached to r-root"},
		{"the management account is exempt from SCPs", userARN(mgmt, "boss"), "s3:DeleteBucket", "arn:aws:s3:::b", nil, Allowed, ""},
		{"a service-linked role is exempt from SCPs", roleARN(acct, "AWSServiceRoleForSupport"), "iam:CreateUser", "*", nil, Allowed, ""},
	})
}

func TestRCPsLimitResourcesOfMemberAccounts(t *testing.T) {
	e := newEstate(t)
	e.add(user(t, acct, "dev", fullAccess))
	e.add(user(t, other, "partner", fullAccess))
	e.add(user(t, mgmt, "boss", fullAccess))
	onlyOrg := `{"Statement":{"Effect":"Deny","Principal":"*","Action":["s3:*","sqs:*"],"Resource":"*",
		"Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-exampleorg"},"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}}}`
	e.org(nil, map[string][]string{"r-root": {onlyOrg}})
	public := `{"Statement":{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","sqs:SendMessage","lambda:InvokeFunction"],"Resource":"*"}}`
	e.resource("arn:aws:s3:::member-bucket", public)
	e.m.SetResourceOwner("arn:aws:s3:::member-bucket", acct)
	e.resource("arn:aws:s3:::mgmt-bucket", public)
	e.m.SetResourceOwner("arn:aws:s3:::mgmt-bucket", mgmt)
	e.resource("arn:aws:lambda:us-east-1:"+acct+":function:f", public)
	runCases(t, e, []evalCase{
		{"a principal of the organization reads a member bucket", userARN(acct, "dev"), "s3:GetObject", "arn:aws:s3:::member-bucket/k", nil, Allowed, ""},
		{"an anonymous caller is denied by the RCP", "*", "s3:GetObject", "arn:aws:s3:::member-bucket/k", nil, Denied, "RCP"},
		{"an outside account is denied by the RCP", "arn:aws:iam::333333333333:root", "s3:GetObject", "arn:aws:s3:::member-bucket/k", nil, Denied, "RCP"},
		{"resources of the management account are exempt from RCPs", "*", "s3:GetObject", "arn:aws:s3:::mgmt-bucket/k", nil, Allowed, ""},
		{"RCPs do not apply to services they do not support", "*", "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:" + acct + ":function:f", nil, Allowed, ""},
	})
}

func TestPermissionsBoundaryIntersects(t *testing.T) {
	e := newEstate(t)
	u := user(t, acct, "bounded", allow("s3:*", "*"), allow("iam:*", "*"))
	u.Boundary = mustPolicy(t, "boundary", `{"Statement":[{"Effect":"Allow","Action":["s3:*","ec2:*"],"Resource":"*"}]}`)
	e.add(u)
	r := role(t, acct, "bounded-role", "", allow("sqs:*", "*"))
	r.Boundary = mustPolicy(t, "boundary", allow("s3:*", "*"))
	e.add(r)
	e.resource("arn:aws:sqs:us-east-1:"+acct+":q", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"`+userARN(acct, "bounded")+`"},"Action":"sqs:*","Resource":"*"}}`)
	e.resource("arn:aws:sqs:us-east-1:"+acct+":rq", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"`+roleARN(acct, "bounded-role")+`"},"Action":"sqs:*","Resource":"*"}}`)
	b := userARN(acct, "bounded")
	runCases(t, e, []evalCase{
		{"what both identity policy and boundary allow is allowed", b, "s3:PutObject", "arn:aws:s3:::x/y", nil, Allowed, ""},
		{"what the boundary does not allow is denied", b, "iam:CreateUser", "*", nil, Denied, "permissions boundary"},
		{"what only the boundary allows is denied", b, "ec2:RunInstances", "*", nil, Denied, "identity-based"},
		{"a same-account resource policy naming the user is not limited by its boundary", b, "sqs:SendMessage", "arn:aws:sqs:us-east-1:" + acct + ":q", nil, Allowed, ""},
		{"a same-account resource policy naming a role is limited by its boundary", roleARN(acct, "bounded-role"), "sqs:SendMessage", "arn:aws:sqs:us-east-1:" + acct + ":rq", nil, Denied, ""},
	})
}

func TestResourcePoliciesSameAndCrossAccount(t *testing.T) {
	e := newEstate(t)
	e.add(user(t, acct, "noperms"))
	e.add(user(t, acct, "reader", allow("s3:GetObject", "*")))
	e.add(user(t, other, "partner", allow("s3:GetObject", "*")))
	e.add(user(t, other, "partner-noperms"))
	e.resource("arn:aws:s3:::named", `{"Statement":{"Effect":"Allow","Principal":{"AWS":["`+userARN(acct, "noperms")+`","`+userARN(other, "partner-noperms")+`"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::named/*"}}`)
	e.m.SetResourceOwner("arn:aws:s3:::named", acct)
	e.resource("arn:aws:s3:::account", `{"Statement":{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::`+acct+`:root","`+other+`"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::account/*"}}`)
	e.m.SetResourceOwner("arn:aws:s3:::account", acct)
	e.m.SetResourceOwner("arn:aws:s3:::private", acct)
	runCases(t, e, []evalCase{
		{"a resource policy naming the user's ARN grants on its own within the account", userARN(acct, "noperms"), "s3:GetObject", "arn:aws:s3:::named/k", nil, Allowed, "names the caller"},
		{"a resource policy naming the account root needs an identity allow", userARN(acct, "noperms"), "s3:GetObject", "arn:aws:s3:::account/k", nil, Denied, "identity"},
		{"a resource policy naming the account root with an identity allow is allowed", userARN(acct, "reader"), "s3:GetObject", "arn:aws:s3:::account/k", nil, Allowed, ""},
		{"cross-account needs the resource policy and an identity allow: both present", userARN(other, "partner"), "s3:GetObject", "arn:aws:s3:::account/k", nil, Allowed, "cross-account"},
		{"cross-account with a resource policy naming the user but no identity allow is denied", userARN(other, "partner-noperms"), "s3:GetObject", "arn:aws:s3:::named/k", nil, Denied, ""},
		{"cross-account without a resource policy is denied", userARN(other, "partner"), "s3:GetObject", "arn:aws:s3:::private/k", nil, Denied, "cross-account"},
		{"same account without a resource policy follows the identity policy", userARN(acct, "reader"), "s3:GetObject", "arn:aws:s3:::private/k", nil, Allowed, ""},
	})
}

func TestTrustPoliciesDecideAssumeRole(t *testing.T) {
	e := newEstate(t)
	e.add(user(t, acct, "alice"))
	e.add(user(t, acct, "bob", allow("sts:AssumeRole", "*")))
	e.add(user(t, acct, "carol", allow("sts:AssumeRole", "*")))
	e.add(user(t, other, "dave", allow("sts:AssumeRole", "*")))
	e.add(role(t, acct, "by-arn", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"`+userARN(acct, "alice")+`"},"Action":"sts:AssumeRole"}}`))
	e.add(role(t, acct, "by-account", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+acct+`:root"},"Action":"sts:AssumeRole"}}`))
	e.add(role(t, acct, "lambda-only", `{"Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`))
	e.add(role(t, acct, "cross", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"`+other+`"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"s3cr3t"}}}}`))
	runCases(t, e, []evalCase{
		{"a trust policy naming the user lets it assume the role without an identity policy", userARN(acct, "alice"), "sts:AssumeRole", roleARN(acct, "by-arn"), nil, Allowed, "trust policy"},
		{"a trust policy naming the account needs an identity allow", userARN(acct, "alice"), "sts:AssumeRole", roleARN(acct, "by-account"), nil, Denied, ""},
		{"a trust policy naming the account with an identity allow is allowed", userARN(acct, "bob"), "sts:AssumeRole", roleARN(acct, "by-account"), nil, Allowed, ""},
		{"an identity allow alone does not let a user assume a role that does not trust it", userARN(acct, "carol"), "sts:AssumeRole", roleARN(acct, "lambda-only"), nil, Denied, "trust policy"},
		{"a service principal named in the trust policy may assume the role", "lambda.amazonaws.com", "sts:AssumeRole", roleARN(acct, "lambda-only"), nil, Allowed, ""},
		{"a cross-account assume with an unknown external ID is conditional", userARN(other, "dave"), "sts:AssumeRole", roleARN(acct, "cross"), nil, Conditional, ""},
		{"a cross-account assume with the right external ID is allowed", userARN(other, "dave"), "sts:AssumeRole", roleARN(acct, "cross"), map[string][]string{"sts:ExternalId": {"s3cr3t"}}, Allowed, ""},
		{"a cross-account assume with a wrong external ID is denied", userARN(other, "dave"), "sts:AssumeRole", roleARN(acct, "cross"), map[string][]string{"sts:ExternalId": {"guess"}}, Denied, ""},
	})
}

func TestNotActionNotResourceNotPrincipal(t *testing.T) {
	e := newEstate(t)
	e.add(user(t, acct, "poweruser", `{"Statement":{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}}`))
	e.add(user(t, acct, "fenced", `{"Statement":{"Effect":"Allow","Action":"s3:*","NotResource":["arn:aws:s3:::secret","arn:aws:s3:::secret/*"]}}`))
	e.add(user(t, acct, "alice", allow("s3:*", "*")))
	e.add(user(t, acct, "bob", allow("s3:*", "*")))
	e.resource("arn:aws:s3:::locked", `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["`+userARN(acct, "alice")+`","arn:aws:iam::`+acct+`:root"]},"Action":"s3:*","Resource":["arn:aws:s3:::locked","arn:aws:s3:::locked/*"]}}`)
	e.resource("arn:aws:s3:::half-locked", `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"`+userARN(acct, "alice")+`"},"Action":"s3:*","Resource":"arn:aws:s3:::half-locked/*"}}`)
	runCases(t, e, []evalCase{
		{"NotAction allows what it does not list", userARN(acct, "poweruser"), "ec2:TerminateInstances", "*", nil, Allowed, ""},
		{"NotAction does not allow what it lists", userARN(acct, "poweruser"), "iam:CreateUser", "*", nil, Denied, ""},
		{"NotAction matches action names without regard to case", userARN(acct, "poweruser"), "IAM:CreateUser", "*", nil, Denied, ""},
		{"NotResource allows other resources", userARN(acct, "fenced"), "s3:GetObject", "arn:aws:s3:::public/k", nil, Allowed, ""},
		{"NotResource does not allow the listed resources", userARN(acct, "fenced"), "s3:GetObject", "arn:aws:s3:::secret/k", nil, Denied, ""},
		{"a Deny with NotPrincipal spares the named principal and its account", userARN(acct, "alice"), "s3:GetObject", "arn:aws:s3:::locked/k", nil, Allowed, ""},
		{"a Deny with NotPrincipal denies everyone else", userARN(acct, "bob"), "s3:GetObject", "arn:aws:s3:::locked/k", nil, Denied, "explicitly denied"},
		{"a Deny with NotPrincipal naming the user but not its account denies it too", userARN(acct, "alice"), "s3:GetObject", "arn:aws:s3:::half-locked/k", nil, Denied, "explicitly denied"},
	})
}

func TestPolicyVariables(t *testing.T) {
	e := newEstate(t)
	home := `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}}`
	team := `{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::teams/${aws:PrincipalTag/team, 'none'}/*"}}`
	lit := `{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::odd/${*}${?}${$}"}}`
	acctVar := `{"Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"arn:aws:sqs:*:${aws:PrincipalAccount}:*"}}`
	alice := user(t, acct, "alice", home, team, lit, acctVar)
	alice.Tags = map[string]string{"team": "blue"}
	e.add(alice)
	e.add(user(t, acct, "untagged", team))
	notags := user(t, acct, "tagsunknown", team)
	notags.TagsKnown = false
	e.add(notags)
	e.add(role(t, acct, "worker", "", home))
	runCases(t, e, []evalCase{
		{"${aws:username} resolves to the user's name", userARN(acct, "alice"), "s3:PutObject", "arn:aws:s3:::home/alice/notes.txt", nil, Allowed, ""},
		{"${aws:username} does not match another user's folder", userARN(acct, "alice"), "s3:PutObject", "arn:aws:s3:::home/bob/notes.txt", nil, Denied, ""},
		{"${aws:username} has no value for a role, so nothing matches", roleARN(acct, "worker"), "s3:PutObject", "arn:aws:s3:::home/worker/x", nil, Denied, ""},
		{"a principal tag variable resolves from the principal's tags", userARN(acct, "alice"), "s3:GetObject", "arn:aws:s3:::teams/blue/x", nil, Allowed, ""},
		{"a missing tag takes the variable's default", userARN(acct, "untagged"), "s3:GetObject", "arn:aws:s3:::teams/none/x", nil, Allowed, ""},
		{"unknown tags make the match conditional", userARN(acct, "tagsunknown"), "s3:GetObject", "arn:aws:s3:::teams/blue/x", nil, Conditional, ""},
		{"${*}, ${?} and ${$} stand for the literal characters", userARN(acct, "alice"), "s3:GetObject", "arn:aws:s3:::odd/*?$", nil, Allowed, ""},
		{"literal ${*} is not a wildcard", userARN(acct, "alice"), "s3:GetObject", "arn:aws:s3:::odd/abc", nil, Denied, ""},
		{"${aws:PrincipalAccount} resolves to the caller's account", userARN(acct, "alice"), "sqs:SendMessage", "arn:aws:sqs:us-east-1:" + acct + ":q", nil, Allowed, ""},
	})
}

func TestSessionPolicyLimits(t *testing.T) {
	e := newEstate(t)
	e.add(role(t, acct, "agent", "", fullAccess))
	sp := mustPolicy(t, "session", allow("s3:GetObject", "*"))
	d := e.m.Evaluate(Request{Principal: roleARN(acct, "agent"), Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", SessionPolicy: sp})
	if d.Result != Allowed {
		t.Errorf("what the session policy allows: got %v (%s)", d.Result, d.Reason)
	}
	d = e.m.Evaluate(Request{Principal: roleARN(acct, "agent"), Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k", SessionPolicy: sp})
	if d.Result != Denied || !strings.Contains(d.Reason, "session policy") {
		t.Errorf("what the session policy does not allow: got %v (%s)", d.Result, d.Reason)
	}
	// An assumed-role session ARN is evaluated as its role.
	d = e.m.Evaluate(Request{Principal: "arn:aws:sts::" + acct + ":assumed-role/agent/run-42", Action: "ec2:RunInstances", Resource: "*"})
	if d.Result != Allowed {
		t.Errorf("assumed-role session: got %v (%s)", d.Result, d.Reason)
	}
}

func TestGroupPoliciesApplyToMembers(t *testing.T) {
	e := newEstate(t)
	g := &Principal{ARN: "arn:aws:iam::" + acct + ":group/admins", Kind: KindGroup, Name: "admins", Account: acct}
	g.Managed = []*Policy{mustPolicy(t, "arn:aws:iam::aws:policy/AdministratorAccess", fullAccess)}
	e.add(g)
	u := user(t, acct, "member")
	u.Groups = []string{g.ARN}
	e.add(u)
	e.add(user(t, acct, "outsider"))
	runCases(t, e, []evalCase{
		{"a group's managed policy applies to its members", userARN(acct, "member"), "iam:CreateUser", "*", nil, Allowed, ""},
		{"a group's policy does not apply to others", userARN(acct, "outsider"), "iam:CreateUser", "*", nil, Denied, ""},
		{"a group itself cannot make requests", g.ARN, "iam:CreateUser", "*", nil, Denied, "group"},
	})
}

func TestAnonymousAndOutsideCallers(t *testing.T) {
	e := newEstate(t)
	e.add(user(t, acct, "dev", fullAccess))
	e.resource("arn:aws:s3:::public", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::public/*"}}`)
	e.resource("arn:aws:s3:::aws-star", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::aws-star/*"}}`)
	e.resource("arn:aws:s3:::partner", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::partner/*"}}`)
	e.resource("arn:aws:s3:::partner-role", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:role/reader"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::partner-role/*"}}`)
	e.resource("arn:aws:s3:::vpc-only", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::vpc-only/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}}}`)
	for _, b := range []string{"public", "aws-star", "partner", "partner-role", "vpc-only"} {
		e.m.SetResourceOwner("arn:aws:s3:::"+b, acct)
	}
	outside := "arn:aws:iam::333333333333:root"
	runCases(t, e, []evalCase{
		{"Principal \"*\" lets an anonymous caller read", "*", "s3:GetObject", "arn:aws:s3:::public/k", nil, Allowed, ""},
		{"Principal {\"AWS\": \"*\"} lets an anonymous caller read too", "*", "s3:GetObject", "arn:aws:s3:::aws-star/k", nil, Allowed, ""},
		{"an anonymous caller gets nothing a policy does not grant", "*", "s3:PutObject", "arn:aws:s3:::public/k", nil, Denied, ""},
		{"an account named in the policy can read from outside", outside, "s3:GetObject", "arn:aws:s3:::partner/k", nil, Allowed, ""},
		{"an account not named cannot", "arn:aws:iam::444444444444:root", "s3:GetObject", "arn:aws:s3:::partner/k", nil, Denied, ""},
		{"a role of the outside account named in the policy makes it conditional on being that role", outside, "s3:GetObject", "arn:aws:s3:::partner-role/k", nil, Conditional, ""},
		{"a condition on an unknown key makes anonymous access conditional", "*", "s3:GetObject", "arn:aws:s3:::vpc-only/k", nil, Conditional, ""},
	})
	d := e.can("*", "s3:GetObject", "arn:aws:s3:::vpc-only/k", nil)
	if len(d.Conditions) != 1 || d.Conditions[0].Key != "aws:SourceVpce" || d.Conditions[0].Operator != "StringEquals" {
		t.Errorf("conditions: got %v, want the StringEquals aws:SourceVpce condition", d.Conditions)
	}
}

func TestKMSKeyPolicyIsRequired(t *testing.T) {
	e := newEstate(t)
	e.add(user(t, acct, "admin", fullAccess))
	e.add(user(t, acct, "none"))
	key := "arn:aws:kms:us-east-1:" + acct + ":key/k1"
	e.resource(key, `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+acct+`:root"},"Action":"kms:*","Resource":"*"}]}`)
	key2 := "arn:aws:kms:us-east-1:" + acct + ":key/k2"
	e.resource(key2, `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+acct+`:user/none"},"Action":"kms:Decrypt","Resource":"*"}]}`)
	runCases(t, e, []evalCase{
		{"a key policy delegating to the account lets IAM policies grant", userARN(acct, "admin"), "kms:Decrypt", key, nil, Allowed, ""},
		{"a key policy delegating to the account grants nothing alone", userARN(acct, "none"), "kms:Decrypt", key, nil, Denied, ""},
		{"a key policy that names neither the caller nor the account denies even an admin", userARN(acct, "admin"), "kms:Decrypt", key2, nil, Denied, "key policy"},
		{"a key policy naming the user grants alone", userARN(acct, "none"), "kms:Decrypt", key2, nil, Allowed, ""},
	})
}

func TestNamedPrincipalOfAnOutsideAccount(t *testing.T) {
	e := newEstate(t)
	e.add(user(t, acct, "dev"))
	e.resource("arn:aws:s3:::shared", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:role/reader"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}}`)
	e.m.SetResourceOwner("arn:aws:s3:::shared", acct)
	runCases(t, e, []evalCase{
		{"the named outside role is allowed", "arn:aws:iam::333333333333:role/reader", "s3:GetObject", "arn:aws:s3:::shared/k", nil, Allowed, ""},
		{"another role of that account is not", "arn:aws:iam::333333333333:role/writer", "s3:GetObject", "arn:aws:s3:::shared/k", nil, Denied, ""},
		{"a user missing from an account of the input is unknown", userARN(acct, "ghost"), "s3:GetObject", "arn:aws:s3:::shared/k", nil, Denied, "unknown principal"},
	})
}

func TestConditionalSCPKeepsTheResultConditionalOnEveryPath(t *testing.T) {
	e := newEstate(t)
	e.add(user(t, acct, "noperms"))
	e.org(map[string][]string{"r-root": {`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}}`}}, nil)
	e.resource("arn:aws:sqs:us-east-1:"+acct+":q", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"`+userARN(acct, "noperms")+`"},"Action":"sqs:SendMessage"}}`)
	e.resource("arn:aws:sqs:"+"eu-west-1:"+acct+":q", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"`+userARN(acct, "noperms")+`"},"Action":"sqs:SendMessage"}}`)
	runCases(t, e, []evalCase{
		{"an SCP's region condition decided by the resource ARN denies another region", userARN(acct, "noperms"), "sqs:SendMessage", "arn:aws:sqs:us-east-1:" + acct + ":q", nil, Denied, "SCP"},
		{"the SCP's region condition is met in its region", userARN(acct, "noperms"), "sqs:SendMessage", "arn:aws:sqs:eu-west-1:" + acct + ":q", nil, Allowed, ""},
		{"an SCP condition on an unknown key keeps a resource-policy grant conditional", userARN(acct, "noperms"), "sqs:SendMessage", "arn:aws:sqs:eu-west-1:" + acct + ":q", map[string][]string{}, Allowed, ""},
	})
	e2 := newEstate(t)
	e2.add(user(t, acct, "noperms"))
	e2.org(map[string][]string{"r-root": {`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}`}}, nil)
	e2.resource("arn:aws:sqs:us-east-1:"+acct+":q", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"`+userARN(acct, "noperms")+`"},"Action":"sqs:SendMessage"}}`)
	d := e2.can(userARN(acct, "noperms"), "sqs:SendMessage", "arn:aws:sqs:us-east-1:"+acct+":q", nil)
	if d.Result != Conditional || len(d.Conditions) != 1 || d.Conditions[0].Key != "aws:MultiFactorAuthPresent" {
		t.Errorf("got %v (%s) with %v, want conditional on aws:MultiFactorAuthPresent", d.Result, d.Reason, d.Conditions)
	}
}

func TestEvaluateIsSafeFromManyGoroutines(t *testing.T) {
	e := newEstate(t)
	for _, n := range []string{"a", "b", "c", "d"} {
		e.add(user(t, acct, n, allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"), `{"Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}}`))
	}
	e.org(map[string][]string{"r-root": {fullAccess}}, nil)
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- true }()
			for i := 0; i < 200; i++ {
				for _, p := range e.m.Principals() {
					d := e.m.Evaluate(Request{Principal: p.ARN, Action: "sqs:SendMessage", Resource: "arn:aws:sqs:eu-west-1:" + acct + ":q" + string(rune('a'+i%5))})
					if d.Result != Allowed {
						t.Errorf("got %v (%s)", d.Result, d.Reason)
						return
					}
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

func TestStatementsWithActionsOfManyServices(t *testing.T) {
	e := newEstate(t)
	e.add(user(t, acct, "mixed", `{"Statement":[{"Effect":"Allow","Action":["s3:Get*","iam:PassRole","S3:List*","ec2:Describe*","iam:GetRole"],"Resource":"*"}]}`))
	u := userARN(acct, "mixed")
	runCases(t, e, []evalCase{
		{"an action of the first service listed matches", u, "s3:GetObject", "arn:aws:s3:::b/k", nil, Allowed, ""},
		{"an action of a service listed twice, in another case, matches", u, "s3:ListBucket", "arn:aws:s3:::b", nil, Allowed, ""},
		{"an action of a service listed between others matches", u, "iam:GetRole", "*", nil, Allowed, ""},
		{"an upper-case request service matches", u, "EC2:DescribeInstances", "*", nil, Allowed, ""},
		{"an unlisted action of a listed service does not match", u, "ec2:RunInstances", "*", nil, Denied, ""},
		{"an unlisted service does not match", u, "sqs:SendMessage", "*", nil, Denied, ""},
	})
}

func TestWebIdentityFederationThroughTrustPolicies(t *testing.T) {
	e := newEstate(t)
	gh := "arn:aws:iam::" + acct + ":oidc-provider/token.actions.githubusercontent.com"
	e.add(role(t, acct, "deploy", `{"Statement":{"Effect":"Allow","Principal":{"Federated":"`+gh+`"},"Action":"sts:AssumeRoleWithWebIdentity",
		"Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:example/app:ref:refs/heads/main"}}}}`))
	e.add(role(t, acct, "other", `{"Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`))
	ctx := func(sub string) map[string][]string {
		return map[string][]string{"token.actions.githubusercontent.com:aud": {"sts.amazonaws.com"}, "token.actions.githubusercontent.com:sub": {sub}}
	}
	runCases(t, e, []evalCase{
		{"a workflow of the trusted repository and branch may assume the role", gh, "sts:AssumeRoleWithWebIdentity", roleARN(acct, "deploy"), ctx("repo:example/app:ref:refs/heads/main"), Allowed, ""},
		{"a workflow of another repository may not", gh, "sts:AssumeRoleWithWebIdentity", roleARN(acct, "deploy"), ctx("repo:attacker/fork:ref:refs/heads/main"), Denied, ""},
		{"without the token's claims the answer is conditional on them", gh, "sts:AssumeRoleWithWebIdentity", roleARN(acct, "deploy"), nil, Conditional, ""},
		{"a role that does not trust the provider cannot be assumed through it", gh, "sts:AssumeRoleWithWebIdentity", roleARN(acct, "other"), nil, Denied, ""},
	})
}

func TestRequestedRegionOfGlobalServices(t *testing.T) {
	e := newEstate(t)
	e.add(user(t, acct, "dev", fullAccess))
	e.org(map[string][]string{"r-root": {fullAccess, `{"Statement":{"Sid":"EUOnly","Effect":"Deny","NotAction":["iam:*","organizations:*","sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}}`}}, nil)
	dev := userARN(acct, "dev")
	runCases(t, e, []evalCase{
		{"a region lock denies a regional resource elsewhere", dev, "ec2:RunInstances", "arn:aws:ec2:us-east-1:" + acct + ":instance/*", nil, Denied, "EUOnly"},
		{"a region lock allows a regional resource in its region", dev, "ec2:RunInstances", "arn:aws:ec2:eu-west-1:" + acct + ":instance/*", nil, Allowed, ""},
		{"a global service's requests carry us-east-1, which the lock denies", dev, "route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z1", nil, Denied, "EUOnly"},
		{"an exempted global service passes the region lock", dev, "iam:CreateRole", "arn:aws:iam::" + acct + ":role/x", nil, Allowed, ""},
		{"a regional request without a region in its resource is conditional on the region", dev, "s3:GetObject", "arn:aws:s3:::b/k", nil, Conditional, ""},
	})
}

func TestOutsideCallersNamedByResourceAndTrustPolicies(t *testing.T) {
	e := newEstate(t)
	e.add(user(t, acct, "dev"))
	e.add(role(t, acct, "shared", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::333333333333:root","`+userARN(acct, "dev")+`"],"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`))
	e.resource("arn:aws:s3:::b", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["444444444444","arn:aws:iam::555555555555:role/reader"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
		{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/public/*"}]}`)
	got := e.m.OutsideCallers(Request{Action: "sts:AssumeRole", Resource: roleARN(acct, "shared")})
	if strings.Join(got, " ") != "arn:aws:iam::333333333333:root lambda.amazonaws.com" {
		t.Errorf("trust policy: got %v", got)
	}
	got = e.m.OutsideCallers(Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"})
	if strings.Join(got, " ") != "444444444444 arn:aws:iam::555555555555:role/reader" {
		t.Errorf("bucket policy: got %v", got)
	}
	for _, who := range got {
		if d := e.m.Evaluate(Request{Principal: who, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}); d.Result != Allowed {
			t.Errorf("%s: got %v (%s)", who, d.Result, d.Reason)
		}
	}
}

func TestSessionTagsMakeARolesTagsTheRequestsToTell(t *testing.T) {
	e := newEstate(t)
	tagged := role(t, acct, "tagged", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+acct+`:root"},"Action":["sts:AssumeRole","sts:TagSession"]}}`,
		`{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}}`)
	tagged.Tags = map[string]string{"team": "blue"}
	e.add(tagged)
	plain := role(t, acct, "plain", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+acct+`:root"},"Action":"sts:AssumeRole"}}`,
		`{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}}`)
	plain.Tags = map[string]string{"team": "blue"}
	e.add(plain)
	runCases(t, e, []evalCase{
		{"a role without session tags is decided by its own tags", roleARN(acct, "plain"), "s3:GetObject", "arn:aws:s3:::b/k", nil, Allowed, ""},
		{"a role that accepts session tags is conditional on the session's tag", roleARN(acct, "tagged"), "s3:GetObject", "arn:aws:s3:::b/k", nil, Conditional, ""},
		{"the session's tag given as context decides", roleARN(acct, "tagged"), "s3:GetObject", "arn:aws:s3:::b/k", map[string][]string{"aws:PrincipalTag/team": {"red"}}, Denied, ""},
	})
}
