package aws

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/iam"
)

func TestOrganizationFolderAppliesSCPsAndRCPs(t *testing.T) {
	d, err := LoadIAM(IAMInputs{
		Authz:           []string{filepath.Join(fixtures, "authz-pages.json")},
		ManagedPolicies: filepath.Join(fixtures, "managed-policies"),
		Org:             filepath.Join(fixtures, "org"),
	})
	if err != nil {
		t.Fatal(err)
	}
	m := d.Model
	org := m.Organization()
	if org.ID != "o-a1b2c3d4e5" || org.ManagementAccount != "999988887777" {
		t.Fatalf("organization: %+v", org)
	}
	if got := strings.Join(org.Path("111122223333"), "/"); got != "r-ab12/ou-ab12-prod0001/111122223333" {
		t.Errorf("path of the prod account: %s", got)
	}
	ci := "arn:aws:iam::111122223333:role/ci"
	m.SetResourceOwner("arn:aws:s3:::prod-data", "111122223333")
	tests := []struct {
		name                        string
		principal, action, resource string
		want                        iam.Result
		reason                      string
	}{
		{"the OU's SCP denies creating IAM users even to an admin role", ci, "iam:CreateUser", "*", iam.Denied, "SCP attached to ou-ab12-prod0001"},
		{"FullAWSAccess at every level lets the rest through", ci, "s3:GetObject", "arn:aws:s3:::prod-data/k", iam.Allowed, ""},
		{"the RCP keeps outside accounts out of the organization's buckets", "arn:aws:iam::444455556666:root", "s3:GetObject", "arn:aws:s3:::prod-data/k", iam.Denied, "RCP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := m.Evaluate(iam.Request{Principal: tt.principal, Action: tt.action, Resource: tt.resource})
			if got.Result != tt.want || !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("got %v (%s), want %v (%s)", got.Result, got.Reason, tt.want, tt.reason)
			}
		})
	}
}

func TestBadOrganizationFolderNamesTheFile(t *testing.T) {
	copyDir := func(t *testing.T) string {
		dst := t.TempDir()
		src := filepath.Join(fixtures, "org")
		err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			if info.IsDir() {
				return os.MkdirAll(filepath.Join(dst, rel), 0o755)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
		return dst
	}
	tests := []struct {
		name, file, content string
		want                []string
	}{
		{"malformed JSON", "list-roots.json", "{\"Roots\": [", []string{"list-roots.json", "truncated"}},
		{"an unknown condition operator in an SCP", "describe-policy/p-denyiam0001.json",
			`{"Policy":{"PolicySummary":{"Id":"p-denyiam0001","Type":"SERVICE_CONTROL_POLICY"},"Content":"{\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEqualsX\":{\"k\":\"v\"}}}}"}}`,
			[]string{"describe-policy/p-denyiam0001.json", "Policy.Content.Statement.Condition.StringEqualsX", "unknown condition operator"}},
		{"no roots", "list-roots.json", `{"Roots":[]}`, []string{"list-roots.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyDir(t)
			if err := os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			err := LoadOrganization(dir, iam.NewModel())
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
