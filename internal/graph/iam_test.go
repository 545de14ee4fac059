package graph

import (
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/iam"
	"github.com/parapet-sec/parapet/internal/inventory"
)

func mustPolicy(t *testing.T, src, doc string) *iam.Policy {
	t.Helper()
	p, err := iam.ParsePolicy([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	p.Source = src
	return p
}

// TestIAMAccessDerivesDataEdgesForExposedPrincipalsOnly runs the real IAM
// engine: the exposed web role gets can_read to the table its policy names
// and nothing else; a role nothing exposed uses gets no edges at all.
func TestIAMAccessDerivesDataEdgesForExposedPrincipalsOnly(t *testing.T) {
	m := iam.NewModel()
	m.AddPrincipal(&iam.Principal{ARN: roleID, Kind: iam.KindRole, Name: "shop-web", Account: acct,
		Inline: []*iam.Policy{mustPolicy(t, "role/shop-web inline policy orders", `{"Version":"2012-10-17","Statement":[
			{"Sid":"ReadOrders","Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query"],"Resource":"arn:aws:dynamodb:us-east-1:111122223333:table/customer-orders"},
			{"Sid":"LaunchWorkers","Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}]}`)}})
	idle := "arn:aws:iam::111122223333:role/batch"
	m.AddPrincipal(&iam.Principal{ARN: idle, Kind: iam.KindRole, Name: "batch", Account: acct,
		Inline: []*iam.Policy{mustPolicy(t, "role/batch inline policy all", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}})

	e := newEstate()
	e.dropEdge(roleID, piiID, inventory.EdgeCanRead)
	e.dropEdge(roleID, logsID, inventory.EdgeCanWrite)
	orders := "arn:aws:dynamodb:us-east-1:111122223333:table/customer-orders"
	e.s.Add(&inventory.Node{ID: orders, Kind: inventory.KindDynamoDBTable, Name: "customer-orders", Account: acct})
	e.s.Add(&inventory.Node{ID: idle, Kind: inventory.KindIAMRole, Name: "batch", Account: acct})
	res, err := Analyze(e.s, Options{Access: IAMAccess{Model: m}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range res.Derived {
		if d.Kind == inventory.EdgeCanRead || d.Kind == inventory.EdgeCanWrite {
			got = append(got, d.From+" "+d.Kind+" "+d.To)
		}
	}
	want := roleID + " can_read " + orders
	if len(got) != 1 || got[0] != want {
		t.Fatalf("derived %v, want only %s", got, want)
	}
	var path *inventory.Finding
	for i, f := range res.Findings {
		if f.Check == CheckExposedPath {
			path = &res.Findings[i]
		}
	}
	if path == nil {
		t.Fatal("no attack path to the orders table")
	}
	if fix := path.Remediation; !strings.Contains(fix, "ReadOrders") || !strings.Contains(fix, "role/shop-web inline policy orders") {
		t.Errorf("the fix does not name the statement to narrow: %s", fix)
	}
}

func TestCostAbuseThroughIAMNeedsAnUnconditionalGrant(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		want      int
	}{
		{"RunInstances on * without a condition", `{"Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}]}`, 1},
		{"RunInstances limited by instance type", `{"Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*","Condition":{"StringEquals":{"ec2:InstanceType":"t3.micro"}}}]}`, 0},
		{"no launch permission", `{"Statement":[{"Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"}]}`, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := iam.NewModel()
			irsa := "arn:aws:iam::111122223333:role/fixit-bot"
			m.AddPrincipal(&iam.Principal{ARN: irsa, Kind: iam.KindRole, Name: "fixit-bot", Account: acct,
				Inline: []*iam.Policy{mustPolicy(t, "role/fixit-bot inline policy ops", tt.doc)}})
			e := newEstate().unbind()
			e.s.Add(&inventory.Node{ID: irsa, Kind: inventory.KindIAMRole, Name: "fixit-bot", Account: acct})
			e.s.Connect(saID, irsa, inventory.EdgeRunsAs, map[string]any{"via": "irsa"})
			res, err := Analyze(e.s, Options{Access: IAMAccess{Model: m}})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, f := range res.Findings {
				if f.Check == CheckAgentCostAbuse {
					n++
				}
			}
			if n != tt.want {
				t.Errorf("%d cost findings, want %d", n, tt.want)
			}
		})
	}
}

func TestPatternMatchIsAnIAMGlob(t *testing.T) {
	for _, tt := range []struct {
		p, s string
		want bool
	}{
		{"*", "arn:aws:s3:::b/*", true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/*", true},
		{"arn:aws:s3:::b/reports/*", "arn:aws:s3:::b/*", false},
		{"arn:aws:dynamodb:*:*:table/cust?mers", "arn:aws:dynamodb:us-east-1:1:table/customers", true},
		{"arn:aws:s3:::${aws:username}/*", "arn:aws:s3:::x/*", true},
		{"arn:aws:s3:::a*b", "arn:aws:s3:::axxbyb", true},
		{"arn:aws:s3:::a*b", "arn:aws:s3:::axxbyc", false},
	} {
		if got := patternMatch(tt.p, tt.s); got != tt.want {
			t.Errorf("patternMatch(%q, %q) = %v", tt.p, tt.s, got)
		}
	}
}

func TestAccessToPartOfABucketCounts(t *testing.T) {
	for _, tt := range []struct {
		name, resource string
		want           bool
	}{
		{"a prefix of the bucket", "arn:aws:s3:::acme-customer-pii/exports/*", true},
		{"the whole bucket", "arn:aws:s3:::acme-customer-pii/*", true},
		{"another bucket", "arn:aws:s3:::acme-other/*", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := iam.NewModel()
			m.AddPrincipal(&iam.Principal{ARN: roleID, Kind: iam.KindRole, Name: "shop-web", Account: acct,
				Inline: []*iam.Policy{mustPolicy(t, "role/shop-web inline policy exports", `{"Statement":[{"Sid":"Exports","Effect":"Allow","Action":"s3:GetObject","Resource":"`+tt.resource+`"}]}`)}})
			e := newEstate()
			e.dropEdge(roleID, piiID, inventory.EdgeCanRead)
			e.dropEdge(roleID, logsID, inventory.EdgeCanWrite)
			res, err := Analyze(e.s, Options{Access: IAMAccess{Model: m}})
			if err != nil {
				t.Fatal(err)
			}
			got := false
			for _, d := range res.Derived {
				if d.From == roleID && d.To == piiID && d.Kind == inventory.EdgeCanRead {
					got = true
				}
			}
			if got != tt.want {
				t.Errorf("can_read derived = %v, want %v", got, tt.want)
			}
		})
	}
}
