package iam

import (
	"testing"
)

// FuzzParsePolicy feeds arbitrary documents to the parser (seeds in
// testdata/fuzz/FuzzParsePolicy: statement objects and arrays, string and
// array values, URL-encoded and string-wrapped documents, conditions and
// variables). The parser must never panic; a document it accepts must be
// fully compiled and evaluable both as an identity and a resource policy.
func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data)
		if err != nil {
			if p != nil {
				t.Fatalf("a policy returned with error %v", err)
			}
			return
		}
		for i, s := range p.Statements {
			if s.c == nil || s.Policy != p {
				t.Fatalf("statement %d not compiled or not linked", i)
			}
			if s.Effect != "Allow" && s.Effect != "Deny" {
				t.Fatalf("statement %d: effect %q accepted", i, s.Effect)
			}
		}
		m := NewModel()
		u := &Principal{ARN: "arn:aws:iam::111111111111:user/f", Kind: KindUser, Name: "f", Account: "111111111111", Inline: []*Policy{p}, TagsKnown: true}
		m.AddPrincipal(u)
		m.SetResourcePolicy("arn:aws:s3:::b", p)
		for _, r := range []Request{
			{Principal: u.ARN, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"},
			{Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: map[string][]string{"aws:SourceIp": {"10.0.0.1"}}},
			{Principal: "arn:aws:iam::222222222222:root", Action: "iam:PassRole", Resource: "*"},
		} {
			d := m.Evaluate(r)
			if d.Result == Conditional && len(d.Conditions) == 0 {
				t.Fatalf("conditional without conditions: %+v", d)
			}
		}
	})
}
