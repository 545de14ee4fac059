// Package gateway is the MCP guardrail gateway: a proxy between AI agents
// and their MCP tool servers that decides on every tools/call (agent
// identity, Rego policy, argument guards, approvals, taint, circuit breaker,
// budgets), inspects every response, and records every decision in the
// signed audit log.
package gateway

import (
	"fmt"
	"net/netip"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/parapet-sec/parapet/internal/sandbox"
	"github.com/parapet-sec/parapet/internal/store"
)

// Config is the gateway's YAML configuration file (docs/gateway.md).
type Config struct {
	// Path is the file the configuration was read from ("" when built in
	// code): stdio servers do not see it.
	Path string `json:"-"`

	// Listen is the address of the streamable HTTP endpoint (default
	// 127.0.0.1:8088). The MCP endpoint is /mcp; approvals are under
	// /approvals; Prometheus metrics at /metrics.
	Listen string `json:"listen"`
	// PublicURL is the URL clients use for /mcp; it is the resource
	// identifier of the RFC 9728 metadata and the audience tokens must carry.
	PublicURL string `json:"public_url"`
	// AllowedOrigins lists browser origins that may call the endpoint; any
	// other Origin header is refused (requests without Origin pass).
	AllowedOrigins []string `json:"allowed_origins"`
	// Store holds approvals and tool pins: sqlite:PATH or postgres://...
	Store string `json:"store"`
	// Audit is where decisions are recorded.
	Audit AuditConfig `json:"audit"`
	// Policies are folders of user Rego added to the built-in bundle.
	Policies []string `json:"policies"`
	// NoBuiltin drops the built-in policy bundle.
	NoBuiltin bool `json:"no_builtin"`
	// Upstreams are the MCP servers behind the gateway.
	Upstreams []Upstream `json:"upstreams"`
	// Tools give labels (untrusted_source, sensitive_sink, destructive,
	// applies_infrastructure, ...) to tools matched by "server.tool" globs.
	Tools []ToolRule `json:"tools"`
	// Agents are the identities allowed to call tools.
	Agents []Agent `json:"agents"`
	// Auth configures JWT bearer tokens (OIDC or JWKS).
	Auth *AuthConfig `json:"auth"`
	// Approvers are the people who may approve calls.
	Approvers []Approver `json:"approvers"`
	// Approvals configures how approvals are requested.
	Approvals ApprovalConfig `json:"approvals"`
	// Guards configure the argument guards and the egress proxy.
	Guards GuardConfig `json:"guards"`
	// Breaker configures the per-agent circuit breaker.
	Breaker BreakerConfig `json:"breaker"`
	// Budgets limit calls and spend per agent and tool.
	Budgets []Budget `json:"budgets"`
	// FailOpen lists pipeline stages that allow the call when they fail
	// ("inspection", "policy", "audit"); by default every failure denies.
	FailOpen []string `json:"fail_open"`
	// Stateless serves streamable HTTP without protocol sessions (no
	// Mcp-Session-Id), as the 2026-07-28 revision allows: session state is
	// then kept per agent.
	Stateless bool `json:"stateless"`
	// SessionIdleTimeout ends a session's state (history, taint) after this
	// long without calls (default 1h).
	SessionIdleTimeout Duration `json:"session_idle_timeout"`
}

// AuditConfig says where the decision log lives.
type AuditConfig struct {
	// Store is the audit log's store (sqlite:PATH or postgres://...);
	// empty uses the gateway's Store.
	Store string `json:"store"`
	// Key is the checkpoint signing key file (parapet audit init writes
	// one); with it the gateway signs a checkpoint every
	// CheckpointInterval while the log grows, and when it stops.
	Key string `json:"key"`
	// CheckpointInterval defaults to 1m.
	CheckpointInterval Duration `json:"checkpoint_interval"`
	// Queue is the bound of the append queue (default 65536); a full queue
	// denies calls rather than letting them go unrecorded.
	Queue int `json:"queue"`
	// Linger is how long a commit waits for more decisions to join it
	// (default 5ms): fewer, larger commits under a steady load, at that
	// much more lag before a decision is durable. Calls never wait for it.
	Linger Duration `json:"linger"`
	// Disabled runs without a decision log; every call is then denied
	// unless "audit" is in fail_open.
	Disabled bool `json:"disabled"`
}

