package iam

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParsePolicyNormalisesTheDocument(t *testing.T) {
	obj := `{"Version":"2012-10-17","Statement":{"Sid":"One","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`
	arr := `{"Version":"2012-10-17","Statement":[{"Sid":"One","Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"]}]}`
	tests := []struct {
		name string
		doc  string
	}{
		{"a statement object and string values", obj},
		{"a statement array and array values", arr},
		{"a URL-encoded document", url.PathEscape(arr)},
		{"a document held in a JSON string", `"` + strings.ReplaceAll(obj, `"`, `\"`) + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePolicy([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if p.Version != "2012-10-17" || len(p.Statements) != 1 {
				t.Fatalf("got version %q and %d statements", p.Version, len(p.Statements))
			}
			s := p.Statements[0]
			if s.Sid != "One" || !s.Allow() || !reflect.DeepEqual(s.Action, []string{"s3:GetObject"}) || !reflect.DeepEqual(s.Resource, []string{"*"}) || s.Policy != p {
				t.Errorf("statement: %+v", s)
			}
		})
	}
}

func TestParsePolicyPrincipals(t *testing.T) {
	p, err := ParsePolicy([]byte(`{"Statement":[
		{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"},
		{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"*"},
		{"Effect":"Allow","Principal":{"AWS":["111111111111","arn:aws:iam::222222222222:role/r"],"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Statements[0].Principal; !reflect.DeepEqual(got, map[string][]string{"*": {"*"}}) {
		t.Errorf(`Principal "*": got %v`, got)
	}
	if got := p.Statements[1].Principal; !reflect.DeepEqual(got, map[string][]string{"AWS": {"*"}}) {
		t.Errorf(`Principal {"AWS":"*"}: got %v`, got)
	}
	if got := p.Statements[2].Principal["AWS"]; len(got) != 2 || p.Statements[2].Principal["Service"][0] != "lambda.amazonaws.com" {
		t.Errorf("Principal map: got %v", p.Statements[2].Principal)
	}
	if p.Statements[2].Resource != nil {
		t.Errorf("a trust statement has no Resource; got %v", p.Statements[2].Resource)
	}
}

func TestParsePolicyConditionValues(t *testing.T) {
	p, err := ParsePolicy([]byte(`{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{
		"Bool":{"aws:SecureTransport":false},"NumericGreaterThan":{"aws:MultiFactorAuthAge":3600},
		"ForAnyValue:StringLike":{"aws:TagKeys":["a*","b*"]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	c := p.Statements[0].Condition
	if c["Bool"]["aws:SecureTransport"][0] != "false" || c["NumericGreaterThan"]["aws:MultiFactorAuthAge"][0] != "3600" || len(c["ForAnyValue:StringLike"]["aws:TagKeys"]) != 2 {
		t.Errorf("conditions: got %v", c)
	}
}

func TestParsePolicyErrorsNameTheJSONPath(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		path string
		msg  string
	}{
		{"an unknown condition operator", `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"},{"Effect":"Allow","Action":"a:b","Resource":"*"},{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEqualz":{"k":"v"}}}]}`, "Statement[2].Condition.StringEqualz", "unknown condition operator"},
		{"IfExists on Null", `{"Statement":{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"NullIfExists":{"k":"true"}}}}`, "Statement.Condition.NullIfExists", "Null"},
		{"a bad effect", `{"Statement":[{"Effect":"Permit","Action":"a:b","Resource":"*"}]}`, "Statement[0].Effect", "Allow"},
		{"a missing effect", `{"Statement":[{"Action":"a:b","Resource":"*"}]}`, "Statement[0].Effect", "missing"},
		{"both Action and NotAction", `{"Statement":[{"Effect":"Allow","Action":"a:b","NotAction":"c:d","Resource":"*"}]}`, "Statement[0]", "exactly one"},
		{"no Action", `{"Statement":[{"Effect":"Allow","Resource":"*"}]}`, "Statement[0]", "exactly one"},
		{"a number as an action", `{"Statement":[{"Effect":"Allow","Action":["a:b",{}],"Resource":"*"}]}`, "Statement[0].Action[1]", "not a string"},
		{"an unknown statement element", `{"Statement":[{"Effect":"Allow","Action":"a:b","Resources":"*"}]}`, "Statement[0].Resources", "unknown statement element"},
		{"an unknown principal type", `{"Statement":[{"Effect":"Allow","Action":"a:b","Principal":{"Amazon":"*"}}]}`, "Statement[0].Principal.Amazon", "unknown principal type"},
		{"a string principal other than *", `{"Statement":[{"Effect":"Allow","Action":"a:b","Principal":"arn:aws:iam::1:root"}]}`, "Statement[0].Principal", `must be "*"`},
		{"a bad CIDR", `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","ten"]}}}]}`, "Statement[0].Condition.IpAddress.aws:SourceIp[1]", "IP address"},
		{"a bad number", `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"NumericLessThan":{"k":"many"}}}]}`, "Statement[0].Condition.NumericLessThan.k[0]", "not a number"},
		{"a bad date", `{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"tomorrow"}}}]}`, "Statement[0].Condition.DateLessThan.aws:CurrentTime[0]", "not a date"},
		{"an unclosed policy variable", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username/*"}]}`, "Statement[0].Resource[0]", "closing brace"},
		{"a missing Statement", `{"Version":"2012-10-17"}`, "Statement", "missing"},
		{"a statement that is a string", `{"Statement":"allow all"}`, "Statement", "not an object or array"},
		{"an unknown top-level element", `{"Statement":[],"Versoin":"x"}`, "Versoin", "unknown policy element"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(tt.doc))
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *PolicyError", err)
			}
			if pe.Path != tt.path || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("got path %q message %q, want path %q and a message with %q", pe.Path, pe.Msg, tt.path, tt.msg)
			}
		})
	}
}

func TestParsePolicyRejectsMalformedJSON(t *testing.T) {
	for _, doc := range []string{``, `{`, `{"Statement":[{"Effect":"Allow",`, `[1,2]`, `{"Statement":[]} trailing`, `%7B%22Statement`} {
		if _, err := ParsePolicy([]byte(doc)); err == nil {
			t.Errorf("%q: no error", doc)
		}
	}
	_, err := ParsePolicy([]byte("{\n\"Statement\": [\n  {\"Effect\": \"Allow\",, }]}"))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("syntax error: got %v, want the line", err)
	}
}

func TestPatternMatching(t *testing.T) {
	tests := []struct {
		pattern, s string
		fold, want bool
	}{
		{"s3:Get*", "s3:GetObject", true, true},
		{"s3:get*", "S3:GETOBJECT", true, true},
		{"s3:Get?bject", "s3:GetObject", true, true},
		{"s3:Get?bject", "s3:GetObjectAcl", true, false},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/", false, true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::B/x", false, false},
		{"*", "", false, true},
		{"a*b*c", "axxbyyc", false, true},
		{"a*b*c", "axxbyy", false, false},
		{"*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false, false},
	}
	for _, tt := range tests {
		if got := glob(tt.pattern, tt.s, tt.fold); got != tt.want {
			t.Errorf("glob(%q, %q, fold=%v) = %v, want %v", tt.pattern, tt.s, tt.fold, got, tt.want)
		}
	}
}

func TestVariablePatternsWithManyStarsMatchInLinearTime(t *testing.T) {
	m := NewModel()
	res := "arn:aws:s3:::${aws:username}/" + strings.Repeat("*a", 40) + "*b"
	u := user(t, acct, "v", `{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"`+res+`"}}`)
	m.AddPrincipal(u)
	long := "arn:aws:s3:::v/" + strings.Repeat("a", 2000)
	if d := m.Evaluate(Request{Principal: u.ARN, Action: "s3:GetObject", Resource: long}); d.Result != Denied {
		t.Errorf("got %v", d.Result)
	}
	if d := m.Evaluate(Request{Principal: u.ARN, Action: "s3:GetObject", Resource: long + "b"}); d.Result != Allowed {
		t.Errorf("got %v", d.Result)
	}
}
