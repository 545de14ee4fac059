package aws

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/iam"
	"github.com/parapet-sec/parapet/internal/inventory"
)

const cloudsplaining = "../../../../shared/data/aws-authz/cloudsplaining"

func needData(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("public data set not present at %s (see ../shared/data/README.md): %v", path, err)
	}
}

func TestCloudsplainingExampleLoads(t *testing.T) {
	f := filepath.Join(cloudsplaining, "example.json")
	needData(t, f)
	d, err := LoadIAM(IAMInputs{Authz: []string{f}})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, p := range d.Model.Principals() {
		count[p.Kind]++
	}
	if count[iam.KindUser] != 44 || count[iam.KindGroup] != 5 || count[iam.KindRole] != 78 {
		t.Errorf("principals: got %v, want 44 users, 5 groups, 78 roles", count)
	}
	if len(d.ManagedPolicies) != 84 {
		t.Errorf("managed policies: got %d, want 84", len(d.ManagedPolicies))
	}
	nodes := map[string]int{}
	for _, n := range d.Snapshot.Nodes {
		nodes[n.Kind]++
	}
	if nodes[inventory.KindIAMUser] != 44 || nodes[inventory.KindIAMGroup] != 5 || nodes[inventory.KindIAMRole] != 78 {
		t.Errorf("inventory nodes: got %v", nodes)
	}
	for _, w := range d.Warnings {
		t.Log(w)
	}
}

const fixtures = "testdata/iam"

func TestPagesInOneFileOrSeveralFilesLoadTheSame(t *testing.T) {
	one, err := LoadIAM(IAMInputs{Authz: []string{filepath.Join(fixtures, "authz-pages.json")}, ManagedPolicies: filepath.Join(fixtures, "managed-policies")})
	if err != nil {
		t.Fatal(err)
	}
	two, err := LoadIAM(IAMInputs{Authz: []string{filepath.Join(fixtures, "authz-page1.json"), filepath.Join(fixtures, "authz-page2.json")}, ManagedPolicies: filepath.Join(fixtures, "managed-policies")})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*IAMData{one, two} {
		if n := len(d.Model.Principals()); n != 5 {
			t.Errorf("got %d principals, want 5 (2 users, 1 group, 2 roles)", n)
		}
	}
	if len(one.Snapshot.Nodes) != len(two.Snapshot.Nodes) || len(one.Snapshot.Edges) != len(two.Snapshot.Edges) {
		t.Errorf("one file: %d nodes %d edges; two files: %d nodes %d edges", len(one.Snapshot.Nodes), len(one.Snapshot.Edges), len(two.Snapshot.Nodes), len(two.Snapshot.Edges))
	}
}

func TestAuthzFixtureEvaluates(t *testing.T) {
	d, err := LoadIAM(IAMInputs{Authz: []string{filepath.Join(fixtures, "authz-pages.json")}, ManagedPolicies: filepath.Join(fixtures, "managed-policies")})
	if err != nil {
		t.Fatal(err)
	}
	m := d.Model
	const a = "111122223333"
	alice := "arn:aws:iam::" + a + ":user/alice"
	tests := []struct {
		name                        string
		principal, action, resource string
		want                        iam.Result
	}{
		{"a URL-encoded inline policy with a variable grants the user's home", alice, "s3:PutObject", "arn:aws:s3:::home/alice/x", iam.Allowed},
		{"the group's inline policy reaches its member", alice, "lambda:CreateFunction", "*", iam.Allowed},
		{"an AWS-managed policy read from the managed-policies folder applies", alice, "ec2:DescribeInstances", "*", iam.Allowed},
		{"only the default version of a customer policy counts", alice, "iam:CreateUser", "*", iam.Denied},
		{"the default version of a customer policy applies", alice, "iam:PassRole", "arn:aws:iam::" + a + ":role/ci", iam.Allowed},
		{"a URL-encoded trust policy naming the user lets it assume the role", alice, "sts:AssumeRole", "arn:aws:iam::" + a + ":role/ci", iam.Allowed},
		{"a URL-encoded permissions boundary limits the role", "arn:aws:iam::" + a + ":role/ci", "iam:CreateUser", "*", iam.Denied},
		{"the role's inline policy applies within its boundary", "arn:aws:iam::" + a + ":role/ci", "s3:DeleteBucket", "arn:aws:s3:::x", iam.Allowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := m.Evaluate(iam.Request{Principal: tt.principal, Action: tt.action, Resource: tt.resource})
			if got.Result != tt.want {
				t.Errorf("got %v (%s), want %v", got.Result, got.Reason, tt.want)
			}
		})
	}
	if p := m.Principal(alice); !p.TagsKnown || p.Tags["team"] != "blue" || len(p.Groups) != 1 {
		t.Errorf("alice: tags %v (known %v), groups %v", p.Tags, p.TagsKnown, p.Groups)
	}
	slr := m.Principal("arn:aws:iam::" + a + ":role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport")
	if slr == nil || !slr.ServiceLinked {
		t.Errorf("service-linked role not recognised: %+v", slr)
	}
	n := d.Snapshot.Node(alice)
	if n == nil || n.Kind != inventory.KindIAMUser || n.Account != a {
		t.Errorf("inventory node for alice: %+v", n)
	}
}

