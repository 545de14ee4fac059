package aws

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/inventory"
)

func demoSnapshot(t *testing.T) *inventory.Snapshot {
	t.Helper()
	if _, err := os.Stat(demoAccount); err != nil {
		t.Skipf("CloudMapper demo account not found at %s (../shared/data is absent): %v", demoAccount, err)
	}
	snap, err := CollectResources(demoAccount)
	if err != nil {
		t.Fatalf("CollectResources: %v", err)
	}
	return snap
}

func hasEdge(snap *inventory.Snapshot, from, to, kind string) *inventory.Edge {
	for _, e := range snap.Edges {
		if e.From == from && e.To == to && e.Kind == kind {
			return e
		}
	}
	return nil
}

func TestCloudMapperDemoAccount(t *testing.T) {
	snap := demoSnapshot(t)
	const acct = "123456789012"

	t.Run("role bad_role is a node", func(t *testing.T) {
		n := snap.Node("arn:aws:iam::" + acct + ":role/bad_role")
		if n == nil || n.Kind != inventory.KindIAMRole || n.Name != "bad_role" {
			t.Fatalf("bad_role: got %+v", n)
		}
	})
	t.Run("bucket cloudmapper_demo is publicly readable through its policy", func(t *testing.T) {
		id := "arn:aws:s3:::cloudmapper_demo"
		n := snap.Node(id)
		if n == nil || n.Kind != inventory.KindS3Bucket {
			t.Fatalf("bucket: got %+v", n)
		}
		if n.Props["public_read"] != true || n.Props["public_write"] != false {
			t.Errorf("public_read/public_write = %v/%v, want true/false", n.Props["public_read"], n.Props["public_write"])
		}
		e := hasEdge(snap, inventory.InternetID, id, inventory.EdgeCanRead)
		if e == nil || e.Props["via"] != "bucket_policy" {
			t.Fatalf("internet can_read bucket edge missing or wrong: %+v", e)
		}
		stmts := e.Props["statements"].([]map[string]any)
		if len(stmts) != 1 || stmts[0]["Sid"] != "PublicReadGetObject" {
			t.Errorf("evidence statements = %v", stmts)
		}
	})
	for _, lb := range []struct{ name, id, typ string }{
		{"weblb", "arn:aws:elasticloadbalancing:us-east-1:" + acct + ":loadbalancer/weblb", "classic"},
		{"webalb", "arn:aws:elasticloadbalancing:us-east-1:" + acct + ":loadbalancer/app/demo/qwerty", "application"},
	} {
		t.Run("load balancer "+lb.name+" is internet-facing behind a group open to 0.0.0.0/0", func(t *testing.T) {
			n := snap.Node(lb.id)
			if n == nil || n.Name != lb.name || n.Props["type"] != lb.typ || n.Props["internet_facing"] != true {
				t.Fatalf("got %+v", n)
			}
			e := hasEdge(snap, inventory.InternetID, lb.id, inventory.EdgeReaches)
			if e == nil {
				t.Fatal("no internet reaches edge")
			}
			rules := e.Props["rules"].([]map[string]any)
			if len(rules) == 0 || rules[0]["source"] != "0.0.0.0/0" || rules[0]["security_group"] != "sg-00000003" || rules[0]["ports"] != "tcp/443" {
				t.Errorf("evidence rules = %v", rules)
			}
		})
	}
	t.Run("weblb routes to its registered instance", func(t *testing.T) {
		lb := "arn:aws:elasticloadbalancing:us-east-1:" + acct + ":loadbalancer/weblb"
		if hasEdge(snap, lb, "arn:aws:ec2:us-east-1:"+acct+":instance/i-00000000000000002", inventory.EdgeRoutesTo) == nil {
			t.Error("missing routes_to edge")
		}
	})
	t.Run("instances that set HttpTokens optional allow IMDSv1", func(t *testing.T) {
		var allow []string
		for _, n := range snap.Nodes {
			if n.Kind == inventory.KindEC2Instance && n.Props["imdsv1_allowed"] == true && n.Props["imds_hop_limit"] == 1 {
				allow = append(allow, n.Name)
			}
		}
		// The bastion has no MetadataOptions: collected before IMDSv2 existed,
		// it allows IMDSv1 too.
		if got := strings.Join(allow, ","); got != "Bastion,Web1,Web2" {
			t.Errorf("IMDSv1 instances = %s, want Bastion,Web1,Web2", got)
		}
	})
	t.Run("the bastion is not reachable: its group allows SSH from two offices only", func(t *testing.T) {
		id := "arn:aws:ec2:us-east-1:" + acct + ":instance/i-00000000000000000"
		if e := hasEdge(snap, inventory.InternetID, id, inventory.EdgeReaches); e != nil {
			t.Errorf("unexpected reaches edge %+v", e)
		}
		if snap.Node(id).Props["public_ip"] != "1.2.3.4" {
			t.Errorf("public_ip = %v", snap.Node(id).Props["public_ip"])
		}
	})
	t.Run("SNS topic demo_public is open to everyone and demo_private is not", func(t *testing.T) {
		pub := snap.Node("arn:aws:sns:us-east-1:" + acct + ":demo_public")
		priv := snap.Node("arn:aws:sns:us-east-1:" + acct + ":demo_private")
		if pub == nil || priv == nil {
			t.Fatalf("topics missing: %v %v", pub, priv)
		}
		if pub.Props["public_write"] != true || pub.Props["policy"] == "" {
			t.Errorf("demo_public props = %v", pub.Props)
		}
		if priv.Props["public_write"] != false || priv.Props["public_read"] != false {
			t.Errorf("demo_private (conditioned on SourceOwner) props = %v", priv.Props)
		}
	})
	t.Run("the Fargate task is reachable through its public network interface", func(t *testing.T) {
		task := "arn:aws:ecs:us-east-1:" + acct + ":task/d190d14a-2404-45d6-9113-4eda22d7f2c7"
		e := hasEdge(snap, inventory.InternetID, task, inventory.EdgeReaches)
		if e == nil || e.Props["public_ip"] != "3.80.3.41" {
			t.Errorf("reaches edge = %+v", e)
		}
	})
	t.Run("egress open to the internet is recorded with the group's rule", func(t *testing.T) {
		web1 := snap.Node("arn:aws:ec2:us-east-1:" + acct + ":instance/i-00000000000000001")
		if web1.Props["egress_internet"] != true || web1.Props["egress_rule"] != "sg-00000004 egress all to 0.0.0.0/0" {
			t.Errorf("Web1 egress = %v / %v", web1.Props["egress_internet"], web1.Props["egress_rule"])
		}
		task := snap.Node("arn:aws:ecs:us-east-1:" + acct + ":task/d190d14a-2404-45d6-9113-4eda22d7f2c7")
		if task.Props["egress_internet"] != true {
			t.Errorf("task egress = %v", task.Props["egress_internet"])
		}
		fn := snap.Node("arn:aws:lambda:us-east-1:" + acct + ":function:invpclambda")
		if _, ok := fn.Props["egress_internet"]; ok {
			t.Errorf("a function whose group was not collected has egress_internet = %v", fn.Props["egress_internet"])
		}
	})
	t.Run("the lambda runs as its execution role", func(t *testing.T) {
		if hasEdge(snap, "arn:aws:lambda:us-east-1:"+acct+":function:invpclambda",
			"arn:aws:iam::"+acct+":role/service-role/invpclambda", inventory.EdgeRunsAs) == nil {
			t.Error("missing runs_as edge")
		}
		if snap.Node("arn:aws:iam::"+acct+":role/service-role/invpclambda") == nil {
			t.Error("the role an edge points at has no node")
		}
	})
	t.Run("the publicly accessible Redshift cluster is not reachable: its group admits two offices only", func(t *testing.T) {
		id := "arn:aws:redshift:us-east-1:" + acct + ":cluster:redshift-cluster-1"
		n := snap.Node(id)
		if n == nil || n.Props["publicly_accessible"] != true {
			t.Fatalf("cluster = %+v", n)
		}
		if hasEdge(snap, inventory.InternetID, id, inventory.EdgeReaches) != nil {
			t.Error("unexpected reaches edge")
		}
	})
	t.Run("the VPC OpenSearch domain's open policy is flagged but not public", func(t *testing.T) {
		id := "arn:aws:es:us-east-1:" + acct + ":domain/myvpcdomain"
		n := snap.Node(id)
		if n == nil || n.Props["open_policy_in_vpc"] != true || n.Props["public_read"] != false {
			t.Fatalf("domain = %+v", n)
		}
	})
	t.Run("the ECR repository policy lets anyone pull", func(t *testing.T) {
		n := snap.Node("arn:aws:ecr:us-east-1:" + acct + ":repository/cloudmapper")
		if n == nil || n.Props["public_read"] != true {
			t.Errorf("repository = %+v", n)
		}
	})
}

