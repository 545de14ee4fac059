package graph

import (
	"sort"
	"strings"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// UntrustedSource is one rule for what an agent reads that an attacker can
// write: content that reaches its context window without a human vetting
// it, the carrier of indirect prompt injection. A workload matches when its
// configuration shows any one signal.
type UntrustedSource struct {
	// Source names the kind of content: "git", "issues", "email", "alerts",
	// "chat", "tickets", "public web".
	Source string
	// Env are environment variable names; a trailing "*" matches a prefix.
	Env []string
	// Images are substrings of a container image reference.
	Images []string
	// Args are substrings of a container's command line.
	Args []string
}

// UntrustedSources is the table docs/scan.md documents. Sending channels
// (SMTP, webhooks) are not here: they are ways out, not ways in.
var UntrustedSources = []UntrustedSource{
	{Source: "git",
		Env:    []string{"GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PERSONAL_ACCESS_TOKEN", "GITHUB_REPOSITORY", "GITHUB_APP_ID", "GITLAB_TOKEN", "GITLAB_PRIVATE_TOKEN", "BITBUCKET_*", "GIT_REPO_URL"},
		Images: []string{"github-mcp-server", "gitlab-mcp", "mcp/git", "mcp-server-git"},
		Args:   []string{"github.com/", "gitlab.com/", "bitbucket.org/", "pull_request", "--watch-repo"}},
	{Source: "issues",
		Env:    []string{"JIRA_API_TOKEN", "JIRA_URL", "LINEAR_API_KEY", "YOUTRACK_TOKEN"},
		Images: []string{"jira-mcp", "linear-mcp", "atlassian-mcp"},
		Args:   []string{"issue_comment", "--issues"}},
	{Source: "email",
		Env:    []string{"IMAP_*", "GMAIL_*", "OUTLOOK_*", "MS_GRAPH_*", "EXCHANGE_*"},
		Images: []string{"gmail-mcp", "imap-mcp", "outlook-mcp"},
		Args:   []string{"imap://", "imaps://", "--inbox"}},
	{Source: "alerts",
		Env:    []string{"PAGERDUTY_*", "OPSGENIE_*", "ALERTMANAGER_URL", "SENTRY_AUTH_TOKEN", "DATADOG_APP_KEY"},
		Images: []string{"pagerduty-mcp", "opsgenie", "alertmanager-webhook"},
		Args:   []string{"--alerts", "alertmanager"}},
	{Source: "chat",
		Env:    []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DISCORD_TOKEN", "DISCORD_BOT_TOKEN", "TEAMS_APP_ID", "TELEGRAM_BOT_TOKEN"},
		Images: []string{"slack-mcp", "mcp/slack", "discord-mcp"}},
	{Source: "tickets",
		Env:    []string{"ZENDESK_*", "INTERCOM_*", "FRESHDESK_*", "HELPSCOUT_*"},
		Images: []string{"zendesk-mcp"}},
	{Source: "public web",
		Env:    []string{"TAVILY_API_KEY", "SERPAPI_API_KEY", "BRAVE_API_KEY", "BING_SEARCH_*", "FIRECRAWL_API_KEY", "EXA_API_KEY", "BROWSERLESS_*", "JINA_API_KEY"},
		Images: []string{"mcp/fetch", "mcp-server-fetch", "playwright", "puppeteer", "browserless", "mcp/puppeteer"},
		Args:   []string{"--allow-web", "web_search", "fetch_url"}},
}

// UntrustedID is the ID of the node standing for one kind of untrusted
// content in derived reads_untrusted edges ("untrusted:git").
func UntrustedID(source string) string { return "untrusted:" + source }

// matchEnv matches a variable name against a rule's names.
func matchEnv(patterns []string, name string) bool {
	name = strings.ToUpper(name)
	for _, p := range patterns {
		if pre, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(name, pre) {
				return true
			}
		} else if name == p {
			return true
		}
	}
	return false
}

// workloadSignals gathers what the rules read from a compute node: its
// environment variable names, images and command lines, from the props the
// collectors write (env, images, containers).
func workloadSignals(n *inventory.Node) (env, images, cmdlines []string) {
	env = asStrings(n.Props["env"])
	images = asStrings(n.Props["images"])
	for _, c := range asSlice(n.Props["containers"]) {
		m := asMap(c)
		if m == nil {
			continue
		}
		if img, ok := m["image"].(string); ok {
			images = append(images, img)
		}
		env = append(env, asStrings(m["env"])...)
		line := append(asStrings(m["command"]), asStrings(m["entrypoint"])...)
		line = append(line, asStrings(m["args"])...)
		if len(line) > 0 {
			cmdlines = append(cmdlines, strings.Join(line, " "))
		}
	}
	return env, images, cmdlines
}

// untrustedSignals returns, by source, the signals in n's configuration
// that show it reads untrusted content.
func untrustedSignals(n *inventory.Node) map[string][]string {
	env, images, cmdlines := workloadSignals(n)
	out := map[string][]string{}
	for _, r := range UntrustedSources {
		var why []string
		for _, e := range env {
			if matchEnv(r.Env, e) {
				why = append(why, "env "+e)
			}
		}
		for _, img := range images {
			for _, p := range r.Images {
				if strings.Contains(strings.ToLower(img), p) {
					why = append(why, "image "+img)
					break
				}
			}
		}
		for _, line := range cmdlines {
			for _, p := range r.Args {
				if strings.Contains(strings.ToLower(line), p) {
					why = append(why, "command "+p)
					break
				}
			}
		}
		if len(why) > 0 {
			out[r.Source] = dedupe(why)
		}
	}
	return out
}

func dedupe(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// deriveUntrusted adds a reads_untrusted edge from each agent to the kinds
// of untrusted content its workloads' configuration shows it reads, with
// the signals as evidence.
func (a *analysis) deriveUntrusted() []*inventory.Edge {
	g := a.g
	var out []*inventory.Edge
	for n := 0; n < g.Len(); n++ {
		if g.Node(NodeID(n)).Kind != inventory.KindAIAgent {
			continue
		}
		agent := NodeID(n)
		found := map[string][]string{}
		for _, b := range a.body(agent) {
			for src, why := range untrustedSignals(g.Node(b)) {
				found[src] = append(found[src], why...)
			}
		}
		srcs := make([]string, 0, len(found))
		for s := range found {
			srcs = append(srcs, s)
		}
		sort.Strings(srcs)
		for _, s := range srcs {
			out = append(out, &inventory.Edge{From: g.Node(agent).ID, To: UntrustedID(s), Kind: inventory.EdgeReadsUntrusted,
				Props: map[string]any{"source": s, "signals": dedupe(found[s]), "rule": "untrusted sources table (docs/scan.md)"}})
		}
	}
	return out
}