func TestMissingManagedPolicyIsAWarningAndMarksThePrincipal(t *testing.T) {
	d, err := LoadIAM(IAMInputs{Authz: []string{filepath.Join(fixtures, "authz-pages.json")}})
	if err != nil {
		t.Fatal(err)
	}
	var joined string
	for _, w := range d.Warnings {
		joined += w + "\n"
	}
	for _, want := range []string{"arn:aws:iam::aws:policy/NotInAnyInput", "arn:aws:iam::aws:policy/ReadOnlyAccess", "--managed-policies"} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings do not mention %s:\n%s", want, joined)
		}
	}
	bob := d.Model.Principal("arn:aws:iam::111122223333:user/bob")
	if len(bob.Incomplete) != 1 || !strings.Contains(bob.Incomplete[0], "NotInAnyInput") {
		t.Errorf("bob.Incomplete = %v", bob.Incomplete)
	}
	if inc, _ := d.Snapshot.Node(bob.ARN).Props["incomplete"].([]string); len(inc) != 1 {
		t.Errorf("inventory node does not carry the incompleteness: %v", d.Snapshot.Node(bob.ARN).Props)
	}
}

func TestBadAuthzInputNamesTheFileAndPlace(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(filepath.Join(fixtures, "authz-page2.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content string
		want    []string
	}{
		{"malformed JSON", "{\n  \"UserDetailList\": [,]\n}", []string{"bad.json:2:"}},
		{"a truncated file", string(good[:len(good)/2]), []string{"bad.json", "truncated"}},
		{"a truncated second page", string(good) + string(good[:100]), []string{"bad.json", "truncated JSON in page 2"}},
		{"an unknown condition operator", `{"UserDetailList":[{"UserName":"u","Arn":"arn:aws:iam::1:user/u","UserPolicyList":[{"PolicyName":"p","PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualsAny":{"k":"v"}}}]}}]}]}`,
			[]string{"bad.json", "UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement[1].Condition.StringEqualsAny", "unknown condition operator"}},
		{"a bad trust policy in a second page", string(good) + `{"RoleDetailList":[{"RoleName":"r","Arn":"arn:aws:iam::1:role/r","AssumeRolePolicyDocument":{"Statement":{"Effect":"Alow","Action":"sts:AssumeRole"}}}]}`,
			[]string{"bad.json: page 2: RoleDetailList[0].AssumeRolePolicyDocument.Statement.Effect"}},
		{"a wrong type", `{"UserDetailList":{"UserName":"u"}}`, []string{"bad.json:1:", "UserDetailList"}},
		{"not authorization details", `{"Users":[]}`, []string{"bad.json", "not the output of aws iam get-account-authorization-details"}},
		{"an empty file", ``, []string{"bad.json", "empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filepath.Join(dir, "bad.json")
			if err := os.WriteFile(f, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := LoadIAM(IAMInputs{Authz: []string{f}})
			if err == nil {
				t.Fatalf("no error; loaded %d principals", len(d.Model.Principals()))
			}
			if d != nil {
				t.Errorf("partial data returned with the error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestTheSameAccountGivenTwiceWarnsOnce(t *testing.T) {
	f := filepath.Join(fixtures, "authz-pages.json")
	d, err := LoadIAM(IAMInputs{Authz: []string{f, f}, ManagedPolicies: filepath.Join(fixtures, "managed-policies")})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.Model.Principals()); n != 5 {
		t.Errorf("got %d principals, want 5", n)
	}
	dup := 0
	for _, w := range d.Warnings {
		if strings.Contains(w, "already read") {
			dup++
			if !strings.Contains(w, "5 principals") {
				t.Errorf("warning: %s", w)
			}
		}
	}
	if dup != 1 {
		t.Errorf("got %d duplicate warnings, want 1: %v", dup, d.Warnings)
	}
}
