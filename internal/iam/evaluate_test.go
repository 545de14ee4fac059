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
