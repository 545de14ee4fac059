package iam_test

import (
	"os"
	"testing"

	collectaws "github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/iam"
)

const cloudsplainingExample = "../../../shared/data/aws-authz/cloudsplaining/example.json"

// BenchmarkEvaluate measures single evaluations on the principals of
// cloudsplaining's example account, over a mix of typical requests, and
// reports evaluations per second (target: over 200,000 on one core).
func BenchmarkEvaluate(b *testing.B) {
	if _, err := os.Stat(cloudsplainingExample); err != nil {
		b.Skipf("public data set not present at %s: %v", cloudsplainingExample, err)
	}
	data, err := collectaws.LoadIAM(collectaws.IAMInputs{Authz: []string{cloudsplainingExample}})
	if err != nil {
		b.Fatal(err)
	}
	m := data.Model
	var principals []string
	for _, p := range m.Principals() {
		if p.Kind != iam.KindGroup {
			principals = append(principals, p.ARN)
		}
	}
	requests := []struct{ action, resource string }{
		{"s3:GetObject", "arn:aws:s3:::example-bucket/reports/q1.csv"},
		{"iam:PassRole", "arn:aws:iam::200611803367:role/admin"},
		{"ec2:RunInstances", "arn:aws:ec2:us-east-1:200611803367:instance/*"},
		{"lambda:CreateFunction", "arn:aws:lambda:us-east-1:200611803367:function:f"},
		{"sts:AssumeRole", "arn:aws:iam::200611803367:role/MyRole"},
		{"kms:Decrypt", "arn:aws:kms:us-east-1:200611803367:key/1234"},
		{"iam:CreateAccessKey", "arn:aws:iam::200611803367:user/alice"},
		{"secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:200611803367:secret:db"},
	}
	reqs := make([]iam.Request, 0, len(principals)*len(requests))
	for _, p := range principals {
		for _, r := range requests {
			reqs = append(reqs, iam.Request{Principal: p, Action: r.action, Resource: r.resource})
		}
	}
	m.Evaluate(reqs[0]) // build the indexes outside the timing
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Evaluate(reqs[i%len(reqs)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "evals/s")
}