// Upstream is one MCP server: a command over stdio, or a URL over
// streamable HTTP.
type Upstream struct {
	// Name namespaces the server's tools: clients see "NAME.TOOL".
	Name    string            `json:"name"`
	Command string            `json:"command"`
	Args    []string          `json:"args"`
	Env     map[string]string `json:"env"`
	// Dir is the working directory of a stdio upstream.
	Dir string `json:"dir"`
	// URL of a streamable HTTP upstream.
	URL string `json:"url"`
	// Headers sent to an HTTP upstream (its own credentials; the agent's
	// token is never passed through). ${VAR} takes the gateway's
	// environment variable VAR, here and in Env.
	Headers map[string]string `json:"headers"`
	// Egress overrides the host rules for this upstream's connections.
	Egress *HostRulesConfig `json:"egress"`
	// Network is what network a stdio upstream reaches (see NetworkProxy,
	// NetworkNone and NetworkHost; default proxy).
	Network string `json:"network"`
	// RunAs is the user a stdio upstream runs as ("UID:GID", or a user
	// name), without supplementary groups; only a gateway run as root can
	// set it. A gateway run as root runs each sandboxed server as a user of
	// its own (sandbox.OwnIdentity) unless this says otherwise: a server
	// running as root owns root's files, a way out of any namespace, and
	// servers sharing a user can change each other's files.
	RunAs string `json:"run_as"`
	// Timeout bounds one tool call to this upstream (default 10m): a
	// server that never answers does not hold the call, and what the
	// gateway keeps for it, for ever.
	Timeout Duration `json:"timeout"`
}

// A stdio upstream's network.
const (
	// NetworkProxy runs the server in a network namespace of its own whose
	// only way out is the gateway's egress proxy: connections that ignore
	// the proxy reach nothing (Linux; see internal/sandbox).
	NetworkProxy = "proxy"
	// NetworkNone runs the server in a network namespace of its own with
	// no way out at all.
	NetworkNone = "none"
	// NetworkHost runs the server in the gateway's network: the egress
	// proxy is only offered, through HTTP(S)_PROXY, and a server that
	// ignores it (or a Go server calling a loopback address) connects
	// directly.
	NetworkHost = "host"
)

// ToolRule labels tools.
type ToolRule struct {
	Match  string   `json:"match"` // glob over "server.tool"
	Labels []string `json:"labels"`
	// FailOpen lists stages (as Config.FailOpen) that allow a call to the
	// matching tools when they fail, in addition to those that do for
	// every tool.
	FailOpen []string `json:"fail_open"`
}

// Agent is a caller identity.
type Agent struct {
	ID string `json:"id"`
	// APIKeySHA256 are hex SHA-256 digests of the agent's API keys: the
	// config never holds a key itself.
	APIKeySHA256 []string `json:"api_key_sha256"`
	// Subject matches the JWT "sub" claim (or the claim named by
	// auth.agent_claim) to this agent.
	Subject string            `json:"subject"`
	Labels  map[string]string `json:"labels"`
	// OnBehalfOf names the person the agent works for, for the log.
	OnBehalfOf string `json:"on_behalf_of"`
}

// AuthConfig validates JWT bearer tokens as an OAuth resource server.
type AuthConfig struct {
	// Issuer is the OIDC issuer; its discovery document gives the JWKS.
	Issuer string `json:"issuer"`
	// JWKSURL or JWKSFile give the keys directly.
	JWKSURL  string `json:"jwks_url"`
	JWKSFile string `json:"jwks_file"`
	// Audience tokens must carry; default public_url.
	Audience string `json:"audience"`
	// AgentClaim names the claim that identifies the agent (default "sub").
	AgentClaim string `json:"agent_claim"`
	// AuthorizationServers are advertised in the RFC 9728 metadata.
	AuthorizationServers []string `json:"authorization_servers"`
	// Scopes required of every token.
	Scopes []string `json:"scopes"`
}

// Approver is a person who may approve calls, authenticated by a token of
// their own (never an agent's).
type Approver struct {
	Name string `json:"name"`
	// TokenSHA256 are hex SHA-256 digests of the approver's API tokens.
	TokenSHA256 []string `json:"token_sha256"`
}

