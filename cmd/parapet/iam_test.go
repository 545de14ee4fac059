package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const iamFixtures = "../../internal/collect/aws/testdata/iam"

func TestIAMCanExitCodesAndJSON(t *testing.T) {
	authz := filepath.Join(iamFixtures, "authz-pages.json")
	managed := filepath.Join(iamFixtures, "managed-policies")
	tests := []struct {
		name   string
		args   []string
		code   int
		result string
	}{
		{"an allowed request exits 0", []string{"alice", "s3:PutObject", "arn:aws:s3:::home/alice/x"}, 0, "allowed"},
		{"a denied request exits 1", []string{"alice", "iam:CreateUser", "*"}, 1, "denied"},
		{"a request with context given is decided", []string{"alice", "s3:PutObject", "arn:aws:s3:::home/alice/x", "--context", "aws:SourceIp=203.0.113.1"}, 0, "allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.json")
			args := append([]string{"iam", "can"}, tt.args...)
			args = append(args, "--authz", authz, "--managed-policies", managed, "--format", "json", "--output", out)
			if code := run(args); code != tt.code {
				t.Fatalf("exit %d, want %d", code, tt.code)
			}
			var doc struct {
				Schema     string `json:"schema"`
				Result     string `json:"result"`
				Reason     string `json:"reason"`
				Statements []struct {
					Policy string `json:"policy"`
				} `json:"statements"`
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Schema != schemaIAMCan || doc.Result != tt.result || doc.Reason == "" {
				t.Errorf("got %+v", doc)
			}
			if tt.result == "allowed" && (len(doc.Statements) == 0 || doc.Statements[0].Policy == "") {
				t.Errorf("no deciding statement: %s", b)
			}
		})
	}
}

func TestIAMCanConditionalExitsThree(t *testing.T) {
	dir := t.TempDir()
	authz := filepath.Join(dir, "authz.json")
	doc := `{"UserDetailList":[{"UserName":"u","UserId":"AIDAU","Arn":"arn:aws:iam::111122223333:user/u","GroupList":[],
		"UserPolicyList":[{"PolicyName":"office","PolicyDocument":{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}}}]}],
		"GroupDetailList":[],"RoleDetailList":[],"Policies":[]}`
	if err := os.WriteFile(authz, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.txt")
	if code := run([]string{"iam", "can", "u", "s3:GetObject", "arn:aws:s3:::b/k", "--authz", authz, "--output", out}); code != exitConditional {
		t.Fatalf("exit %d, want %d", code, exitConditional)
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), "CONDITIONAL") || !strings.Contains(string(b), `IpAddress aws:SourceIp ["203.0.113.0/24"]`) {
		t.Errorf("table output:\n%s", b)
	}
	for ip, want := range map[string]int{"203.0.113.9": exitClean, "198.51.100.1": exitFindings} {
		if code := run([]string{"iam", "can", "u", "s3:GetObject", "arn:aws:s3:::b/k", "--authz", authz, "--output", out, "--context", "aws:SourceIp=" + ip}); code != want {
			t.Errorf("from %s: exit %d, want %d", ip, code, want)
		}
	}
}

func TestIAMBadInputExitsTwoAndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"UserDetailList":[{"UserName":"u","Arn":"arn:aws:iam::1:user/u","UserPolicyList":[{"PolicyName":"p","PolicyDocument":{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualsMaybe":{"k":"v"}}}}}]}]}`), 0o644)
	trunc := filepath.Join(dir, "trunc.json")
	os.WriteFile(trunc, []byte(`{"UserDetailList":[{"UserName":"u",`), 0o644)
	for _, args := range [][]string{
		{"iam", "can", "u", "s3:GetObject", "*", "--authz", bad},
		{"iam", "who-can", "s3:GetObject", "*", "--authz", trunc},
		{"iam", "can", "u", "s3:GetObject", "*", "--authz", filepath.Join(dir, "missing.json")},
		{"iam", "can", "nobody", "s3:GetObject", "*", "--authz", filepath.Join(iamFixtures, "authz-pages.json")},
		{"iam", "can", "arn:aws:iam::111122223333:group/dev", "s3:GetObject", "*", "--authz", filepath.Join(iamFixtures, "authz-pages.json")},
		{"iam", "can", "alice", "s3:GetObject", "*", "--authz", filepath.Join(iamFixtures, "authz-pages.json"), "--at", "yesterday"},
		{"iam", "can", "alice", "s3:GetObject", "*", "--authz", filepath.Join(iamFixtures, "authz-pages.json"), "--context", "novalue"},
	} {
		out := filepath.Join(dir, "out.json")
		if code := run(append(args, "--output", out)); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: output written despite the error", args)
		}
	}
}

func TestIAMWhoCanListsAllowedAndConditional(t *testing.T) {
	out := filepath.Join(t.TempDir(), "who.json")
	code := run([]string{"iam", "who-can", "sts:AssumeRole", "arn:aws:iam::111122223333:role/ci",
		"--authz", filepath.Join(iamFixtures, "authz-pages.json"), "--format", "json", "--output", out})
	if code != exitClean {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		Schema     string `json:"schema"`
		Principals []struct {
			ARN    string `json:"arn"`
			Result string `json:"result"`
		} `json:"principals"`
	}
	b, _ := os.ReadFile(out)
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != schemaIAMWhoCan || len(doc.Principals) != 1 || doc.Principals[0].ARN != "arn:aws:iam::111122223333:user/alice" {
		t.Errorf("got %s", b)
	}
}

// TestIAMCanJSONIsPinned keeps the documented JSON shape of `iam can`
// stable (testdata/iam/can-conditional.golden.json).
func TestIAMCanJSONIsPinned(t *testing.T) {
	out := filepath.Join(t.TempDir(), "can.json")
	code := run([]string{"iam", "can", "u", "s3:GetObject", "arn:aws:s3:::b/k", "--authz", "testdata/iam/authz-conditional.json", "--format", "json", "--output", out})
	if code != exitConditional {
		t.Fatalf("exit %d, want %d", code, exitConditional)
	}
	got, _ := os.ReadFile(out)
	want, err := os.ReadFile("testdata/iam/can-conditional.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("iam can JSON changed:\n%s\nwant\n%s", got, want)
	}
}

func TestIAMCanWithASessionPolicy(t *testing.T) {
	dir := t.TempDir()
	sp := filepath.Join(dir, "session.json")
	os.WriteFile(sp, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`), 0o644)
	base := []string{"--authz", filepath.Join(iamFixtures, "authz-pages.json"), "--session-policy", sp, "--output", filepath.Join(dir, "out")}
	if code := run(append([]string{"iam", "can", "ci", "s3:GetObject", "arn:aws:s3:::b/k"}, base...)); code != exitClean {
		t.Errorf("what the session policy allows: exit %d", code)
	}
	if code := run(append([]string{"iam", "can", "ci", "s3:PutObject", "arn:aws:s3:::b/k"}, base...)); code != exitFindings {
		t.Errorf("what the session policy does not allow: exit %d", code)
	}
	os.WriteFile(sp, []byte(`{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEqualsish":{"k":"v"}}}]}`), 0o644)
	if code := run(append([]string{"iam", "can", "ci", "s3:GetObject", "arn:aws:s3:::b/k"}, base...)); code != exitUsage {
		t.Errorf("a bad session policy: exit %d", code)
	}
}