func TestCollectResourcesIsDeterministic(t *testing.T) {
	a, b := demoSnapshot(t), demoSnapshot(t)
	var x, y strings.Builder
	if err := a.Encode(&x); err != nil {
		t.Fatal(err)
	}
	if err := b.Encode(&y); err != nil {
		t.Fatal(err)
	}
	if x.String() != y.String() {
		t.Error("two collections of the same account encode differently")
	}
}

func TestMalformedFileIsAnErrorNamingIt(t *testing.T) {
	dir := t.TempDir()
	region := filepath.Join(dir, "us-east-1")
	if err := os.MkdirAll(filepath.Join(region, "s3-get-bucket-policy"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(region, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("s3-list-buckets.json", `{"Buckets":[{"Name":"b"}]}`)
	write("s3-get-bucket-policy/b", "{\n  \"Policy\": 3\n}")
	_, err := CollectResources(dir)
	if err == nil || !strings.Contains(err.Error(), filepath.Join("s3-get-bucket-policy", "b")+":2:") {
		t.Fatalf("error = %v, want one naming s3-get-bucket-policy/b line 2", err)
	}
}

func TestMissingFilesGiveASmallerInventory(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "eu-west-1"), 0o755); err != nil {
		t.Fatal(err)
	}
	snap, err := CollectResources(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Nodes) != 0 {
		t.Errorf("nodes = %d, want 0", len(snap.Nodes))
	}
}
