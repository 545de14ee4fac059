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

// BenchmarkReadPlan reads the agent plan JSON into an inventory.
func BenchmarkReadPlan(b *testing.B) {
	data, err := os.ReadFile("testdata/agent.plan.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		c, err := ReadPlan("plan.json", data)
		if err != nil {
			b.Fatal(err)
		}
		c.Snapshot()
	}
}
