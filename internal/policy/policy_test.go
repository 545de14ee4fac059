package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/parapet-sec/parapet/internal/inventory"
	"github.com/parapet-sec/parapet/policies"
)

func load(t *testing.T, opts Options) *Engine {
	t.Helper()
	e, err := Load(context.Background(), opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return e
}

func TestBuiltinRegoTestsPass(t *testing.T) {
	rs, err := Test(context.Background(), TestOptions{Builtin: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) == 0 {
		t.Fatal("no Rego tests found in the built-in bundle")
	}
	for _, r := range rs {
		if !r.Pass {
			t.Errorf("%s:%d %s.%s failed %s %s", r.File, r.Line, r.Package, r.Name, r.Error, r.Output)
		}
	}
}

func TestEveryBuiltinCheckHasATestFile(t *testing.T) {
	e := load(t, Options{Builtin: true})
	rs, err := Test(context.Background(), TestOptions{Builtin: true})
	if err != nil {
		t.Fatal(err)
	}
	tested := map[string]bool{}
	for _, r := range rs {
		tested[strings.TrimSuffix(r.File, "_test.rego")+".rego"] = true
	}
	for _, c := range e.Checks() {
		if !tested[c.File] {
			t.Errorf("check %s (%s) has no %s", c.ID, c.File, strings.TrimSuffix(c.File, ".rego")+"_test.rego")
		}
	}
}

func TestAdmissionDeniesAPrivilegedPodWithAFieldAndAFix(t *testing.T) {
	e := load(t, Options{Builtin: true})
	req := `{"uid":"1","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","namespace":"ns",
	  "object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"ns"},
	  "spec":{"containers":[{"name":"app","image":"nginx","securityContext":{"privileged":true}}]}}}`
	res, err := e.Admission(context.Background(), []byte(req))
	if err != nil {
		t.Fatal(err)
	}
	if res.Allowed() {
		t.Fatal("privileged pod allowed")
	}
	var got *Result
	for i, r := range res.Denied {
		if r.Check.ID == "PAR-K8S-PSS-PRIVILEGED" {
			got = &res.Denied[i]
		}
	}
	if got == nil {
		t.Fatalf("no PAR-K8S-PSS-PRIVILEGED deny in %+v", res.Denied)
	}
	if got.Field != "spec.containers[0].securityContext.privileged" || !strings.Contains(got.Msg, "set it to false") {
		t.Errorf("deny = %+v, want the field and what to change", got)
	}
}

func TestSelectAndSkipChooseChecksByIDGlobAndPrefix(t *testing.T) {
	tests := []struct {
		name       string
		sel, skip  []string
		want, deny string
	}{
		{name: "a prefix selects the family", sel: []string{"par-k8s-pss"}, want: "PAR-K8S-PSS-PRIVILEGED"},
		{name: "a glob selects", sel: []string{"PAR-K8S-*"}, want: "PAR-K8S-PSS-PRIVILEGED"},
		{name: "skip by exact id removes it", skip: []string{"PAR-K8S-PSS-PRIVILEGED"}, deny: "PAR-K8S-PSS-PRIVILEGED"},
		{name: "a select matching nothing keeps nothing", sel: []string{"NOPE-*"}, deny: "PAR-K8S-PSS-PRIVILEGED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := load(t, Options{Builtin: true, Select: tt.sel, Skip: tt.skip})
			ids := map[string]bool{}
			for _, c := range e.Checks() {
				ids[c.ID] = true
			}
			if tt.want != "" && !ids[tt.want] {
				t.Errorf("%s not selected", tt.want)
			}
			if tt.deny != "" && ids[tt.deny] {
				t.Errorf("%s selected", tt.deny)
			}
		})
	}
}

func TestResourcesReadNeighboursFromTheInventory(t *testing.T) {
	e := load(t, Options{Dirs: []string{"testdata/user"}})
	snap := inventory.New()
	snap.Add(&inventory.Node{ID: "arn:aws:s3:::data", Kind: inventory.KindS3Bucket, Name: "data", Props: map[string]any{"public": true}, Source: "main.tf:12"})
	snap.Add(&inventory.Node{ID: "arn:aws:s3:::quiet", Kind: inventory.KindS3Bucket, Name: "quiet", Props: map[string]any{"public": true}, Tags: map[string]string{"a": "b"}})
	snap.Add(&inventory.Node{ID: "arn:aws:iam::1:role/agent", Kind: inventory.KindIAMRole})
	snap.Connect("arn:aws:iam::1:role/agent", "arn:aws:s3:::data", inventory.EdgeCanRead, nil)
	fs, err := e.Resources(context.Background(), snap)
	if err != nil {
		t.Fatal(err)
	}
	var deny, warn int
	for _, f := range fs {
		switch f.Evidence["rule"] {
		case "deny":
			deny++
			if f.Resources[0] != "arn:aws:s3:::data" || f.Severity != inventory.High || f.Location == nil || f.Location.Line != 12 {
				t.Errorf("deny finding = %+v", f)
			}
			if !strings.Contains(f.Evidence["message"].(string), "arn:aws:iam::1:role/agent") {
				t.Errorf("message %q does not name the reader", f.Evidence["message"])
			}
		case "warn":
			warn++
			if f.Severity != inventory.Info {
				t.Errorf("warn severity = %s, want info", f.Severity)
			}
		}
	}
	if deny != 1 || warn != 1 {
		t.Errorf("got %d deny and %d warn findings, want 1 and 1: %+v", deny, warn, fs)
	}
}

func TestToolCallVerdictsDenyBeatsApproveBeatsRedact(t *testing.T) {
	e := load(t, Options{Dirs: []string{"testdata/user"}})
	tests := []struct {
		name string
		in   ToolCallInput
		want Verdict
	}{
		{name: "a plain call is allowed", in: ToolCallInput{Tool: Tool{Name: "list"}}, want: Allow},
		{name: "a password argument is redacted", in: ToolCallInput{Tool: Tool{Name: "login"}, Arguments: map[string]any{"password": "x"}}, want: Redact},
		{name: "deleting a bucket needs approval", in: ToolCallInput{Tool: Tool{Name: "delete_bucket"}, Arguments: map[string]any{"bucket": "b", "password": "x"}}, want: Approve},
		{name: "a destructive tool in a tainted session is denied", in: ToolCallInput{Session: Session{Tainted: true}, Tool: Tool{Name: "delete_bucket", Labels: []string{"destructive"}}, Arguments: map[string]any{"bucket": "b"}}, want: Deny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := e.ToolCall(context.Background(), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if d.Verdict != tt.want {
				t.Fatalf("verdict = %s (%s), want %s", d.Verdict, d.Reason, tt.want)
			}
			if tt.want != Allow && d.Reason == "" {
				t.Error("no reason")
			}
		})
	}
}

func TestAPolicyErrorFailsClosedNamingTheFile(t *testing.T) {
	e := load(t, Options{Dirs: []string{"testdata/broken"}})
	res, err := e.Admission(context.Background(), []byte(`{"object":{"kind":"Pod"}}`))
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *Error", err)
	}
	if !strings.Contains(err.Error(), "conflict.rego") || pe.Check != "USER-BROKEN-001" {
		t.Errorf("error %q does not name the file and check", err)
	}
	if res.Allowed() {
		t.Error("policy error allowed the request")
	}
	d, err := e.ToolCall(context.Background(), ToolCallInput{})
	if err == nil || d.Verdict != Deny {
		t.Errorf("tool call on a policy error = %s, %v; want deny and an error", d.Verdict, err)
	}
	if _, err := e.Admission(context.Background(), []byte(`{not json`)); err == nil {
		t.Error("malformed request accepted")
	}
}

