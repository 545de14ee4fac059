package iam

import (
	"strings"
	"testing"
	"time"
)

// TestConditionOperators checks every operator family against AWS's
// documented semantics, with the key present, absent and unknown.
func TestConditionOperators(t *testing.T) {
	ctx := func(kv ...string) map[string][]string {
		m := map[string][]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = append(m[kv[i]], kv[i+1])
		}
		return m
	}
	none := map[string][]string{}
	// aws:PrincipalTag/absent is known absent (the user's tags are known
	// and lack it); request keys not in the context are unknown.
	tests := []struct {
		name   string
		op     string
		key    string
		values string // JSON
		ctx    map[string][]string
		want   Result
	}{
		{"StringEquals matches an equal value", "StringEquals", "aws:SourceVpc", `"vpc-1"`, ctx("aws:SourceVpc", "vpc-1"), Allowed},
		{"StringEquals is case-sensitive", "StringEquals", "aws:SourceVpc", `"vpc-1"`, ctx("aws:SourceVpc", "VPC-1"), Denied},
		{"StringEquals takes any of several values", "StringEquals", "aws:SourceVpc", `["vpc-1","vpc-2"]`, ctx("aws:SourceVpc", "vpc-2"), Allowed},
		{"StringEquals treats * literally", "StringEquals", "aws:SourceVpc", `"vpc-*"`, ctx("aws:SourceVpc", "vpc-1"), Denied},
		{"StringEquals on an absent key is false", "StringEquals", "aws:PrincipalTag/absent", `"x"`, none, Denied},
		{"StringEquals on an unknown key is conditional", "StringEquals", "aws:SourceVpc", `"vpc-1"`, none, Conditional},
		{"StringNotEquals holds for a different value", "StringNotEquals", "aws:SourceVpc", `"vpc-1"`, ctx("aws:SourceVpc", "vpc-9"), Allowed},
		{"StringNotEquals fails for an equal value", "StringNotEquals", "aws:SourceVpc", `["vpc-1","vpc-2"]`, ctx("aws:SourceVpc", "vpc-2"), Denied},
		{"StringNotEquals on an absent key is true", "StringNotEquals", "aws:PrincipalTag/absent", `"x"`, none, Allowed},
		{"StringEqualsIgnoreCase ignores case", "StringEqualsIgnoreCase", "aws:SourceVpc", `"VPC-1"`, ctx("aws:SourceVpc", "vpc-1"), Allowed},
		{"StringNotEqualsIgnoreCase ignores case", "StringNotEqualsIgnoreCase", "aws:SourceVpc", `"VPC-1"`, ctx("aws:SourceVpc", "vpc-1"), Denied},
		{"StringLike matches * across characters", "StringLike", "s3:prefix", `"home/*"`, ctx("s3:prefix", "home/alice/x"), Allowed},
		{"StringLike matches ? as one character", "StringLike", "s3:prefix", `"v?"`, ctx("s3:prefix", "v12"), Denied},
		{"StringLike resolves policy variables", "StringLike", "s3:prefix", `"home/${aws:username}/*"`, ctx("s3:prefix", "home/tester/docs"), Allowed},
		{"StringLike with a variable for someone else does not match", "StringLike", "s3:prefix", `"home/${aws:username}/*"`, ctx("s3:prefix", "home/other/docs"), Denied},
		{"StringNotLike holds when nothing matches", "StringNotLike", "s3:prefix", `["a*","b*"]`, ctx("s3:prefix", "c1"), Allowed},
		{"StringNotLike fails when a pattern matches", "StringNotLike", "s3:prefix", `["a*","b*"]`, ctx("s3:prefix", "b1"), Denied},
		{"NumericLessThan compares numbers", "NumericLessThan", "s3:max-keys", `"10"`, ctx("s3:max-keys", "9"), Allowed},
		{"NumericLessThan fails at the bound", "NumericLessThan", "s3:max-keys", `"10"`, ctx("s3:max-keys", "10"), Denied},
		{"NumericLessThanEquals holds at the bound", "NumericLessThanEquals", "s3:max-keys", `10`, ctx("s3:max-keys", "10"), Allowed},
		{"NumericGreaterThan compares numbers", "NumericGreaterThan", "aws:MultiFactorAuthAge", `"3600"`, ctx("aws:MultiFactorAuthAge", "7200"), Allowed},
		{"NumericGreaterThanEquals holds at the bound", "NumericGreaterThanEquals", "aws:MultiFactorAuthAge", `"3600"`, ctx("aws:MultiFactorAuthAge", "3600"), Allowed},
		{"NumericEquals compares numerically", "NumericEquals", "s3:max-keys", `"10"`, ctx("s3:max-keys", "10.0"), Allowed},
		{"NumericNotEquals holds for another number", "NumericNotEquals", "s3:max-keys", `"10"`, ctx("s3:max-keys", "11"), Allowed},
		{"a non-numeric request value does not match", "NumericEquals", "s3:max-keys", `"10"`, ctx("s3:max-keys", "ten"), Denied},
		{"DateLessThan against the analysis time", "DateLessThan", "aws:CurrentTime", `"2030-01-01T00:00:00Z"`, none, Allowed},
		{"DateGreaterThan against the analysis time", "DateGreaterThan", "aws:CurrentTime", `"2030-01-01T00:00:00Z"`, none, Denied},
		{"DateLessThanEquals accepts epoch seconds", "DateLessThanEquals", "aws:EpochTime", `"1900000000"`, none, Allowed},
		{"DateGreaterThanEquals on a context date", "DateGreaterThanEquals", "aws:TokenIssueTime", `"2026-01-01"`, ctx("aws:TokenIssueTime", "2026-03-01T00:00:00Z"), Allowed},
		{"DateEquals on equal instants", "DateEquals", "aws:TokenIssueTime", `"2026-01-01T00:00:00Z"`, ctx("aws:TokenIssueTime", "2026-01-01T01:00:00+01:00"), Allowed},
		{"DateNotEquals on other instants", "DateNotEquals", "aws:TokenIssueTime", `"2026-01-01T00:00:00Z"`, ctx("aws:TokenIssueTime", "2026-01-02T00:00:00Z"), Allowed},
		{"Bool true matches true", "Bool", "aws:SecureTransport", `"true"`, ctx("aws:SecureTransport", "true"), Allowed},
		{"Bool true does not match false", "Bool", "aws:SecureTransport", `true`, ctx("aws:SecureTransport", "false"), Denied},
		{"Bool on an unknown key is conditional", "Bool", "aws:MultiFactorAuthPresent", `"true"`, none, Conditional},
		{"Bool on a key known from the principal is decided", "Bool", "aws:PrincipalIsAWSService", `"false"`, none, Allowed},
		{"BinaryEquals compares base64 values", "BinaryEquals", "key", `"QmluYXJ5VmFsdWU="`, ctx("key", "QmluYXJ5VmFsdWU="), Allowed},
		{"BinaryEquals fails on other values", "BinaryEquals", "key", `"QmluYXJ5VmFsdWU="`, ctx("key", "b3RoZXI="), Denied},
		{"IpAddress matches inside a CIDR block", "IpAddress", "aws:SourceIp", `"203.0.113.0/24"`, ctx("aws:SourceIp", "203.0.113.7"), Allowed},
		{"IpAddress fails outside the block", "IpAddress", "aws:SourceIp", `"203.0.113.0/24"`, ctx("aws:SourceIp", "198.51.100.7"), Denied},
		{"IpAddress takes IPv6 blocks", "IpAddress", "aws:SourceIp", `["203.0.113.0/24","2001:db8::/32"]`, ctx("aws:SourceIp", "2001:db8::1"), Allowed},
		{"NotIpAddress holds outside the block", "NotIpAddress", "aws:SourceIp", `"203.0.113.0/24"`, ctx("aws:SourceIp", "198.51.100.7"), Allowed},
		{"NotIpAddress fails inside the block", "NotIpAddress", "aws:SourceIp", `"203.0.113.7"`, ctx("aws:SourceIp", "203.0.113.7"), Denied},
		{"ArnEquals compares ARNs", "ArnEquals", "aws:SourceArn", `"arn:aws:sns:us-east-1:111111111111:t"`, ctx("aws:SourceArn", "arn:aws:sns:us-east-1:111111111111:t"), Allowed},
		{"ArnLike matches wildcards per component", "ArnLike", "aws:SourceArn", `"arn:aws:s3:::bucket-*"`, ctx("aws:SourceArn", "arn:aws:s3:::bucket-logs"), Allowed},
		{"ArnLike does not let * in the region span components", "ArnLike", "aws:SourceArn", `"arn:aws:sns:*:111111111111:t"`, ctx("aws:SourceArn", "arn:aws:sns:us-east-1:222222222222:t"), Denied},
		{"ArnLike on the principal ARN known from the principal", "ArnLike", "aws:PrincipalArn", `"arn:aws:iam::*:user/test*"`, none, Allowed},
		{"ArnNotEquals holds for another ARN", "ArnNotEquals", "aws:SourceArn", `"arn:aws:sns:us-east-1:111111111111:t"`, ctx("aws:SourceArn", "arn:aws:sns:us-east-1:111111111111:u"), Allowed},
		{"ArnNotLike fails for a matching ARN", "ArnNotLike", "aws:PrincipalArn", `"arn:aws:iam::111111111111:*"`, none, Denied},
		{"Null true holds when the key is absent", "Null", "aws:PrincipalTag/absent", `"true"`, none, Allowed},
		{"Null true fails when the key is present", "Null", "aws:SourceVpc", `"true"`, ctx("aws:SourceVpc", "vpc-1"), Denied},
		{"Null false holds when the key is present", "Null", "aws:SourceVpc", `"false"`, ctx("aws:SourceVpc", "vpc-1"), Allowed},
		{"Null on an unknown key is conditional", "Null", "aws:SourceVpc", `"false"`, none, Conditional},
		{"IfExists holds when the key is absent", "StringEqualsIfExists", "aws:PrincipalTag/absent", `"x"`, none, Allowed},
		{"IfExists still checks a present key", "StringEqualsIfExists", "aws:SourceVpc", `"vpc-1"`, ctx("aws:SourceVpc", "vpc-2"), Denied},
		{"NumericLessThanIfExists holds when absent", "NumericLessThanIfExists", "aws:PrincipalTag/absent", `"1"`, none, Allowed},
		{"IpAddressIfExists checks a present address", "IpAddressIfExists", "aws:SourceIp", `"10.0.0.0/8"`, ctx("aws:SourceIp", "10.1.2.3"), Allowed},
		{"ArnLikeIfExists on an unknown key is conditional", "ArnLikeIfExists", "aws:SourceArn", `"arn:*"`, none, Conditional},
		{"ForAnyValue holds when one request value matches", "ForAnyValue:StringEquals", "aws:TagKeys", `["env","team"]`, ctx("aws:TagKeys", "owner", "aws:TagKeys", "team"), Allowed},
		{"ForAnyValue fails when none matches", "ForAnyValue:StringEquals", "aws:TagKeys", `["env","team"]`, ctx("aws:TagKeys", "owner"), Denied},
		{"ForAnyValue fails on an absent key", "ForAnyValue:StringEquals", "aws:PrincipalTag/absent", `"x"`, none, Denied},
		{"ForAllValues holds when every request value matches", "ForAllValues:StringEquals", "aws:TagKeys", `["env","team"]`, ctx("aws:TagKeys", "env", "aws:TagKeys", "team"), Allowed},
		{"ForAllValues fails when one request value does not match", "ForAllValues:StringEquals", "aws:TagKeys", `["env","team"]`, ctx("aws:TagKeys", "env", "aws:TagKeys", "owner"), Denied},
		{"ForAllValues holds on an absent key", "ForAllValues:StringEquals", "aws:PrincipalTag/absent", `"x"`, none, Allowed},
		// AWS: ForAllValues "also returns true if ... the context key value
		// resolves to a null data set, such as an empty string", and Null
		// false checks that the key is present with a value that is not
		// empty.
		{"ForAllValues holds on a key whose value is an empty string", "ForAllValues:StringEquals", "aws:TagKeys", `["env"]`, ctx("aws:TagKeys", ""), Allowed},
		{"ForAllValues holds on a key with no values", "ForAllValues:StringEquals", "aws:TagKeys", `["env"]`, map[string][]string{"aws:TagKeys": {}}, Allowed},
		{"Null true holds when the key's value is an empty string", "Null", "aws:TagKeys", `"true"`, ctx("aws:TagKeys", ""), Allowed},
		{"Null false fails when the key's value is an empty string", "Null", "aws:TagKeys", `"false"`, ctx("aws:TagKeys", ""), Denied},
		{"ForAllValues with a negated operator: no value may be listed", "ForAllValues:StringNotEquals", "aws:TagKeys", `["admin"]`, ctx("aws:TagKeys", "env", "aws:TagKeys", "team"), Allowed},
		{"ForAnyValue with a negated operator: some value is not listed", "ForAnyValue:StringNotLike", "aws:TagKeys", `["env*"]`, ctx("aws:TagKeys", "env1", "aws:TagKeys", "env2"), Denied},
		{"ForAnyValue:StringLike matches a wildcard", "ForAnyValue:StringLike", "aws:TagKeys", `"te*"`, ctx("aws:TagKeys", "x", "aws:TagKeys", "team"), Allowed},
		{"condition key names are matched without regard to case", "StringEquals", "AWS:SOURCEVPC", `"vpc-1"`, ctx("aws:sourcevpc", "vpc-1"), Allowed},
		{"aws:username is known from the principal", "StringEquals", "aws:username", `"tester"`, none, Allowed},
		{"aws:PrincipalAccount is known from the principal", "StringEquals", "aws:PrincipalAccount", `"222222222222"`, none, Denied},
		{"aws:PrincipalType is known from the principal", "StringEquals", "aws:PrincipalType", `"User"`, none, Allowed},
		{"aws:RequestedRegion is known from the resource ARN", "StringEquals", "aws:RequestedRegion", `"eu-west-1"`, none, Denied},
		{"aws:ResourceAccount is known from the resource ARN", "StringEquals", "aws:ResourceAccount", `"${aws:PrincipalAccount}"`, none, Allowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewModel()
			m.At(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
			doc := `{"Statement":{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"` + tt.op + `":{"` + tt.key + `":` + tt.values + `}}}}`
			u := user(t, acct, "tester", doc)
			u.Tags = map[string]string{"team": "blue"}
			m.AddPrincipal(u)
			d := m.Evaluate(Request{Principal: u.ARN, Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:" + acct + ":q", Context: tt.ctx})
			if d.Result != tt.want {
				t.Fatalf("%s %s %s with %v: got %v (%s; %v), want %v", tt.op, tt.key, tt.values, tt.ctx, d.Result, d.Reason, d.Conditions, tt.want)
			}
			if d.Result == Conditional {
				if len(d.Conditions) != 1 || d.Conditions[0].Operator != tt.op || !strings.EqualFold(d.Conditions[0].Key, tt.key) {
					t.Errorf("conditions: got %v, want the one %s condition", d.Conditions, tt.op)
				}
			}
		})
	}
}

func TestConditionalDenyMakesTheResultConditional(t *testing.T) {
	m := NewModel()
	u := user(t, acct, "dev", fullAccess, `{"Statement":{"Sid":"OnlyFromOffice","Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}}`)
	m.AddPrincipal(u)
	d := m.Evaluate(Request{Principal: u.ARN, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"})
	if d.Result != Conditional {
		t.Fatalf("got %v (%s), want conditional", d.Result, d.Reason)
	}
	if len(d.Conditions) != 1 || !d.Conditions[0].Negated || d.Conditions[0].Statement.Sid != "OnlyFromOffice" {
		t.Fatalf("conditions: got %v, want the negated NotIpAddress condition of OnlyFromOffice", d.Conditions)
	}
	if got := d.Conditions[0].String(); got != `not (NotIpAddress aws:SourceIp ["203.0.113.0/24"])` {
		t.Errorf("condition text: got %s", got)
	}
	for _, c := range []struct {
		ip   string
		want Result
	}{{"203.0.113.9", Allowed}, {"198.51.100.1", Denied}} {
		d := m.Evaluate(Request{Principal: u.ARN, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: map[string][]string{"aws:SourceIp": {c.ip}}})
		if d.Result != c.want {
			t.Errorf("from %s: got %v (%s), want %v", c.ip, d.Result, d.Reason, c.want)
		}
	}
}

func TestGroupConditionsKeepsADenysConditionsTogether(t *testing.T) {
	m := NewModel()
	u := user(t, acct, "dev", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}}`,
		`{"Statement":{"Sid":"NoUntrustedNetworks","Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"},"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}}`)
	m.AddPrincipal(u)
	d := m.Evaluate(Request{Principal: u.ARN, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"})
	if d.Result != Conditional || len(d.Conditions) != 3 {
		t.Fatalf("got %v with %v", d.Result, d.Conditions)
	}
	got := GroupConditions(d.Conditions)
	want := []string{
		`Bool aws:SecureTransport ["true"]`,
		`not (NotIpAddress aws:SourceIp ["10.0.0.0/8"] and StringNotEquals aws:SourceVpce ["vpce-1"]) [deny: dev inline B statement "NoUntrustedNetworks"]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSeveralConditionalAllowsShowTheFewestConditions(t *testing.T) {
	m := NewModel()
	u := user(t, acct, "dev",
		`{"Statement":{"Sid":"Office","Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"},"Bool":{"aws:SecureTransport":"true"}}}}`,
		`{"Statement":{"Sid":"MFA","Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}`)
	m.AddPrincipal(u)
	d := m.Evaluate(Request{Principal: u.ARN, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"})
	if d.Result != Conditional || len(d.Conditions) != 1 || d.Conditions[0].Key != "aws:MultiFactorAuthPresent" {
		t.Fatalf("got %v with %v", d.Result, d.Conditions)
	}
	if !strings.Contains(d.Reason, "several statements") {
		t.Errorf("reason does not say there are other ways: %s", d.Reason)
	}
}

func TestTokenIssueTimeIsBoundedByTheSessionLifetime(t *testing.T) {
	revoke := func(date string) string {
		return `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + date + `"}}}}`
	}
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		principal func(*testing.T) *Principal
		want      Result
	}{
		{"a role's sessions revoked long before the analysis time cannot be in use: the deny does not apply",
			func(t *testing.T) *Principal {
				return role(t, acct, "r", "", fullAccess, revoke("2023-01-01T00:00:00Z"))
			}, Allowed},
		{"a role's sessions revoked after the analysis time are all denied",
			func(t *testing.T) *Principal {
				return role(t, acct, "r", "", fullAccess, revoke("2026-06-02T00:00:00Z"))
			}, Denied},
		{"a role's sessions revoked within the session window may or may not be in use",
			func(t *testing.T) *Principal {
				return role(t, acct, "r", "", fullAccess, revoke("2026-06-01T06:00:00Z"))
			}, Conditional},
		{"a user revoked long ago: its long-term keys carry no token and old tokens have expired",
			func(t *testing.T) *Principal { return user(t, acct, "u", fullAccess, revoke("2023-01-01T00:00:00Z")) }, Allowed},
		{"a user revoked after the analysis time: tokens are denied but long-term keys are not, so it depends",
			func(t *testing.T) *Principal { return user(t, acct, "u", fullAccess, revoke("2026-06-02T00:00:00Z")) }, Conditional},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewModel()
			m.At(at)
			p := tt.principal(t)
			m.AddPrincipal(p)
			d := m.Evaluate(Request{Principal: p.ARN, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"})
			if d.Result != tt.want {
				t.Errorf("got %v (%s; %v), want %v", d.Result, d.Reason, d.Conditions, tt.want)
			}
		})
	}
}
