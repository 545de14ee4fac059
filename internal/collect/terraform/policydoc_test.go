package terraform

import "testing"

func TestRenderPolicyDocument(t *testing.T) {
	stmt := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		in   map[string]any
		want string
	}{
		{
			name: "a statement with defaults renders Allow, sorted actions and one resource as a string",
			in:   map[string]any{"statement": []any{stmt("actions", []any{"s3:PutObject", "s3:GetObject", "s3:GetObject"}, "resources", []any{"*"})}},
			want: `{"Statement":[{"Action":["s3:GetObject","s3:PutObject"],"Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}`,
		},
		{
			name: "principals of one type merge and a lone wildcard principal is \"*\"",
			in: map[string]any{"statement": []any{
				stmt("actions", []any{"sts:AssumeRole"}, "principals", []any{
					stmt("type", "AWS", "identifiers", []any{"arn:aws:iam::111122223333:root"}),
					stmt("type", "AWS", "identifiers", []any{"arn:aws:iam::444455556666:root"}),
				}),
				stmt("actions", []any{"s3:GetObject"}, "principals", []any{stmt("type", "*", "identifiers", []any{"*"})}),
			}},
			want: `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::444455556666:root"]}},{"Action":"s3:GetObject","Effect":"Allow","Principal":"*"}],"Version":"2012-10-17"}`,
		},
		{
			name: "conditions with one test merge by variable",
			in: map[string]any{"statement": []any{stmt("actions", []any{"s3:*"}, "condition", []any{
				stmt("test", "StringEquals", "variable", "aws:PrincipalOrgID", "values", []any{"o-1"}),
				stmt("test", "Bool", "variable", "aws:SecureTransport", "values", []any{"true"}),
				stmt("test", "StringEquals", "variable", "aws:PrincipalOrgID", "values", []any{"o-2"}),
			})}},
			want: `{"Statement":[{"Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:PrincipalOrgID":["o-1","o-2"]}},"Effect":"Allow"}],"Version":"2012-10-17"}`,
		},
		{
			name: "source documents come first and override documents replace statements by Sid",
			in: map[string]any{
				"source_policy_documents":   []any{`{"Statement":{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`},
				"statement":                 []any{stmt("sid", "B", "actions", []any{"s3:ListBucket"}, "resources", []any{"*"})},
				"override_policy_documents": []any{`{"Statement":[{"Sid":"A","Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}`},
				"policy_id":                 "doc-1",
			},
			want: `{"Id":"doc-1","Statement":[{"Action":"s3:GetObject","Effect":"Deny","Resource":"*","Sid":"A"},{"Action":"s3:ListBucket","Effect":"Allow","Resource":"*","Sid":"B"}],"Version":"2012-10-17"}`,
		},
		{
			name: "a source document unknown as a whole makes the document unknown",
			in:   map[string]any{"source_policy_documents": []any{"<unknown:data.aws_iam_policy_document.base.json>"}},
			want: Unknown,
		},
		{
			name: "unknown entries stay as markers",
			in:   map[string]any{"statement": []any{stmt("not_actions", []any{"iam:*"}, "not_resources", []any{"arn:aws:s3:::<unknown:var.b>/*"}, "effect", "Deny")}},
			want: `{"Statement":[{"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:s3:::<unknown:var.b>/*"}],"Version":"2012-10-17"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := renderPolicyDocument(tt.in); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