func TestLoadRejectsBadMetadataNamingTheFile(t *testing.T) {
	for _, dir := range []string{"testdata/nometa", "testdata/badsev"} {
		_, err := Load(context.Background(), Options{Dirs: []string{dir}})
		if err == nil || !strings.Contains(err.Error(), dir) {
			t.Errorf("%s: err = %v, want an error naming the file", dir, err)
		}
	}
}

func TestAUserCheckWithABuiltinIDReplacesIt(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/mine.rego", `# METADATA
# title: My privileged rule
# custom:
#   id: PAR-K8S-PSS-PRIVILEGED
#   severity: low
package mine.privileged

import rego.v1

deny contains "mine" if input.review.object.kind == "Pod"
`)
	e := load(t, Options{Builtin: true, Dirs: []string{dir}})
	res, err := e.Admission(context.Background(), []byte(`{"object":{"kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"a","securityContext":{"privileged":true}}]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Denied {
		if r.Check.ID == "PAR-K8S-PSS-PRIVILEGED" && r.Msg != "mine" {
			t.Errorf("built-in still answered: %+v", r)
		}
	}
	b, _ := json.Marshal(res)
	if !strings.Contains(string(b), `"msg":"mine"`) {
		t.Errorf("user check did not answer: %s", b)
	}
}

func TestResourceKindsReadTheKindTestsOfEveryRule(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"an equality", `deny contains "x" if { input.resource.kind == "aws.s3.bucket" }`, []string{"aws.s3.bucket"}},
		{"a reversed equality and a set", `deny contains "x" if { "aws.iam.role" == input.resource.kind }
warn contains "y" if { input.resource.kind in {"k8s.pod", "k8s.workload"} }`, []string{"aws.iam.role", "k8s.pod", "k8s.workload"}},
		{"a rule without a kind test", `deny contains "x" if { input.resource.kind == "a" }
deny contains "y" if { input.resource.props.public }`, nil},
		{"a negated test", `deny contains "x" if { not input.resource.kind == "a" }`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mod, err := ast.ParseModuleWithOpts("x.rego", "package x\n"+tt.src, ast.ParserOptions{RegoVersion: ast.RegoV1})
			if err != nil {
				t.Fatal(err)
			}
			got := resourceKinds(mod)
			sort.Strings(got)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || (got == nil) != (tt.want == nil) {
				t.Errorf("resourceKinds = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestResourcesSkipNodesNoCheckAnswersOn(t *testing.T) {
	e := load(t, Options{Dirs: []string{"testdata/user"}})
	if e.anyKind || !e.resourceKinds["aws.s3.bucket"] || e.kindQueries["aws.s3.bucket"] == nil || e.anyQuery != nil {
		t.Fatalf("anyKind %v, kinds %v, queries %v", e.anyKind, e.resourceKinds, e.kindQueries)
	}
	e2 := load(t, Options{Builtin: true, Select: []string{"PAR-K8S-PSS"}})
	if e2.hasResourceChecks {
		t.Error("admission-only checks counted as resource checks")
	}
	fs, err := e2.Resources(context.Background(), inventory.New())
	if err != nil || fs != nil {
		t.Errorf("Resources without resource checks = %v, %v", fs, err)
	}
}

func TestNodeValueIsTheNodesJSON(t *testing.T) {
	n := &inventory.Node{ID: "arn:aws:iam::1:role/r", Kind: inventory.KindIAMRole, Provider: "aws", Name: "r",
		Tags:  map[string]string{"team": "a"},
		Props: map[string]any{"n": 3, "list": []string{"a", "b"}, "nested": map[string]any{"x": true, "f": 1.5}, "typed": []map[string]any{{"k": "v"}}}}
	got, err := nodeValue(n)
	if err != nil {
		t.Fatal(err)
	}
	want, err := toValue(n)
	if err != nil {
		t.Fatal(err)
	}
	if got.Compare(want) != 0 {
		t.Errorf("nodeValue = %v\nJSON gives %v", got, want)
	}
}

func TestEveryBuiltinResourceCheckTestsTheNodeKind(t *testing.T) {
	mods, err := readFS(policies.FS, "policies", true, false)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range mods {
		if m.check == nil || !m.check.AppliesTo(KindResource) {
			continue
		}
		n++
		if resourceKinds(m.mod) == nil {
			t.Errorf("%s (%s): a deny or warn rule does not test input.resource.kind first, so every node of every kind is evaluated against it", m.check.ID, m.file)
		}
	}
	if n == 0 {
		t.Fatal("no built-in resource checks found")
	}
	e := load(t, Options{Builtin: true})
	if e.anyQuery != nil {
		t.Error("the built-in checks have a query for nodes of any kind")
	}
	for k := range e.resourceKinds {
		if e.kindQueries[k] == nil {
			t.Errorf("no query for node kind %s", k)
		}
	}
}
