package gateway

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadConfig(t *testing.T) {
	write := func(t *testing.T, body string) string {
		p := filepath.Join(t.TempDir(), "gateway.yaml")
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	t.Run("a full configuration loads with defaults filled", func(t *testing.T) {
		t.Setenv("TICKETS_TOKEN", "s3cr3t")
		c, err := LoadConfig(write(t, `
store: sqlite:/tmp/gw.db
upstreams:
  - {name: fs, command: /bin/mcp-fs, args: [/srv]}
  - {name: tickets, url: "https://tickets.internal/mcp", headers: {Authorization: "Bearer ${TICKETS_TOKEN}"}}
tools:
  - {match: "tickets.read_*", labels: [untrusted_source]}
agents:
  - {id: coder, api_key_sha256: [`+strings.Repeat("ab", 32)+`]}
approvals: {ttl: 5m}
`))
		if err != nil {
			t.Fatal(err)
		}
		if c.Listen != "127.0.0.1:8088" || c.Breaker.MaxDenials != 5 || c.Upstreams[1].Headers["Authorization"] != "Bearer s3cr3t" {
			t.Fatalf("got %+v", c)
		}
		if got := c.labelsFor("tickets.read_issue"); len(got) != 1 || got[0] != "untrusted_source" {
			t.Fatalf("labels %v", got)
		}
	})
	for name, tc := range map[string]struct{ body, want string }{
		"an unknown field is an error naming it":    {"store: x\nlisten_addr: :80\n", "listen_addr"},
		"an upstream needs a command or a url":      {"upstreams: [{name: a}]\n", "upstreams[0]: give exactly one of command and url"},
		"upstream names cannot hold dots":           {"upstreams: [{name: a.b, command: x}]\n", "upstreams[0].name"},
		"an API key must be a digest, not a key":    {"agents: [{id: a, api_key_sha256: [sk-live-123]}]\n", "agents[0].api_key_sha256[0]"},
		"an agent's key cannot be an approver's":    {"agents: [{id: a, api_key_sha256: [" + strings.Repeat("cd", 32) + "]}]\napprovers: [{name: b, token_sha256: [" + strings.Repeat("cd", 32) + "]}]\n", "an agent can never approve"},
		"an approver cannot be named like an agent": {"agents: [{id: a}]\napprovers: [{name: a}]\n", "an agent can never approve"},
		"a bad duration names its value":            {"approvals: {ttl: soon}\n", "soon"},
		"fail_open takes only known stages":         {"fail_open: [everything]\n", "fail_open"},
		"a tool rule's fail_open too":               {"tools: [{match: 'web.*', fail_open: [detectors]}]\n", "tools[0].fail_open"},
		"destructive_commands is approve or deny":   {"guards: {destructive_commands: allow}\n", "destructive_commands"},
		"a bad CIDR is an error naming the field":   {"guards: {allow_cidrs: [10.0.0.0/33]}\n", "allow_cidrs"},
		"network is proxy, none or host":            {"upstreams: [{name: a, command: x, network: bridge}]\n", "upstreams[0].network"},
		"an HTTP upstream's network is its own":     {"upstreams: [{name: a, url: 'http://x', network: none}]\n", "upstreams[0].network"},
		"run_as names a user that exists":           {"upstreams: [{name: a, command: x, run_as: no-such-user-here}]\n", "upstreams[0].run_as"},
		"run_as takes numeric IDs":                  {"upstreams: [{name: a, command: x, run_as: '1000:staff'}]\n", "upstreams[0].run_as"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := LoadConfig(write(t, tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestStdioServersDoNotSeeTheGatewaysFiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "gateway.yaml")
	os.WriteFile(file, []byte("store: sqlite:"+dir+"/state.db\naudit: {store: "+dir+"/audit.db, key: "+dir+"/audit.key}\napprovals: {plan_keys: "+dir+"/plan-keys}\npolicies: ["+dir+"/policies]\n"), 0o600)
	c, err := LoadConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	got := c.ownFiles()
	for _, want := range []string{"/state.db", "/state.db-wal", "/state.db-shm", "/audit.db", "/audit.db-wal", "/audit.key", "/plan-keys", "/policies"} {
		if !slices.Contains(got, mustReal(t, dir)+want) {
			t.Errorf("%s not hidden: %q", want, got)
		}
	}
	if !slices.Contains(got, mustReal(t, file)) {
		t.Errorf("the configuration file is not hidden: %q", got)
	}
}

func mustReal(t *testing.T, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
