package terraform

import (
	"os"
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/iam"
)

func model(t *testing.T, path string) (*iam.Model, []string) {
	t.Helper()
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	m := iam.NewModel()
	w := c.AddIAM(m, IAMOptions{ManagedPolicies: "testdata/managed-policies"})
	return m, w
}

func TestIAMModelOfAConfigurationEvaluates(t *testing.T) {
	for _, path := range []string{"testdata/agent", "testdata/agent.plan.json"} {
		t.Run(path, func(t *testing.T) {
			m, warnings := model(t, path)
			if len(warnings) > 0 {
				t.Errorf("warnings: %q", warnings)
			}
			dev := m.Principal("arn:aws:iam::<unknown>:user/people/acme-dev")
			if dev == nil {
				t.Fatalf("no principal for the dev user; have %d principals", len(m.Principals()))
			}
			if !strings.Contains(dev.Source, "aws_iam_user.dev") {
				t.Errorf("source %q lacks the Terraform address", dev.Source)
			}
			tests := []struct {
				name      string
				principal string
				action    string
				resource  string
				want      iam.Result
			}{
				{"a user may pass roles through its group's policy", "arn:aws:iam::<unknown>:user/people/acme-dev", "iam:PassRole", "arn:aws:iam::<unknown>:role/worker-etl", iam.Allowed},
				{"the agent role reads its memory bucket through the attached policy", "arn:aws:iam::<unknown>:role/acme-agent", "s3:GetObject", "arn:aws:s3:::acme-agent-memory/notes.txt", iam.Allowed},
				{"the agent role may not delete, by the policy's NotAction deny", "arn:aws:iam::<unknown>:role/acme-agent", "s3:DeleteObject", "arn:aws:s3:::acme-agent-memory/notes.txt", iam.Denied},
				{"a worker role is administrator through AdministratorAccess", "arn:aws:iam::<unknown>:role/worker-report", "iam:CreateUser", "*", iam.Allowed},
				{"an analyst has no permissions", "arn:aws:iam::<unknown>:user/analyst-1", "s3:GetObject", "arn:aws:s3:::acme-agent-memory/notes.txt", iam.Denied},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					d := m.Evaluate(iam.Request{Principal: tt.principal, Action: tt.action, Resource: tt.resource})
					if d.Result != tt.want {
						t.Errorf("Evaluate = %v (%s), want %v", d.Result, d.Reason, tt.want)
					}
				})
			}
		})
	}
}

func TestUnknownValuesInPoliciesMatchConditionally(t *testing.T) {
	m, _ := model(t, "testdata/partial")
	op := "arn:aws:iam::<unknown>:user/operator-<unknown:var.cgid>"
	if m.Principal(op) == nil {
		t.Fatalf("no principal %s", op)
	}
	role := "arn:aws:iam::<unknown>:role/agentcore_<unknown:var.cgid>"
	tests := []struct {
		name      string
		principal string
		action    string
		resource  string
		want      iam.Result
	}{
		{"a resource ARN with an unknown account matches only conditionally", op, "bedrock-agentcore:InvokeAgentRuntime", "arn:aws:bedrock-agentcore:us-east-1:<unknown>:runtime/agent-1", iam.Conditional},
		{"the known parts still have to match", op, "bedrock-agentcore:InvokeAgentRuntime", "arn:aws:bedrock-agentcore:eu-west-1:<unknown>:runtime/agent-1", iam.Denied},
		{"a user the trust policy names by its reference may assume the role", op, "sts:AssumeRole", role, iam.Allowed},
		{"a policy naming a role of the configuration by reference matches it exactly", op, "iam:PassRole", "arn:aws:iam::<unknown>:role/known-role", iam.Allowed},
		{"a policy naming by reference a role whose name is partly unknown matches that role exactly", op, "iam:PassRole", role, iam.Allowed},
		{"and no other role", op, "iam:PassRole", "arn:aws:iam::<unknown>:role/agentcore_other", iam.Denied},
		{"a principal of the configuration is not the unknown account's root", "arn:aws:iam::<unknown>:role/agentcore_<unknown:var.cgid>", "sts:AssumeRole", role, iam.Denied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := m.Evaluate(iam.Request{Principal: tt.principal, Action: tt.action, Resource: tt.resource})
			if d.Result != tt.want {
				t.Errorf("Evaluate = %v (%s), want %v", d.Result, d.Reason, tt.want)
			}
			if d.Result == iam.Conditional && (len(d.Conditions) == 0 || d.Conditions[0].Key != UnknownConditionKey) {
				t.Errorf("conditions = %v, want the unknown-value condition", d.Conditions)
			}
		})
	}
}

func TestWildcardUnknowns(t *testing.T) {
	tests := []struct {
		in, want string
		partial  bool
	}{
		{"arn:aws:iam::<unknown>:role/agent", "arn:aws:iam::<unknown>:role/agent", false},
		{"arn:aws:lambda:<unknown>:<unknown>:function:tool", "arn:aws:lambda:<unknown>:<unknown>:function:tool", false},
		{"arn:aws:iam::<unknown:data.aws_caller_identity.current.account_id>:root", "arn:aws:iam::*:root", true},
		{"arn:aws:s3:::data-<unknown:var.cgid>/*", "arn:aws:s3:::data-*/*", true},
		{"arn:aws:iam::<unknown>:role/agentcore_<unknown:var.cgid>", "arn:aws:iam::<unknown>:role/agentcore_*", true},
		{"<unknown>", "*", true},
		{"s3:<unknown:var.verb>", "s3:*", true},
		{"s3:GetObject", "s3:GetObject", false},
	}
	for _, tt := range tests {
		got, partial := wildcardUnknowns(tt.in)
		if got != tt.want || partial != tt.partial {
			t.Errorf("wildcardUnknowns(%q) = %q, %v; want %q, %v", tt.in, got, partial, tt.want, tt.partial)
		}
	}
}

