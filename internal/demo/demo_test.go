package demo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/graph"
	"github.com/parapet-sec/parapet/internal/inventory"
	"github.com/parapet-sec/parapet/internal/scan"
)

func runDemo(t *testing.T) *scan.Result {
	t.Helper()
	res, err := Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func nodesOf(f inventory.Finding) []string {
	var out []string
	for i, e := range f.Path {
		if i == 0 {
			out = append(out, e.From)
		}
		out = append(out, e.To)
	}
	return out
}

func hasNode(f inventory.Finding, want string) bool {
	for _, n := range nodesOf(f) {
		if n == want {
			return true
		}
	}
	return false
}

// TestDemoRanksTheTwoWorkedExamplesFirst is the demo's promise: the top two
// findings are the DevOps agent (git -> cluster-admin -> secrets) and the
// public chatbot (internet -> role -> customer payment data and tools),
// each with its full path.
func TestDemoRanksTheTwoWorkedExamplesFirst(t *testing.T) {
	res := runDemo(t)
	if len(res.Findings) < 2 {
		t.Fatalf("%d findings", len(res.Findings))
	}
	devops, chatbot := res.Findings[0], res.Findings[1]

	t.Run("first: the DevOps agent reading git commits reaches secrets through cluster-admin", func(t *testing.T) {
		if devops.Check != graph.CheckAgentToxic || devops.Severity != inventory.Critical {
			t.Fatalf("first finding is %s %s: %s", devops.Severity, devops.Check, devops.Title)
		}
		first := devops.Path[0]
		if first.Kind != inventory.EdgeReadsUntrusted || first.To != graph.UntrustedID("git") || !strings.Contains(first.From, "devops-agent") {
			t.Errorf("path starts with %+v, want the agent reading git", first)
		}
		for _, n := range []string{
			"k8s://lumenfold-prod-eks/platform-agents/deployment/devops-agent",
			"k8s://lumenfold-prod-eks/platform-agents/serviceaccount/devops-agent",
			"k8s://lumenfold-prod-eks/payments/secret/payments-db-credentials",
		} {
			if !hasNode(devops, n) {
				t.Errorf("path %v lacks %s", nodesOf(devops), n)
			}
		}
		via, _ := devops.Evidence["admin_via"].([]string)
		if len(via) != 1 || !strings.Contains(via[0], "privileged pod") || !strings.Contains(via[0], "devops-agent-cluster-admin") {
			t.Errorf("admin evidence = %v, want the cluster-admin binding and the privileged pod it allows", via)
		}
		last := devops.Path[len(devops.Path)-1]
		if !strings.Contains(last.Props["binding"].(string), "devops-agent-cluster-admin") {
			t.Errorf("the secret is not reached through the cluster-admin binding: %v", last.Props)
		}
	})
	t.Run("second: the public chatbot's role reaches customer payment data and internal tools", func(t *testing.T) {
		if chatbot.Check != graph.CheckAgentToxic || chatbot.Severity != inventory.Critical {
			t.Fatalf("second finding is %s %s: %s", chatbot.Severity, chatbot.Check, chatbot.Title)
		}
		want := []string{
			inventory.InternetID,
			"k8s://lumenfold-prod-eks/customer-support/ingress/support-chatbot",
			"k8s://lumenfold-prod-eks/customer-support/deployment/support-chatbot",
			"arn:aws:iam::314159265358:role/support-chatbot-irsa",
			"arn:aws:dynamodb:us-east-1:314159265358:table/customer-payment-methods",
		}
		for _, n := range want {
			if !hasNode(chatbot, n) {
				t.Errorf("path %v lacks %s", nodesOf(chatbot), n)
			}
		}
		tools, _ := chatbot.Evidence["tools"].([]string)
		if strings.Join(tools, ",") != "arn:aws:lambda:us-east-1:314159265358:function:account-lookup,arn:aws:lambda:us-east-1:314159265358:function:refund-issuer" {
			t.Errorf("internal tools in evidence = %v", tools)
		}
		if !strings.Contains(chatbot.Remediation, "CustomerLookup") {
			t.Errorf("the fix does not name the statement to narrow: %s", chatbot.Remediation)
		}
	})
	t.Run("the labelling vendor reaches raw customer data through a trust without sts:ExternalId", func(t *testing.T) {
		var f *inventory.Finding
		for i := range res.Findings {
			if res.Findings[i].Check == graph.CheckOutsiderPath {
				f = &res.Findings[i]
			}
		}
		if f == nil {
			t.Fatal("no outsider path")
		}
		if f.Path[0].From != "arn:aws:iam::466839212117:root" || f.Path[len(f.Path)-1].To != "arn:aws:s3:::lumenfold-datalake-raw" {
			t.Errorf("path %v", nodesOf(*f))
		}
	})
	t.Run("the ranking is by severity, then risk score", func(t *testing.T) {
		for i := 1; i < len(res.Findings); i++ {
			a, b := res.Findings[i-1], res.Findings[i]
			if a.Severity.Rank() < b.Severity.Rank() || (a.Severity == b.Severity && graph.RiskScore(a) < graph.RiskScore(b)) {
				t.Errorf("finding %d (%s %d) ranks above %d (%s %d)", i, a.Severity, graph.RiskScore(a), i+1, b.Severity, graph.RiskScore(b))
			}
		}
	})
}

func TestDemoSummaryShowsThePaths(t *testing.T) {
	res := runDemo(t)
	var b bytes.Buffer
	if err := Summary(&b, res, 2); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"1. [CRITICAL] PAR-AGENT-001  Agent devops-agent",
		"--reads untrusted input from-->  untrusted:git",
		"k8s.serviceaccount devops-agent  --can_read-->  k8s.secret payments-db-credentials",
		"2. [CRITICAL] PAR-AGENT-001  Agent support-chatbot",
		"aws.iam.role support-chatbot-irsa  --can_read-->  aws.dynamodb.table customer-payment-methods",
		"Other findings:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

func TestExtractWritesTheRealFormats(t *testing.T) {
	dir := t.TempDir()
	if err := Extract(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{
		"aws/lumenfold-prod/us-east-1/iam-get-account-authorization-details.json",
		"aws/lumenfold-data/us-east-1/s3-list-buckets.json",
		"aws/lumenfold-security/us-east-1/sts-get-caller-identity.json",
		"k8s/lumenfold-prod-eks/rbac.json",
	} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	res, err := scan.Run(context.Background(), Inputs(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) == 0 {
		t.Error("the extracted demo scans to nothing")
	}
}

// TestTheREADMEShowsTheDemosOutput keeps the README's excerpt of the demo
// true: its lines are the output's, and each fix it quotes (after "...",
// rewrapped) is in the output's fix line.
func TestTheREADMEShowsTheDemosOutput(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```text\n")
	excerpt, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no text block in README.md")
	}
	var b bytes.Buffer
	if err := Summary(&b, runDemo(t), 2); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	space := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	var fix []string
	check := func() {
		if len(fix) > 0 {
			q := space(strings.Join(fix, " "))
			for _, part := range strings.Split(q, "...") {
				if p := strings.TrimSpace(part); p != "" && !strings.Contains(space(out), p) {
					t.Errorf("README quotes a fix the demo does not print: %q", p)
				}
			}
			fix = nil
		}
	}
	for _, line := range strings.Split(excerpt, "\n") {
		switch trimmed := strings.TrimSpace(line); {
		case strings.HasPrefix(trimmed, "fix:"):
			check()
			fix = append(fix, strings.TrimPrefix(trimmed, "fix:"))
		case fix != nil && strings.HasPrefix(line, "        "):
			fix = append(fix, trimmed)
		default:
			check()
			if trimmed != "" && !strings.Contains(out, line) {
				t.Errorf("README shows a line the demo does not print: %q", line)
			}
		}
	}
	check()
}
