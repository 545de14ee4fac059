package aws

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEveryFileReadIsDocumented keeps docs/inventory.md true: each call
// name the resource collectors read must appear there.
func TestEveryFileReadIsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "inventory.md"))
	if err != nil {
		t.Fatal(err)
	}
	calls := regexp.MustCompile(`rc\.(?:read|readParam)\("([a-z0-9-]+)"`)
	files, _ := filepath.Glob("*.go")
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range calls.FindAllSubmatch(src, -1) {
			n++
			if !strings.Contains(string(doc), "`"+string(m[1])) {
				t.Errorf("%s reads %s, which docs/inventory.md does not list", f, m[1])
			}
		}
	}
	if n < 40 {
		t.Errorf("found only %d reads; the pattern no longer matches the code", n)
	}
}

func FuzzPublicGrants(f *testing.F) {
	for _, s := range []string{
		`{"Version":"2012-10-17","Statement":[{"Sid":"PublicReadGetObject","Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`,
		`{"Statement":{"Effect":"Allow","Principal":"*","NotAction":"s3:Delete*","Condition":{}}}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root","*"]},"Action":["sqs:*"],"Condition":{"StringEquals":{"aws:SourceOwner":"1"}}}]}`,
		`{}`, `[]`, `null`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		pa, err := publicGrants("fuzz", doc)
		if err != nil {
			return
		}
		if (pa.Read || pa.Write) && len(pa.Statements) == 0 {
			t.Fatalf("access without evidence: %+v", pa)
		}
	})
}

func TestPublicGrantsReadsPolicies(t *testing.T) {
	tests := []struct {
		name        string
		doc         string
		read, write bool
	}{
		{"anyone may get objects", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject"}]}`, true, false},
		{"a bare star principal may publish", `{"Statement":{"Effect":"Allow","Principal":"*","Action":["SNS:Publish"]}}`, false, true},
		{"a condition keeps it private", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`, false, false},
		{"an empty condition does not", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Condition":{}}]}`, true, true},
		{"a named account is not anyone", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*"}]}`, false, false},
		{"a deny grants nothing", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*"}]}`, false, false},
		{"NotAction counts as everything", `{"Statement":[{"Effect":"Allow","Principal":"*","NotAction":"s3:DeleteBucket"}]}`, true, true},
		{"a service principal is not anyone", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"*"},"Action":"lambda:InvokeFunction"}]}`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pa, err := publicGrants("p", tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			if pa.Read != tt.read || pa.Write != tt.write {
				t.Errorf("read/write = %v/%v, want %v/%v", pa.Read, pa.Write, tt.read, tt.write)
			}
		})
	}
	if _, err := publicGrants("bucket b", `{"Statement":`); err == nil || !strings.Contains(err.Error(), "bucket b") {
		t.Errorf("malformed policy error = %v, want one naming the source", err)
	}
}
