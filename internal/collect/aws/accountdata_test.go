package aws

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const demoAccount = "../../../../shared/data/aws-account-demo/account-data/demo"

func TestOpenAccountDataReadsTheDemoAccount(t *testing.T) {
	if _, err := os.Stat(demoAccount); err != nil {
		t.Skip("../shared/data is absent: skipping the CloudMapper demo account")
	}
	a, err := OpenAccountData(demoAccount)
	if err != nil {
		t.Fatal(err)
	}
	if a.Account != "123456789012" || len(a.Regions) != 1 || a.Regions[0] != "us-east-1" {
		t.Fatalf("got account %q regions %v", a.Account, a.Regions)
	}
	var topics []string
	err = a.ReadEach("us-east-1", "sns-get-topic-attributes", func(param, _ string, _ []byte) error {
		topics = append(topics, param)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(topics) != 2 || topics[1] != "arn:aws:sns:us-east-1:123456789012:demo_public" {
		t.Fatalf("topic parameters are not URL-decoded ARNs: %v", topics)
	}
	ok, err := a.Read("us-east-1", "no-such-call", &struct{}{})
	if ok || err != nil {
		t.Fatalf("a missing call file must be (false, nil), got (%v, %v)", ok, err)
	}
}

func TestMalformedCallFileIsAnErrorNamingFileAndLine(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "eu-west-1"), 0o755)
	os.WriteFile(filepath.Join(dir, "eu-west-1", "ec2-describe-instances.json"), []byte("{\n  \"Reservations\": [,]\n}"), 0o644)
	a, err := OpenAccountData(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Read("eu-west-1", "ec2-describe-instances", &map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "ec2-describe-instances.json:2:") {
		t.Fatalf("want an error naming the file and line 2, got %v", err)
	}
}
