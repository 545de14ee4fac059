package aws

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/iam"
)

const demoAccountData = "../../../../shared/data/aws-account-demo/account-data/demo"

func TestDemoResourcePoliciesLoad(t *testing.T) {
	needData(t, demoAccountData)
	a, err := OpenAccountData(demoAccountData)
	if err != nil {
		t.Fatal(err)
	}
	m := iam.NewModel()
	if err := LoadResourcePolicies(a, m); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"arn:aws:ecr:us-east-1:123456789012:repository/cloudmapper",
		"arn:aws:lambda:us-east-1:123456789012:function:invpclambda",
		"arn:aws:s3:::cloudmapper_demo",
		"arn:aws:sns:us-east-1:123456789012:demo_private",
		"arn:aws:sns:us-east-1:123456789012:demo_public",
		"arn:aws:sqs:us-east-1:123456789012:demo",
	}
	if got := m.ResourcePolicies(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("resource policies:\n got %v\nwant %v", got, want)
	}
	tests := []struct {
		name                        string
		principal, action, resource string
		want                        iam.Result
	}{
		{"the public bucket policy lets anyone read objects", "*", "s3:GetObject", "arn:aws:s3:::cloudmapper_demo/index.html", iam.Allowed},
		{"the public bucket policy does not let anyone write", "*", "s3:PutObject", "arn:aws:s3:::cloudmapper_demo/index.html", iam.Denied},
		{"the public queue accepts messages from anyone", "*", "sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:demo", iam.Allowed},
		{"the public topic's upper-case actions match", "*", "sns:Publish", "arn:aws:sns:us-east-1:123456789012:demo_public", iam.Allowed},
		{"the ECR policy with Principal * and no Resource lets anyone pull", "arn:aws:iam::210987654321:root", "ecr:BatchGetImage", "arn:aws:ecr:us-east-1:123456789012:repository/cloudmapper", iam.Allowed},
		{"the Lambda policy's Resource names another account's function, so it grants nothing here", "apigateway.amazonaws.com", "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:invpclambda", iam.Denied},
		{"the Lambda policy admits no anonymous caller", "*", "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:invpclambda", iam.Denied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := m.Evaluate(iam.Request{Principal: tt.principal, Action: tt.action, Resource: tt.resource})
			if got.Result != tt.want {
				t.Errorf("got %v (%s), want %v", got.Result, got.Reason, tt.want)
			}
		})
	}
	if m.ResourceAccount("arn:aws:s3:::cloudmapper_demo/x") != "123456789012" {
		t.Errorf("the bucket's owner is not recorded")
	}
}