func TestAPolicyDocumentReadAtApplyIsRenderedWithItsUnknownParts(t *testing.T) {
	c, err := Load("testdata/deferred.plan.json")
	if err != nil {
		t.Fatal(err)
	}
	doc := c.Resource("data.aws_iam_policy_document.read").Values["json"].(string)
	if doc != `{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":["<unknown>","arn:aws:s3:::acme-reports/*"],"Sid":"Read"}],"Version":"2012-10-17"}` {
		t.Errorf("rendered document = %s", doc)
	}
	m := iam.NewModel()
	c.AddIAM(m, IAMOptions{})
	role := "arn:aws:iam::<unknown>:role/reader"
	for _, tt := range []struct {
		resource string
		want     iam.Result
	}{
		{"arn:aws:s3:::acme-reports/q3.csv", iam.Allowed},
		{"arn:aws:s3:::staging-x/file", iam.Conditional}, // the bucket whose name is known after apply
	} {
		if d := m.Evaluate(iam.Request{Principal: role, Action: "s3:GetObject", Resource: tt.resource}); d.Result != tt.want {
			t.Errorf("%s: %v (%s), want %v", tt.resource, d.Result, d.Reason, tt.want)
		}
	}
}

// sharedManaged is the AWS-managed policy set of ../shared/data.
const sharedManaged = "../../../../shared/data/aws-managed-policies/policies"

func TestEscalationIsFoundBeforeDeployWithPartlyKnownNames(t *testing.T) {
	if _, err := os.Stat(sharedManaged); err != nil {
		t.Skipf("AWS-managed policies not found at %s (../shared/data): %v", sharedManaged, err)
	}
	c, err := Load("testdata/agentcore")
	if err != nil {
		t.Fatal(err)
	}
	m := iam.NewModel()
	if w := c.AddIAM(m, IAMOptions{ManagedPolicies: sharedManaged}); len(w) > 0 {
		t.Errorf("warnings: %q", w)
	}
	user := "arn:aws:iam::<unknown>:user/agentcore_dev_<unknown:var.cgid>"
	role := "arn:aws:iam::<unknown>:role/agentcore_exec_<unknown:var.cgid>"
	// The user's PassRole names the role by reference: an exact match,
	// whatever cgid turns out to be.
	if d := m.Evaluate(iam.Request{Principal: user, Action: "iam:PassRole", Resource: role}); d.Result != iam.Allowed {
		t.Errorf("PassRole on the role the policy references = %v (%s)", d.Result, d.Reason)
	}
	res := iam.AnalyzeEscalation(m, iam.AnalyzeOptions{})
	found := false
	for _, e := range res.Edges {
		if e.From == user && e.To == role && e.Technique.ID == "bedrock-001" && !e.Potential && !e.Conditional() {
			found = true
		}
	}
	if !found {
		t.Errorf("no definite bedrock-001 escalation from %s to %s; edges: %+v", user, role, res.Edges)
	}
	// The account root the trust policy names comes from
	// data.aws_caller_identity: an outside principal, not the user.
	trust := m.Principal(role).Trust
	if trust == nil || len(trust.Statements) != 2 {
		t.Fatalf("trust = %+v", trust)
	}
	if got := trust.Statements[1].Principal["AWS"]; len(got) != 1 || got[0] != "arn:aws:iam::<unknown:data.aws_caller_identity.current.account_id>:root" {
		t.Errorf("trusted account = %v", got)
	}
}

func TestTagsKnownOnlyAfterApplyLeaveTagConditionsOpen(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/main.tf", []byte(`variable "team" {}
resource "aws_iam_user" "known" {
  name = "known"
  tags = { team = "ml" }
}
resource "aws_iam_user" "later" {
  name = "later"
  tags = { team = var.team }
}
resource "aws_iam_policy" "p" {
  name = "team-ml"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*", Condition = { StringEquals = { "aws:PrincipalTag/team" = "ml" } } }]
  })
}
resource "aws_iam_user_policy_attachment" "known" {
  user       = aws_iam_user.known.name
  policy_arn = aws_iam_policy.p.arn
}
resource "aws_iam_user_policy_attachment" "later" {
  user       = aws_iam_user.later.name
  policy_arn = aws_iam_policy.p.arn
}
`), 0o644)
	c, err := LoadDir(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := iam.NewModel()
	c.AddIAM(m, IAMOptions{})
	for who, want := range map[string]iam.Result{"known": iam.Allowed, "later": iam.Conditional} {
		d := m.Evaluate(iam.Request{Principal: "arn:aws:iam::<unknown>:user/" + who, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"})
		if d.Result != want {
			t.Errorf("%s: %v (%s), want %v", who, d.Result, d.Reason, want)
		}
	}
}

func TestConditionsOnUnknownValuesAreConditional(t *testing.T) {
	doc := map[string]any{"Statement": []any{map[string]any{
		"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*",
		"Condition": map[string]any{
			"StringEquals": map[string]any{"aws:PrincipalAccount": "<unknown:data.aws_caller_identity.current.account_id>"},
			"Bool":         map[string]any{"aws:SecureTransport": "true"},
		},
	}}}
	markUnknowns(doc, nil)
	got := compactJSON(doc)
	want := `{"Statement":[{"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"parapet:TerraformUnknownValue":"known-after-apply"}},"Effect":"Allow","Resource":"*"}]}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
