package graph

import (
	"reflect"
	"sort"
	"testing"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// TestUntrustedSignalsLabelledWorkloads is the labelled table of workloads
// and the untrusted content the documented rules say they read.
func TestUntrustedSignalsLabelledWorkloads(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]any
		want  []string
	}{
		{"a GitHub MCP sidecar reads git", map[string]any{"containers": []any{
			map[string]any{"name": "github-mcp", "image": "ghcr.io/github/github-mcp-server:v0.9.1", "args": []any{"http"}}}}, []string{"git"}},
		{"a repository watcher reads git and issue comments", map[string]any{"containers": []any{
			map[string]any{"image": "ghcr.io/acme/devops-agent:1.2", "command": []any{"python", "-m", "agent"}, "args": []any{"--watch", "github.com/acme/infra", "--events", "push,issue_comment"}}}}, []string{"git", "issues"}},
		{"a PagerDuty token means alerts", map[string]any{"env": []any{"PAGERDUTY_TOKEN", "OPENAI_API_KEY"}}, []string{"alerts"}},
		{"a search API key means the public web", map[string]any{"env": []string{"TAVILY_API_KEY"}}, []string{"public web"}},
		{"a mailbox reader reads email", map[string]any{"env": []string{"IMAP_HOST", "IMAP_PASSWORD"}}, []string{"email"}},
		{"a Slack bot reads chat", map[string]any{"env": []string{"SLACK_BOT_TOKEN"}}, []string{"chat"}},
		{"a Zendesk integration reads tickets", map[string]any{"env": []string{"ZENDESK_API_TOKEN"}}, []string{"tickets"}},
		{"SMTP is a way out, not a way in", map[string]any{"env": []string{"SMTP_HOST", "SMTP_PASSWORD"}}, nil},
		{"a batch job with only a model key reads nothing untrusted", map[string]any{"env": []string{"OPENAI_API_KEY", "DATABASE_URL"}, "images": []string{"acme/report-builder:3"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := untrustedSignals(&inventory.Node{Kind: inventory.KindK8sWorkload, Props: tt.props})
			var srcs []string
			for s := range got {
				srcs = append(srcs, s)
			}
			sort.Strings(srcs)
			if !reflect.DeepEqual(srcs, tt.want) {
				t.Errorf("sources = %v (%v), want %v", srcs, got, tt.want)
			}
		})
	}
}

func TestAgentReadingGitByConfigurationIsAToxicCombination(t *testing.T) {
	e := newEstate()
	e.dropEdge(agentID, gitID, inventory.EdgeReadsUntrusted)
	e.node(podID).Props["env"] = []string{"GITHUB_TOKEN", "ANTHROPIC_API_KEY"}
	fs := e.findings(t, CheckAgentToxic)
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1", len(fs))
	}
	first := fs[0].Path[0]
	if first.Kind != inventory.EdgeReadsUntrusted || first.To != UntrustedID("git") {
		t.Errorf("path starts with %+v, want reads_untrusted to %s", first, UntrustedID("git"))
	}
	if sig, _ := first.Props["signals"].([]string); len(sig) != 1 || sig[0] != "env GITHUB_TOKEN" {
		t.Errorf("evidence signals = %v", first.Props["signals"])
	}
}