func TestBadResourcePolicyNamesTheFileAndPath(t *testing.T) {
	dir := t.TempDir()
	region := filepath.Join(dir, "us-east-1")
	for _, sub := range []string{"s3-get-bucket-policy", "sqs-get-queue-attributes"} {
		if err := os.MkdirAll(filepath.Join(region, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(region, "sts-get-caller-identity.json"), []byte(`{"Account":"123456789012"}`), 0o644)
	os.WriteFile(filepath.Join(region, "s3-get-bucket-policy", "ok"), []byte(`{"Policy":"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}}"}`), 0o644)
	os.WriteFile(filepath.Join(region, "sqs-get-queue-attributes", "https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F123456789012%2Fq"),
		[]byte(`{"Attributes":{"Policy":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sqs:*\",\"Resource\":\"*\",\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"not-an-ip\"}}}]}"}}`), 0o644)
	a, err := OpenAccountData(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = LoadResourcePolicies(a, iam.NewModel())
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{"sqs-get-queue-attributes", "Attributes.Policy.Statement[0].Condition.IpAddress.aws:SourceIp[0]"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func TestBucketsWithoutPolicyGetTheirOwner(t *testing.T) {
	dir := t.TempDir()
	region := filepath.Join(dir, "eu-west-1")
	os.MkdirAll(region, 0o755)
	os.WriteFile(filepath.Join(region, "sts-get-caller-identity.json"), []byte(`{"Account":"123456789012"}`), 0o644)
	os.WriteFile(filepath.Join(region, "s3-list-buckets.json"), []byte(`{"Buckets":[{"Name":"logs","CreationDate":"2024-01-01T00:00:00+00:00"}],"Owner":{"ID":"abc"}}`), 0o644)
	a, err := OpenAccountData(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := iam.NewModel()
	if err := LoadResourcePolicies(a, m); err != nil {
		t.Fatal(err)
	}
	if got := m.ResourceAccount("arn:aws:s3:::logs/2026/01/x.gz"); got != "123456789012" {
		t.Errorf("owner of an object in a listed bucket: %q", got)
	}
	// A caller of another account therefore needs a bucket policy.
	m.AddPrincipal(&iam.Principal{ARN: "arn:aws:iam::210987654321:user/x", Kind: iam.KindUser, Name: "x", Account: "210987654321",
		Inline: []*iam.Policy{mustParse(t, `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`)}})
	if d := m.Evaluate(iam.Request{Principal: "arn:aws:iam::210987654321:user/x", Action: "s3:GetObject", Resource: "arn:aws:s3:::logs/k"}); d.Result != iam.Denied {
		t.Errorf("cross-account read without a bucket policy: %v (%s)", d.Result, d.Reason)
	}
}

func mustParse(t *testing.T, doc string) *iam.Policy {
	t.Helper()
	p, err := iam.ParsePolicy([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEveryResourcePolicyCallMapsToItsARN(t *testing.T) {
	dir := t.TempDir()
	region := filepath.Join(dir, "eu-west-1")
	pol := func(res string) string {
		b := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"` + res + `"}]}`
		return strings.ReplaceAll(b, `"`, `\"`)
	}
	files := map[string]string{
		"sts-get-caller-identity.json":                            `{"Account":"123456789012"}`,
		"s3-get-bucket-policy/data":                               `{"Policy":"` + pol("*") + `"}`,
		"kms-get-key-policy/1234abcd-12ab-34cd-56ef-1234567890ab": `{"Policy":"` + pol("*") + `","PolicyName":"default"}`,
		"lambda-get-policy/fn":                                    `{"Policy":"` + pol("*") + `","RevisionId":"r"}`,
		"sqs-get-queue-attributes/https%3A%2F%2Fsqs.eu-west-1.amazonaws.com%2F123456789012%2Fjobs": `{"Attributes":{"Policy":"` + pol("*") + `"}}`,
		"sns-get-topic-attributes/arn%3Aaws%3Asns%3Aeu-west-1%3A123456789012%3Aalerts":             `{"Attributes":{"Policy":"` + pol("*") + `","TopicArn":"arn:aws:sns:eu-west-1:123456789012:alerts"}}`,
		"secretsmanager-get-resource-policy/db":                                                    `{"ARN":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf","Name":"db","ResourcePolicy":"` + pol("*") + `"}`,
		"secretsmanager-get-resource-policy/nopolicy":                                              `{"ARN":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:nopolicy-x","Name":"nopolicy"}`,
		"ecr-get-repository-policy/app":                                                            `{"registryId":"123456789012","repositoryName":"app","policyText":"` + pol("*") + `"}`,
	}
	for name, body := range files {
		path := filepath.Join(region, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a, err := OpenAccountData(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := iam.NewModel()
	if err := LoadResourcePolicies(a, m); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"arn:aws:ecr:eu-west-1:123456789012:repository/app",
		"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"arn:aws:lambda:eu-west-1:123456789012:function:fn",
		"arn:aws:s3:::data",
		"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
		"arn:aws:sns:eu-west-1:123456789012:alerts",
		"arn:aws:sqs:eu-west-1:123456789012:jobs",
	}
	if got := m.ResourcePolicies(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d := m.Evaluate(iam.Request{Principal: "*", Action: "kms:Decrypt", Resource: want[1]}); d.Result != iam.Allowed {
		t.Errorf("the public key policy: %v (%s)", d.Result, d.Reason)
	}
}
