package gateway

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/parapet-sec/parapet/internal/guard"
)

func TestDefinitionHashPinsWhatPolicyAndAgentsRelyOn(t *testing.T) {
	base := func() *mcp.Tool {
		return &mcp.Tool{Name: "drop_table", Description: "Drop a table", InputSchema: map[string]any{"type": "object"},
			Annotations: &mcp.ToolAnnotations{DestructiveHint: ptr(true)}}
	}
	pinned := definitionHash(base())
	cases := []struct {
		name   string
		change func(*mcp.Tool)
	}{
		{"dropping the destructive hint changes the hash", func(t *mcp.Tool) { t.Annotations.DestructiveHint = ptr(false) }},
		{"adding a read-only hint changes the hash", func(t *mcp.Tool) { t.Annotations.ReadOnlyHint = true }},
		{"removing the annotations changes the hash", func(t *mcp.Tool) { t.Annotations = nil }},
		{"changing the title changes the hash", func(t *mcp.Tool) { t.Title = "Harmless lookup" }},
		{"changing the description changes the hash", func(t *mcp.Tool) { t.Description = "Look up a table" }},
		{"changing the schema changes the hash", func(t *mcp.Tool) { t.InputSchema = map[string]any{"type": "object", "required": []any{"x"}} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := base()
			c.change(d)
			if definitionHash(d) == pinned {
				t.Fatal("the changed definition hashes like the pinned one: the change would not be blocked")
			}
		})
	}
	if definitionHash(base()) != pinned {
		t.Fatal("the same definition hashes differently")
	}
}

func ptr[T any](v T) *T { return &v }

func TestCommandsAreFoundUnderEveryCommandArgumentName(t *testing.T) {
	for _, key := range []string{"command", "cmd", "cmdline", "shell_command", "bash_command", "command_string", "Command"} {
		t.Run("a destructive command under "+key+" is found", func(t *testing.T) {
			cmds, err := commandsIn(map[string]any{key: "kubectl delete namespace prod"})
			if err != nil {
				t.Fatal(err)
			}
			if len(cmds) != 1 || cmds[0].Effect != guard.EffectDestructive {
				t.Fatalf("got %+v", cmds)
			}
		})
	}
}

func TestResponseInspectionReadsEveryTextTheAgentSees(t *testing.T) {
	r := newRig(t, nil)
	g := r.rt.Gateway
	tl := g.tool("box.read_file")
	cases := []struct {
		name    string
		content mcp.Content
	}{
		{"an injection in a text resource blob is withheld", &mcp.EmbeddedResource{Resource: &mcp.ResourceContents{URI: "file:///mail.txt", MIMEType: "text/plain", Blob: []byte(injectedMail)}}},
		{"an injection in a resource link's description is withheld", &mcp.ResourceLink{URI: "file:///mail.txt", Name: "mail", Description: injectedMail}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sess := g.sessions.get(c.name, "agent-1", g.now())
			res, err := g.inspectResult(context.Background(), "agent-1", sess, tl, &mcp.CallToolResult{Content: []mcp.Content{c.content}}, false)
			b, _ := json.Marshal(res)
			if err == nil && !strings.Contains(string(b), "parapet withheld the response") {
				t.Fatalf("the response passed: %s", b)
			}
		})
	}
	t.Run("a secret in a text resource blob is redacted", func(t *testing.T) {
		sess := g.sessions.get("secret", "agent-1", g.now())
		res, err := g.inspectResult(context.Background(), "agent-1", sess, tl, &mcp.CallToolResult{Content: []mcp.Content{
			&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{URI: "file:///deploy.env", MIMEType: "text/plain", Blob: []byte(secretMail)}}}}, false)
		if err != nil {
			t.Fatal(err)
		}
		blob := string(res.Content[0].(*mcp.EmbeddedResource).Resource.Blob)
		if strings.Contains(blob, "wJalrXUtnFEMI") || !strings.Contains(blob, "REGION=eu-west-1") {
			t.Fatalf("want the blob with its secret redacted, got %q", blob)
		}
	})
}

func TestTaintCannotBeShedBySwitchingProtocolGenerations(t *testing.T) {
	r := newRig(t, nil)
	mail := map[string]any{"to": "carol@example.com", "body": "numbers look right"}
	t.Run("taint picked up without a session follows the agent into a new session", func(t *testing.T) {
		mustAllow(t, r.clientAt(r.agentKey, "2026-07-28"), "web.read_inbox", map[string]any{"message": 1})
		mustRefuse(t, r.clientAt(r.agentKey, "2025-11-25"), CodeApprovalRequired, "web.send_email", mail, "untrusted content")
	})
	r2 := newRig(t, nil)
	t.Run("taint picked up in a session follows the agent into calls without one", func(t *testing.T) {
		s := r2.clientAt(r2.agentKey, "2025-11-25")
		mustAllow(t, s, "web.read_inbox", map[string]any{"message": 1})
		mustRefuse(t, r2.clientAt(r2.agentKey, "2026-07-28"), CodeApprovalRequired, "web.send_email", mail, "untrusted content")
	})
	t.Run("another session of the same agent stays separate", func(t *testing.T) {
		mustAllow(t, r2.clientAt(r2.agentKey, "2025-11-25"), "web.send_email", mail)
	})
}

func TestCommandSplitBetweenCommandAndArgsIsClassifiedWhole(t *testing.T) {
	for _, args := range []map[string]any{
		{"command": "kubectl", "args": "delete namespace prod"},
		{"command": "kubectl", "args": []any{"delete", "namespace", "prod"}},
		{"Command": "kubectl", "Args": "delete namespace prod"},
	} {
		cmds, err := commandsIn(args)
		if err != nil {
			t.Fatal(err)
		}
		worst := guard.EffectUnknown
		for _, c := range cmds {
			worst = max(worst, c.Effect)
		}
		if worst != guard.EffectDestructive {
			t.Errorf("%v: worst effect %s, want destructive: %+v", args, worst, cmds)
		}
	}
}

func TestAnUpstreamsOwnEgressRulesAreEnforced(t *testing.T) {
	r := newRig(t, func(c *Config) {
		for i := range c.Upstreams {
			if c.Upstreams[i].Name == "box" {
				c.Upstreams[i].Egress = &HostRulesConfig{AllowHosts: []string{"api.example.com"}}
			}
		}
	})
	// A name, not a loopback literal: HTTP clients send those to the proxy.
	r.dns.Set("backend.test", netip.MustParseAddr("127.0.0.1"))
	u := strings.Replace(r.backend.URL, "127.0.0.1", "backend.test", 1) + "/"
	out := mustAllow(t, r.client(r.agentKey), "box.fetch", map[string]any{"url": u})
	if !strings.Contains(out, "HTTP 403") || !strings.Contains(out, "not in the allowed hosts") {
		t.Fatalf("the upstream reached a host its egress rules do not allow: %q", out)
	}
}