// ApprovalConfig configures approval requests.
type ApprovalConfig struct {
	// TTL is how long a request waits for a decision (default 15m); an
	// approved call must be made within the same time.
	TTL Duration `json:"ttl"`
	// Webhook receives Slack-compatible JSON for every new request.
	Webhook string `json:"webhook"`
	// Elicit asks the MCP client's user through elicitation when the
	// client supports it; off by default, since a client may answer
	// elicitations automatically.
	Elicit bool `json:"elicit"`
	// MaxPending caps each agent's requests waiting for a decision (default
	// 20): past it, calls that need approval are denied, so an agent cannot
	// flood approvers.
	MaxPending int `json:"max_pending"`
	// TrustNewTools pins tools an upstream adds after its first connection
	// on sight, as it does the tools of a first connection. By default
	// such a tool waits for a person's approval before agents can call
	// it: a tool that appears later was not there when the upstream was
	// reviewed.
	TrustNewTools bool `json:"trust_new_tools"`
	// PlanKeys is the folder of public keys of allowed plan approvers;
	// tools labelled applies_infrastructure need a plan signed by one.
	PlanKeys string `json:"plan_keys"`
}

// GuardConfig configures argument guards and egress.
type GuardConfig struct {
	HostRulesConfig
	// Schemes allowed in URL arguments (default http, https).
	Schemes []string `json:"schemes"`
	// DestructiveCommands is the verdict for destructive or privileged
	// command lines in arguments: "approve" (default) or "deny".
	DestructiveCommands string `json:"destructive_commands"`
}

// HostRulesConfig is the YAML form of guard.HostRules.
type HostRulesConfig struct {
	AllowPrivate bool     `json:"allow_private"`
	AllowCIDRs   []string `json:"allow_cidrs"`
	AllowHosts   []string `json:"allow_hosts"`
	DenyHosts    []string `json:"deny_hosts"`
}

// BreakerConfig trips an agent into a blocked state when, within Window, it
// reaches any of the limits; a person resets it.
type BreakerConfig struct {
	Window         Duration `json:"window"`          // default 10m
	MaxDenials     int      `json:"max_denials"`     // default 5
	MaxDestructive int      `json:"max_destructive"` // default 3
	MaxInjections  int      `json:"max_injections"`  // default 2
	MaxSpend       float64  `json:"max_spend"`       // 0: no spend rule
}

// Budget limits an agent's (or every agent's, with agent "*") calls to
// tools matching Tool within Per, and its spend (the sum of the cost
// labels of the tools it called).
type Budget struct {
	Agent    string   `json:"agent"`
	Tool     string   `json:"tool"`
	Calls    int      `json:"calls"`
	Per      Duration `json:"per"`
	MaxSpend float64  `json:"max_spend"`
	// SpendPer starts the spend afresh every period (24h: each UTC day);
	// without it spend accumulates until the state store is cleared.
	SpendPer Duration `json:"spend_per"`
	// Cost is charged per call of a matching tool.
	Cost float64 `json:"cost"`
}

// Duration is a time.Duration written as "15m" in YAML.
type Duration time.Duration

// UnmarshalJSON reads "15m", "1h30m" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	if v, err := time.ParseDuration(s); err == nil {
		*d = Duration(v)
		return nil
	}
	var secs float64
	if _, err := fmt.Sscanf(s, "%g", &secs); err == nil {
		*d = Duration(time.Duration(secs * float64(time.Second)))
		return nil
	}
	return fmt.Errorf("bad duration %q (want like 15m or 1h)", s)
}

