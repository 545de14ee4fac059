package terraform

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// synthetic writes a root module of n IAM roles, each with a policy
// document, an attached policy and a Lambda function that references the
// one before it, so that values flow along chains of references.
func synthetic(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	var sb strings.Builder
	sb.WriteString("variable \"prefix\" {\n  default = \"bench\"\n}\n")
	for i := range n {
		fmt.Fprintf(&sb, `
data "aws_iam_policy_document" "p%[1]d" {
  statement {
    actions   = ["s3:GetObject", "lambda:InvokeFunction"]
    resources = ["arn:aws:s3:::${var.prefix}-%[1]d/*", aws_lambda_function.f%[1]d.arn]
  }
}
resource "aws_iam_role" "r%[1]d" {
  name               = "${var.prefix}-role-%[1]d"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })
}
resource "aws_iam_policy" "p%[1]d" {
  name   = "${var.prefix}-policy-%[1]d"
  policy = data.aws_iam_policy_document.p%[1]d.json
}
resource "aws_iam_role_policy_attachment" "a%[1]d" {
  role       = aws_iam_role.r%[1]d.name
  policy_arn = aws_iam_policy.p%[1]d.arn
}
resource "aws_lambda_function" "f%[1]d" {
  function_name = "${var.prefix}-fn-%[1]d"
  role          = aws_iam_role.r%[1]d.arn
}
`, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkLoadDir reads HCL source: the realistic agent configuration and
// synthetic ones of 100 and 500 roles (5 resources each).
func BenchmarkLoadDir(b *testing.B) {
	dirs := map[string]string{"agent": "testdata/agent", "roles=100": synthetic(b, 100), "roles=500": synthetic(b, 500)}
	for _, name := range []string{"agent", "roles=100", "roles=500"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				c, err := LoadDir(dirs[name], nil)
				if err != nil {
					b.Fatal(err)
				}
				c.Snapshot()
			}
		})
	}
}

// syntheticPlan writes plan JSON of n roles, each with a policy attached
// by a reference the plan leaves unknown (policy_arn = aws_iam_policy.p.arn).
func syntheticPlan(n int) []byte {
	var changes, conf []string
	for i := range n {
		changes = append(changes,
			fmt.Sprintf(`{"address":"aws_iam_role.r%[1]d","mode":"managed","type":"aws_iam_role","name":"r%[1]d","provider_name":"registry.terraform.io/hashicorp/aws","change":{"actions":["create"],"before":null,"after":{"name":"role-%[1]d","path":"/","assume_role_policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"}}]}"},"after_unknown":{"arn":true,"id":true,"unique_id":true}}}`, i),
			fmt.Sprintf(`{"address":"aws_iam_policy.p%[1]d","mode":"managed","type":"aws_iam_policy","name":"p%[1]d","provider_name":"registry.terraform.io/hashicorp/aws","change":{"actions":["create"],"before":null,"after":{"name":"policy-%[1]d","path":"/","policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b-%[1]d/*\"}]}"},"after_unknown":{"arn":true,"id":true,"policy_id":true}}}`, i),
			fmt.Sprintf(`{"address":"aws_iam_role_policy_attachment.a%[1]d","mode":"managed","type":"aws_iam_role_policy_attachment","name":"a%[1]d","provider_name":"registry.terraform.io/hashicorp/aws","change":{"actions":["create"],"before":null,"after":{"role":"role-%[1]d"},"after_unknown":{"id":true,"policy_arn":true}}}`, i))
		conf = append(conf,
			fmt.Sprintf(`{"address":"aws_iam_role_policy_attachment.a%[1]d","mode":"managed","type":"aws_iam_role_policy_attachment","name":"a%[1]d","provider_config_key":"aws","expressions":{"policy_arn":{"references":["aws_iam_policy.p%[1]d.arn","aws_iam_policy.p%[1]d"]},"role":{"references":["aws_iam_role.r%[1]d.name","aws_iam_role.r%[1]d"]}},"schema_version":0}`, i))
	}
	return []byte(`{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[` + strings.Join(changes, ",") +
		`],"configuration":{"root_module":{"resources":[` + strings.Join(conf, ",") + `]}}}`)
}

// BenchmarkReadPlan reads plan JSON into an inventory: the agent plan, and
// synthetic plans of 1,000 and 5,000 roles (3 resources each).
func BenchmarkReadPlan(b *testing.B) {
	agent, err := os.ReadFile("testdata/agent.plan.json")
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{{"agent", agent}, {"roles=1000", syntheticPlan(1000)}, {"roles=5000", syntheticPlan(5000)}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.data)))
			for b.Loop() {
				c, err := ReadPlan("plan.json", tc.data)
				if err != nil {
					b.Fatal(err)
				}
				if len(c.Resources) == 0 {
					b.Fatal("no resources")
				}
				c.Snapshot()
			}
		})
	}
}
