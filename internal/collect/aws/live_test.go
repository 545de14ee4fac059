package aws

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
)

func TestManagedPolicyFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:Get*"],"Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`
	for _, form := range []struct{ name, doc string }{{"plain", doc}, {"url-encoded", url.PathEscape(doc)}} {
		t.Run(form.name, func(t *testing.T) {
			arn := "arn:aws:iam::aws:policy/service-role/Logs" + form.name
			path, err := WriteManagedPolicy(dir, ManagedPolicyVersion{ARN: arn, VersionID: "v3", Created: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Document: form.doc})
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Base(path) != "Logs"+form.name {
				t.Errorf("file named %s, want the policy name", filepath.Base(path))
			}
			p, err := ReadManagedPolicy(dir, arn)
			if err != nil {
				t.Fatal(err)
			}
			if p.Source != arn || len(p.Statements) != 1 || p.Statements[0].Action[0] != "logs:Get*" || p.Statements[0].Condition["Bool"]["aws:SecureTransport"][0] != "true" {
				t.Errorf("read back: %+v", p.Statements[0])
			}
		})
	}
	if _, err := WriteManagedPolicy(dir, ManagedPolicyVersion{ARN: "arn:aws:iam::aws:policy/Bad", Document: `{"Statement":{"Effect":"Maybe"}}`}); err == nil {
		t.Error("an invalid document was written")
	}
	if _, err := os.Stat(filepath.Join(dir, "Bad")); err == nil {
		t.Error("a file was left for the invalid document")
	}
}

func TestReadManagedPolicyFromTheSharedFolder(t *testing.T) {
	dir := "../../../../shared/data/aws-managed-policies/policies"
	needData(t, dir)
	p, err := ReadManagedPolicy(dir, "arn:aws:iam::aws:policy/AIOpsReadOnlyAccess")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Statements) == 0 {
		t.Error("no statements")
	}
}

// iamEndpoint answers the IAM query API (ListPolicies, GetPolicyVersion) in
// its XML wire format, for the SDK client that FetchManagedPolicies uses.
func iamEndpoint(t *testing.T, docs map[string]string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		const ns = `xmlns="https://iam.amazonaws.com/doc/2010-05-08/"`
		switch r.Form.Get("Action") {
		case "ListPolicies":
			if r.Form.Get("Scope") != "AWS" {
				t.Errorf("ListPolicies scope %q, want AWS", r.Form.Get("Scope"))
			}
			names := []string{"AlphaAccess", "BetaAccess"}
			truncated, marker := "true", "<Marker>page2</Marker>"
			if r.Form.Get("Marker") == "page2" {
				names, truncated, marker = []string{"GammaAccess"}, "false", ""
			}
			var members strings.Builder
			for _, n := range names {
				fmt.Fprintf(&members, `<member><PolicyName>%s</PolicyName><DefaultVersionId>v2</DefaultVersionId><Arn>arn:aws:iam::aws:policy/%s</Arn><Path>/</Path></member>`, n, n)
			}
			fmt.Fprintf(w, `<ListPoliciesResponse %s><ListPoliciesResult><IsTruncated>%s</IsTruncated>%s<Policies>%s</Policies></ListPoliciesResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></ListPoliciesResponse>`, ns, truncated, marker, members.String())
		case "GetPolicyVersion":
			arn := r.Form.Get("PolicyArn")
			name := arn[strings.LastIndexByte(arn, '/')+1:]
			if r.Form.Get("VersionId") != "v2" {
				t.Errorf("GetPolicyVersion %s version %q, want the default v2", arn, r.Form.Get("VersionId"))
			}
			fmt.Fprintf(w, `<GetPolicyVersionResponse %s><GetPolicyVersionResult><PolicyVersion><Document>%s</Document><VersionId>v2</VersionId><IsDefaultVersion>true</IsDefaultVersion><CreateDate>2025-01-01T00:00:00Z</CreateDate></PolicyVersion></GetPolicyVersionResult><ResponseMetadata><RequestId>2</RequestId></ResponseMetadata></GetPolicyVersionResponse>`, ns, url.PathEscape(docs[name]))
		default:
			http.Error(w, "unexpected action "+r.Form.Get("Action"), 400)
		}
	}))
}

func TestFetchManagedPoliciesWritesWhatLoadIAMReads(t *testing.T) {
	docs := map[string]string{
		"AlphaAccess": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}`,
		"BetaAccess":  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}`,
		"GammaAccess": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}`,
	}
	srv := iamEndpoint(t, docs)
	defer srv.Close()
	client := awsiam.New(awsiam.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "test-secret", ""),
	})
	dir := t.TempDir()
	var seen []string
	n, err := FetchManagedPolicies(context.Background(), client, dir, func(arn string) { seen = append(seen, arn) })
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || len(seen) != 3 {
		t.Fatalf("wrote %d policies (%v), want 3 across two pages", n, seen)
	}
	for name, doc := range docs {
		p, err := ReadManagedPolicy(dir, "arn:aws:iam::aws:policy/"+name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(doc, p.Statements[0].Action[0]) {
			t.Errorf("%s: read back action %s", name, p.Statements[0].Action[0])
		}
	}
}