// LoadConfig reads and validates a configuration file.
func LoadConfig(file string) (*Config, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var c Config
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	// Secrets for upstreams come from the gateway's environment by name
	// (${TICKETS_TOKEN}), so the file itself holds none; only values the
	// file names are passed on.
	for i := range c.Upstreams {
		for k, v := range c.Upstreams[i].Headers {
			c.Upstreams[i].Headers[k] = os.ExpandEnv(v)
		}
		for k, v := range c.Upstreams[i].Env {
			c.Upstreams[i].Env[k] = os.ExpandEnv(v)
		}
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	c.Path = file
	return &c, nil
}

// ownFiles are the files and folders of the gateway that its stdio
// servers must not read or change: its state store and decision log (with
// SQLite's journals), signing and plan keys, JWKS and configuration.
func (c *Config) ownFiles() []string {
	var out []string
	add := func(p string) {
		if p == "" {
			return
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, loc := range []string{c.Store, c.Audit.Store} {
		if db := store.SQLitePath(loc); db != "" {
			for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
				add(db + suffix)
			}
		}
	}
	add(c.Audit.Key)
	add(c.Approvals.PlanKeys)
	for _, p := range c.Policies {
		add(p)
	}
	if c.Auth != nil {
		add(c.Auth.JWKSFile)
	}
	add(c.Path)
	return out
}

// Validate fills in defaults and checks the configuration; LoadConfig
// calls it.
func (c *Config) Validate() error { return c.validate() }

// StdioCaller is the identity of calls over stdio: the agent named id, or
// the first configured agent, or an agent "stdio-agent" with no labels.
func (c *Config) StdioCaller(id string) (*Caller, error) {
	for i := range c.Agents {
		if id == "" || c.Agents[i].ID == id {
			return &Caller{Agent: &c.Agents[i], Via: "stdio"}, nil
		}
	}
	if id != "" {
		return nil, fmt.Errorf("agent %q is not in the configuration", id)
	}
	return &Caller{Agent: &Agent{ID: "stdio-agent"}, Via: "stdio"}, nil
}

func (c *Config) validate() error {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8088"
	}
	if c.Approvals.TTL == 0 {
		c.Approvals.TTL = Duration(15 * time.Minute)
	}
	if c.SessionIdleTimeout == 0 {
		c.SessionIdleTimeout = Duration(time.Hour)
	}
	if c.Audit.CheckpointInterval == 0 {
		c.Audit.CheckpointInterval = Duration(time.Minute)
	}
	if c.Audit.Queue == 0 {
		c.Audit.Queue = 1 << 16
	}
	if c.Audit.Linger == 0 {
		c.Audit.Linger = Duration(5 * time.Millisecond)
	}
	if c.Audit.Linger < 0 || c.Audit.Linger > Duration(time.Second) {
		return fmt.Errorf("audit.linger: %s is outside 0-1s", time.Duration(c.Audit.Linger))
	}
	b := &c.Breaker
	if b.Window == 0 {
		b.Window = Duration(10 * time.Minute)
	}
	if b.MaxDenials == 0 {
		b.MaxDenials = 5
	}
	if b.MaxDestructive == 0 {
		b.MaxDestructive = 3
	}
	if b.MaxInjections == 0 {
		b.MaxInjections = 2
	}
	switch c.Guards.DestructiveCommands {
	case "":
		c.Guards.DestructiveCommands = "approve"
	case "approve", "deny":
	default:
		return fmt.Errorf("guards.destructive_commands: %q is not approve or deny", c.Guards.DestructiveCommands)
	}
	names := map[string]bool{}
	for i, u := range c.Upstreams {
		field := fmt.Sprintf("upstreams[%d]", i)
		if u.Name == "" || strings.ContainsAny(u.Name, ". /") {
			return fmt.Errorf("%s.name: %q must be a non-empty name without dots, spaces or slashes", field, u.Name)
		}
		if names[u.Name] {
			return fmt.Errorf("%s.name: %q is used twice", field, u.Name)
		}
		names[u.Name] = true
		if (u.Command == "") == (u.URL == "") {
			return fmt.Errorf("%s: give exactly one of command and url", field)
		}
		if u.Timeout < 0 {
			return fmt.Errorf("%s.timeout: %s is negative", field, time.Duration(u.Timeout))
		}
		if u.Timeout == 0 {
			c.Upstreams[i].Timeout = Duration(10 * time.Minute)
		}
		if u.Egress != nil {
			if _, err := u.Egress.rules(); err != nil {
				return fmt.Errorf("%s.egress: %w", field, err)
			}
		}
		if u.RunAs != "" {
			if u.Command == "" {
				return fmt.Errorf("%s.run_as: only a stdio upstream (command) runs as a user of the gateway's choosing", field)
			}
			if _, err := parseRunAs(u.RunAs); err != nil {
				return fmt.Errorf("%s.run_as: %w", field, err)
			}
		}
		switch u.Network {
		case "":
			if u.Command != "" {
				c.Upstreams[i].Network = NetworkProxy
			}
		case NetworkProxy, NetworkNone, NetworkHost:
			if u.Command == "" {
				return fmt.Errorf("%s.network: only a stdio upstream (command) runs in a network of the gateway's choosing", field)
			}
		default:
			return fmt.Errorf("%s.network: %q is not proxy, none or host", field, u.Network)
		}
	}
	for i, t := range c.Tools {
		if _, err := path.Match(t.Match, ""); err != nil {
			return fmt.Errorf("tools[%d].match: %w", i, err)
		}
		if err := checkStages(t.FailOpen); err != nil {
			return fmt.Errorf("tools[%d].fail_open: %w", i, err)
		}
	}
	ids := map[string]bool{}
	for i, a := range c.Agents {
		if a.ID == "" {
			return fmt.Errorf("agents[%d].id: empty", i)
		}
		if ids[a.ID] {
			return fmt.Errorf("agents[%d].id: %q is used twice", i, a.ID)
		}
		ids[a.ID] = true
		for j, h := range a.APIKeySHA256 {
			if !isHexDigest(h) {
				return fmt.Errorf("agents[%d].api_key_sha256[%d]: not a hex SHA-256 digest", i, j)
			}
		}
	}
	for i, a := range c.Approvers {
		if a.Name == "" {
			return fmt.Errorf("approvers[%d].name: empty", i)
		}
		if ids[a.Name] {
			return fmt.Errorf("approvers[%d].name: %q is also an agent: an agent can never approve", i, a.Name)
		}
		for j, h := range a.TokenSHA256 {
			if !isHexDigest(h) {
				return fmt.Errorf("approvers[%d].token_sha256[%d]: not a hex SHA-256 digest", i, j)
			}
			for _, ag := range c.Agents {
				for _, k := range ag.APIKeySHA256 {
					if strings.EqualFold(k, h) {
						return fmt.Errorf("approvers[%d].token_sha256[%d]: is also an API key of agent %q: an agent can never approve", i, j, ag.ID)
					}
				}
			}
		}
	}
	if _, err := c.Guards.rules(); err != nil {
		return fmt.Errorf("guards: %w", err)
	}
	if err := checkStages(c.FailOpen); err != nil {
		return fmt.Errorf("fail_open: %w", err)
	}
	for i, b := range c.Budgets {
		if b.Agent == "" || b.Tool == "" {
			return fmt.Errorf("budgets[%d]: agent and tool are required (use \"*\" for all)", i)
		}
		if b.Calls > 0 && b.Per == 0 {
			return fmt.Errorf("budgets[%d].per: required with calls", i)
		}
		if b.SpendPer < 0 || (b.SpendPer > 0 && b.MaxSpend <= 0) {
			return fmt.Errorf("budgets[%d].spend_per: a positive period, with max_spend", i)
		}
	}
	return nil
}

func isHexDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range strings.ToLower(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (h HostRulesConfig) rules() (cidrs []netip.Prefix, err error) {
	for _, s := range h.AllowCIDRs {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("allow_cidrs: %w", err)
		}
		cidrs = append(cidrs, p)
	}
	return cidrs, nil
}

func (c *Config) failOpen(stage string) bool {
	for _, s := range c.FailOpen {
		if s == stage {
			return true
		}
	}
	return false
}

// parseRunAs reads "UID:GID", "UID" (its group the same number) or a user
// name.
func parseRunAs(s string) (sandbox.Identity, error) {
	us, gs, hasGID := strings.Cut(s, ":")
	if uid, err := strconv.ParseUint(us, 10, 32); err == nil {
		gid := uid
		if hasGID {
			if gid, err = strconv.ParseUint(gs, 10, 32); err != nil {
				return sandbox.Identity{}, fmt.Errorf("%q: group %q is not a number", s, gs)
			}
		}
		return sandbox.Identity{UID: uint32(uid), GID: uint32(gid)}, nil
	}
	u, err := user.Lookup(s)
	if err != nil {
		return sandbox.Identity{}, fmt.Errorf("%q: %w", s, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return sandbox.Identity{}, fmt.Errorf("%q: IDs %s:%s are not numbers", s, u.Uid, u.Gid)
	}
	return sandbox.Identity{UID: uint32(uid), GID: uint32(gid)}, nil
}

// checkStages checks a fail_open list.
func checkStages(stages []string) error {
	for _, s := range stages {
		switch s {
		case "inspection", "policy", "audit":
		default:
			return fmt.Errorf("%q is not inspection, policy or audit", s)
		}
	}
	return nil
}

// failOpenFor returns the stages the tool rules matching a namespaced
// tool name let fail open.
func (c *Config) failOpenFor(name string) []string {
	var out []string
	for _, r := range c.Tools {
		if ok, _ := path.Match(r.Match, name); ok {
			for _, s := range r.FailOpen {
				if !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// labelsFor returns the labels of a namespaced tool name.
func (c *Config) labelsFor(name string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range c.Tools {
		if ok, _ := path.Match(r.Match, name); ok {
			for _, l := range r.Labels {
				if !seen[l] {
					seen[l] = true
					out = append(out, l)
				}
			}
		}
	}
	return out
}
