package scan

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// cloudMapperDemo is CloudMapper's demo account, from the repository root's
// ../shared/data.
const cloudMapperDemo = "../../../shared/data/aws-account-demo/account-data"

func scanDemoAccount(t *testing.T) *Result {
	t.Helper()
	if _, err := os.Stat(cloudMapperDemo); err != nil {
		t.Skipf("CloudMapper demo account not found at %s (../shared/data is absent): %v", cloudMapperDemo, err)
	}
	res, err := Run(context.Background(), Inputs{AWS: []string{cloudMapperDemo}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func has(fs []inventory.Finding, check, resource string) *inventory.Finding {
	for i, f := range fs {
		if f.Check == check && len(f.Resources) > 0 && f.Resources[0] == resource {
			return &fs[i]
		}
	}
	return nil
}

func TestCloudMapperDemoAccountScansToTheKnownFindings(t *testing.T) {
	res := scanDemoAccount(t)
	const acct = "123456789012"
	tests := []struct {
		name, check, resource, msg string
	}{
		{"role bad_role is assumable by any principal", "PAR-AWS-IAM-010", "arn:aws:iam::" + acct + ":role/bad_role", "can be assumed by any principal"},
		{"bucket cloudmapper_demo is readable by anyone through its policy", "PAR-AWS-S3-001", "arn:aws:s3:::cloudmapper_demo", "read by anyone"},
		{"internet-facing weblb is behind a group open to 0.0.0.0/0", "PAR-AWS-ELB-001", "arn:aws:elasticloadbalancing:us-east-1:" + acct + ":loadbalancer/weblb", "from 0.0.0.0/0"},
		{"internet-facing webalb is behind a group open to 0.0.0.0/0", "PAR-AWS-ELB-001", "arn:aws:elasticloadbalancing:us-east-1:" + acct + ":loadbalancer/app/demo/qwerty", "from 0.0.0.0/0"},
		{"instance Bastion allows IMDSv1", "PAR-AWS-EC2-001", "arn:aws:ec2:us-east-1:" + acct + ":instance/i-00000000000000000", "allows IMDSv1"},
		{"instance Web1 allows IMDSv1", "PAR-AWS-EC2-001", "arn:aws:ec2:us-east-1:" + acct + ":instance/i-00000000000000001", "allows IMDSv1"},
		{"instance Web2 allows IMDSv1", "PAR-AWS-EC2-001", "arn:aws:ec2:us-east-1:" + acct + ":instance/i-00000000000000002", "allows IMDSv1"},
		{"SNS topic demo_public is open to everyone", "PAR-AWS-SNS-001", "arn:aws:sns:us-east-1:" + acct + ":demo_public", "open to anyone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := has(res.Findings, tt.check, tt.resource)
			if f == nil {
				t.Fatalf("no %s finding on %s", tt.check, tt.resource)
			}
			if msg, _ := f.Evidence["message"].(string); !strings.Contains(msg+f.Title, tt.msg) {
				t.Errorf("finding says %q / %q, want it to say %q", f.Title, msg, tt.msg)
			}
		})
	}
	t.Run("anyone can assume bad_role and with it administer the account", func(t *testing.T) {
		f := has(res.Findings, "PAR-PATH-001", "arn:aws:iam::"+acct+":role/bad_role")
		if f == nil {
			t.Fatal("no attack path from bad_role")
		}
		if len(f.Path) != 2 || f.Path[0].Kind != "can_assume" || f.Path[1].Kind != "admin_of" || f.Severity != inventory.Critical {
			t.Errorf("path %+v (%s), want internet -can_assume-> bad_role -admin_of-> account, critical", f.Path, f.Severity)
		}
	})
	t.Run("the private SNS topic and the fourth instance are not reported", func(t *testing.T) {
		if f := has(res.Findings, "PAR-AWS-SNS-001", "arn:aws:sns:us-east-1:"+acct+":demo_private"); f != nil {
			t.Error("demo_private, limited to its owner, is reported as public")
		}
		if f := has(res.Findings, "PAR-AWS-EC2-001", "arn:aws:ec2:us-east-1:"+acct+":instance/i-00000000000000003"); f != nil {
			t.Error("an instance requiring IMDSv2 is reported")
		}
	})
}

func TestSnapshotIsByteIdenticalAcrossRuns(t *testing.T) {
	var out [2]bytes.Buffer
	for i := range out {
		res := scanDemoAccount(t)
		if err := res.Snapshot.Encode(&out[i]); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(out[0].Bytes(), out[1].Bytes()) {
		t.Error("two scans of the same input wrote different snapshots")
	}
	if out[0].Len() < 1000 || !bytes.Contains(out[0].Bytes(), []byte(`"schema": "parapet.snapshot/v1"`)) {
		t.Errorf("snapshot looks empty: %d bytes", out[0].Len())
	}
}

func TestRunRejectsEmptyInputsAndNamesBadFiles(t *testing.T) {
	if _, err := Run(context.Background(), Inputs{}); err == nil {
		t.Error("a scan of nothing succeeded")
	}
	dir := t.TempDir()
	os.MkdirAll(dir+"/acct/us-east-1", 0o755)
	os.WriteFile(dir+"/acct/us-east-1/ec2-describe-instances.json", []byte(`{"Reservations": [`), 0o644)
	_, err := Run(context.Background(), Inputs{AWS: []string{dir + "/acct"}})
	if err == nil || !strings.Contains(err.Error(), "ec2-describe-instances.json") {
		t.Errorf("error %v does not name the malformed file", err)
	}
}

func TestScanWarnsOfIncompleteIAMInput(t *testing.T) {
	authz := t.TempDir() + "/authz.json"
	os.WriteFile(authz, []byte(`{"UserDetailList":[{"UserName":"bob","UserId":"AIDAEXAMPLEBOB","Path":"/","Arn":"arn:aws:iam::111122223333:user/bob",
		"AttachedManagedPolicies":[{"PolicyName":"Ops","PolicyArn":"arn:aws:iam::111122223333:policy/Ops"}]}],"GroupDetailList":[],"RoleDetailList":[],"Policies":[]}`), 0o600)
	res, err := Run(context.Background(), Inputs{Authz: []string{authz}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "arn:aws:iam::111122223333:policy/Ops") {
		t.Fatalf("warnings %q", res.Warnings)
	}
}
