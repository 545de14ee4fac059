package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/parapet-sec/parapet/internal/approval"
	"github.com/parapet-sec/parapet/internal/audit"
	"github.com/parapet-sec/parapet/internal/guard"
	"github.com/parapet-sec/parapet/internal/inspect"
	"github.com/parapet-sec/parapet/internal/policy"
)

// JSON-RPC error codes the gateway answers tools/call with. They sit in the
// range JSON-RPC leaves to applications.
const (
	CodeDenied           = -32001 // the call was denied; data.reason says why
	CodeApprovalRequired = -32002 // a person must approve; data.approval_id names the request
)

// Policy decides on tool calls; *policy.Engine is one. ToolCallValue takes
// the input already built (see policyInput).
type Policy interface {
	ToolCall(ctx context.Context, in policy.ToolCallInput) (policy.Decision, error)
	ToolCallValue(ctx context.Context, in ast.Value) (policy.Decision, error)
}

// Inspection is what the detectors found in a tool response.
type Inspection struct {
	// Injection is true when the text carries instructions aimed at the
	// agent (prompt injection, hidden instructions, exfiltration links).
	Injection bool
	Score     float64
	// Findings name the categories found, safe to show the agent.
	Findings []string
	// Details explain the findings with the text that triggered them, for
	// the log only.
	Details []string
	// Redacted is the text with secrets replaced; equal to the input when
	// there were none.
	Redacted string
	// Secrets counts the secrets redacted.
	Secrets int
}

// Inspector runs the detectors on a tool response, and redacts secrets from
// what the log keeps.
type Inspector interface {
	Inspect(ctx context.Context, text string) (Inspection, error)
	Redact(text string) string
}

// DecisionLog records decisions; *audit.Log is one. Enqueue must fail at
// once (not block) when the record cannot be queued.
type DecisionLog interface {
	Enqueue(r audit.Record) (*audit.Receipt, error)
}

// PlanVerifier checks that a signed plan accompanies an infrastructure
// change; it returns the approver named in the signature.
type PlanVerifier interface {
	VerifyPlan(ctx context.Context, args map[string]any) (approver string, err error)
}

// Caller is an authenticated agent.
type Caller struct {
	Agent  *Agent
	Claims map[string]any
	// Via says how it authenticated: "api_key", "jwt" or "stdio".
	Via string
}

// Gateway decides on tool calls and forwards the allowed ones.
type Gateway struct {
	// egressPassword, when set, gives each stdio upstream its egress
	// proxy password.
	egressPassword func(upstream string) string

	cfg        *Config
	policy     Policy
	inspector  Inspector
	log        DecisionLog
	approvals  *approval.Service
	plans      PlanVerifier
	urlRules   *guard.URLRules
	sessions   *sessions
	breaker    *breaker
	budgets    *budgets
	metrics    *Metrics
	logger     *slog.Logger
	now        func() time.Time
	onDurable  func(lag time.Duration)
	onOverhead func(d time.Duration)
	logErr     atomic.Pointer[error] // the decision log's last commit error, until one succeeds

	mu        sync.RWMutex
	tools     map[string]*tool // by namespaced name
	upstreams []*upstream
	// onToolsChanged publishes the tool list to clients after a refresh,
	// with the names of the tools that went away.
	onToolsChanged func(gone []string)
	// noDirect sends every request through the SDK handler (tests compare
	// the two paths).
	noDirect bool
	// live are the SDK's protocol sessions, for the direct path.
	live liveSessions
}

// tool is one upstream tool as the gateway exposes it.
type tool struct {
	name     string // namespaced: upstream.tool
	upstream *upstream
	def      *mcp.Tool // as the upstream describes it
	hash     string    // of name, description and schemas
	labels   []string
	failOpen []string  // stages its tool rules let fail open
	term     *ast.Term // the tool as policy input (input.tool)
	// paramHeaders: the input schema binds arguments to HTTP headers
	// (x-mcp-header), which the SDK's handler validates.
	paramHeaders bool
	// newPin: first seen after its upstream's first connection, the tool
	// is pinned as new, awaiting approval (see checkPin).
	newPin bool
	// blocked holds why the tool may not be called (a changed definition
	// awaiting approval), or "".
	mu      sync.Mutex
	blocked string
}

func (t *tool) blockedReason() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.blocked
}

func (t *tool) setBlocked(why string) {
	t.mu.Lock()
	t.blocked = why
	t.mu.Unlock()
}

// Options are the parts a Gateway is assembled from.
type Options struct {
	Config    *Config
	Policy    Policy
	Inspector Inspector
	Log       DecisionLog
	Approvals *approval.Service
	Plans     PlanVerifier
	Metrics   *Metrics
	Logger    *slog.Logger
	Now       func() time.Time
	// OnDurable, when set, is told how long each decision record took from
	// being queued to being durable in the log.
	OnDurable func(lag time.Duration)
	// OnOverhead, when set, is told the gateway's own time on each tool
	// call (parapet_gateway_overhead_seconds).
	OnOverhead func(d time.Duration)
	// Resolver resolves names for the argument guards; nil uses DNS.
	Resolver guard.Resolver
}

// New assembles a gateway. Upstreams are connected by Start.
func New(o Options) (*Gateway, error) {
	if o.Config == nil || o.Policy == nil || o.Approvals == nil {
		return nil, errors.New("gateway: config, policy and approvals are required")
	}
	cidrs, err := o.Config.Guards.rules()
	if err != nil {
		return nil, err
	}
	g := &Gateway{
		cfg: o.Config, policy: o.Policy, inspector: o.Inspector, log: o.Log, approvals: o.Approvals, plans: o.Plans,
		urlRules: &guard.URLRules{Schemes: o.Config.Guards.Schemes, HostRules: guard.HostRules{
			AllowPrivate: o.Config.Guards.AllowPrivate, AllowCIDRs: cidrs,
			AllowHosts: o.Config.Guards.AllowHosts, DenyHosts: o.Config.Guards.DenyHosts, Resolver: o.Resolver,
		}},
		sessions:   &sessions{idle: time.Duration(o.Config.SessionIdleTimeout)},
		breaker:    &breaker{cfg: o.Config.Breaker},
		budgets:    &budgets{rules: o.Config.Budgets},
		metrics:    o.Metrics,
		logger:     o.Logger,
		now:        o.Now,
		onDurable:  o.OnDurable,
		onOverhead: o.OnOverhead,
		tools:      map[string]*tool{},
	}
	if g.metrics == nil {
		g.metrics = NewMetrics(nil)
	}
	if g.logger == nil {
		g.logger = slog.New(slog.DiscardHandler)
	}
	if g.now == nil {
		g.now = time.Now
	}
	g.breaker.logger = g.logger
	if o.Approvals != nil && o.Approvals.State != nil {
		g.breaker.state = o.Approvals.State
		g.budgets.state = o.Approvals.State
	}
	return g, nil
}

// breakerSyncInterval is how often a gateway takes the trips other
// replicas made or reset.
const breakerSyncInterval = 2 * time.Second

// syncBreaker takes the shared trips now and then every interval until
// stop is closed.
func (g *Gateway) syncBreaker(stop <-chan struct{}, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), interval)
			if err := g.breaker.sync(ctx, g.now()); err != nil {
				g.logger.Error("circuit breaker: reading shared trips", "err", err)
			}
			cancel()
		}
	}
}

// denial is a refused call: the stage that refused it, why, and for
// approvals the request to decide.
type denial struct {
	code       int64
	stage      string
	reason     string
	approvalID string
	checks     []string
}

func (d *denial) Error() string { return d.reason }

func (d *denial) rpcError() *jsonrpc.Error {
	m := map[string]any{"stage": d.stage, "reason": d.reason}
	if d.approvalID != "" {
		m["approval_id"] = d.approvalID
	}
	if len(d.checks) > 0 {
		m["checks"] = d.checks
	}
	data, _ := json.Marshal(m)
	prefix := "parapet: denied: "
	if d.code == CodeApprovalRequired {
		prefix = "parapet: approval required: "
	}
	return &jsonrpc.Error{Code: d.code, Message: prefix + d.reason, Data: data}
}

// CallTool runs the decision pipeline for one tools/call and, when the call
// is allowed, forwards it and inspects the response. A refused call returns
// a *jsonrpc.Error carrying the reason.
func (g *Gateway) CallTool(ctx context.Context, caller *Caller, sessionID, name string, rawArgs json.RawMessage, meta map[string]any) (*result, error) {
	start := g.now()
	if caller == nil || caller.Agent == nil {
		return nil, (&denial{code: CodeDenied, stage: "identity", reason: "the caller is not an authenticated agent"}).rpcError()
	}
	agent := caller.Agent
	if sessionID == "" {
		// No protocol session (the stateless revision): one rolling
		// context per agent, so taint is never lost between calls.
		sessionID = agentContext(agent.ID)
	}
	sess := g.sessions.get(sessionID, agent.ID, start)
	g.sessions.taintAcross(sess, start)
	rec := audit.Record{
		Time: start.UTC(), Actor: agent.ID, OnBehalfOf: agent.OnBehalfOf, Action: "tools/call", Tool: name,
		Reasoning: reasoningOf(meta),
		Extra:     map[string]json.RawMessage{},
	}
	// From here on the arguments are their canonical form: what is
	// checked, hashed for approval, logged and forwarded are one thing.
	var args map[string]any
	canon, argsErr := canonicalArgs(rawArgs)
	if argsErr == nil {
		rawArgs = canon
		args, argsErr = decodeArgs(rawArgs)
	}
	rec.Args, rec.ArgsSHA256 = g.redactArgs(rawArgs)
	rec.Extra["session"] = jsonString(sessionID)

	res, verdict, d := g.decideAndCall(ctx, caller, sess, name, args, argsErr, rawArgs, &rec)
	latency := g.now().Sub(start)
	label := name
	if g.tool(name) == nil {
		label = "unknown" // names a caller makes up must not each make a series
	}
	g.metrics.observe(label, verdict, latency)
	sess.record(policy.PastCall{Server: upstreamOf(name), Tool: name, Verdict: verdict, Time: start.UTC().Format(time.RFC3339)})
	if d != nil {
		if d.code == CodeDenied {
			g.breakerEvent(agent.ID, eventDenial, 0, start)
		}
		return nil, d.rpcError()
	}
	return res, nil
}

// decideAndCall is the pipeline. It returns the result, the verdict for
// metrics, and a denial when the call was refused.
func (g *Gateway) decideAndCall(ctx context.Context, caller *Caller, sess *session, name string, args map[string]any, argsErr error, rawArgs json.RawMessage, rec *audit.Record) (*result, string, *denial) {
	agent := caller.Agent
	now := g.now()
	// refund gives back what the budgets charged, when a later stage
	// refuses the call: a call that does not run costs nothing.
	refund := func(context.Context) {}
	refuse := func(d *denial) (*result, string, *denial) {
		refund(ctx)
		rec.Verdict = "deny"
		if d.code == CodeApprovalRequired {
			rec.Verdict = "approve"
		}
		rec.Reason = d.reason
		rec.Extra["stage"] = jsonString(d.stage)
		if d.approvalID != "" {
			rec.Extra["approval_id"] = jsonString(d.approvalID)
		}
		if len(d.checks) > 0 {
			b, _ := json.Marshal(d.checks)
			rec.Extra["checks"] = b
		}
		if err := g.enqueue(*rec); err != nil {
			d.reason += "; " + err.Error()
		}
		return nil, rec.Verdict, d
	}

	// Circuit breaker: a tripped agent is blocked until a person resets it.
	if tripped, why := g.breaker.isTripped(agent.ID); tripped {
		return refuse(&denial{code: CodeDenied, stage: "breaker", reason: fmt.Sprintf("agent %s is blocked by the circuit breaker (%s) until a person resets it: parapet approvals reset-agent %s", agent.ID, why, agent.ID)})
	}
	t := g.tool(name)
	if unknown, _ := ctx.Value(unknownToolKey{}).(bool); t == nil || unknown {
		// (A tool that appeared since the SDK turned this call away as
		// unknown is refused too: the call missed the SDK's checks.)
		return refuse(&denial{code: CodeDenied, stage: "tool", reason: fmt.Sprintf("unknown tool %q", name)})
	}
	if t.blockedReason() != "" {
		// The change may have been approved since: look again.
		if err := g.checkPin(ctx, t); err != nil {
			return refuse(&denial{code: CodeDenied, stage: "pin", reason: "tool pin store unavailable (failing closed): " + err.Error()})
		}
		if why := t.blockedReason(); why != "" {
			return refuse(&denial{code: CodeDenied, stage: "pin", reason: why})
		}
	}
	if argsErr != nil {
		return refuse(&denial{code: CodeDenied, stage: "arguments", reason: "arguments are not a JSON object: " + argsErr.Error()})
	}

	// Policy.
	in, err := policyInput(caller, sess, t, args)
	if err != nil {
		return refuse(&denial{code: CodeDenied, stage: "policy", reason: "policy input: " + err.Error()})
	}
	dec, err := g.policy.ToolCallValue(ctx, in)
	if err != nil && !g.failsOpen(t, "policy") {
		return refuse(&denial{code: CodeDenied, stage: "policy", reason: "policy error (failing closed): " + err.Error()})
	}
	if err != nil {
		dec = policy.Decision{Verdict: policy.Allow}
	}
	var checks []string
	for _, r := range dec.Results {
		if r.Check != nil && r.Rule != "warn" {
			checks = append(checks, r.Check.ID)
		}
	}
	rec.Policy = &audit.Policy{Name: "parapet-gateway", Version: policyVersion(checks)}
	verdict := dec.Verdict
	reason := dec.Reason
	if verdict == policy.Deny {
		return refuse(&denial{code: CodeDenied, stage: "policy", reason: reason, checks: checks})
	}

	// Argument guards: URLs and hosts, then command lines.
	if v := g.urlRules.CheckArguments(ctx, args); len(v) > 0 {
		return refuse(&denial{code: CodeDenied, stage: "guard", reason: describeViolations(v), checks: []string{"PAR-GW-SSRF"}})
	}
	cmds, cmdErr := commandsIn(args)
	if cmdErr != nil {
		return refuse(&denial{code: CodeDenied, stage: "guard", reason: "command line cannot be checked: " + cmdErr.Error(), checks: []string{"PAR-GW-CMDLINE"}})
	}
	if len(cmds) > 0 {
		b, _ := json.Marshal(cmds)
		rec.Extra["commands"] = b
	}
	destructive := false
	for _, c := range cmds {
		if c.Effect < guard.EffectPrivileged {
			continue
		}
		destructive = true
		why := fmt.Sprintf("%s command: %s", c.Effect, c.Reason)
		if g.cfg.Guards.DestructiveCommands == "deny" {
			return refuse(&denial{code: CodeDenied, stage: "guard", reason: why, checks: []string{"PAR-GW-CMDLINE"}})
		}
		if verdict != policy.Approve {
			verdict, reason = policy.Approve, why
		} else {
			reason += "; " + why
		}
	}

	// Infrastructure changes need a signed plan.
	if hasLabel(t.labels, "applies_infrastructure") {
		if g.plans == nil {
			return refuse(&denial{code: CodeDenied, stage: "plan", reason: "tool applies infrastructure changes and no plan keys are configured (approvals.plan_keys)"})
		}
		approver, err := g.plans.VerifyPlan(ctx, args)
		if err != nil {
			return refuse(&denial{code: CodeDenied, stage: "plan", reason: "a plan signed with `parapet plan approve` is required: " + err.Error(), checks: []string{"PAR-GW-SIGNED-PLAN"}})
		}
		rec.Extra["plan_approver"] = jsonString(approver)
	}

	// Budgets and rate limits.
	cost, giveBack, refused, err := g.budgets.charge(ctx, agent.ID, name, now)
	if err != nil {
		return refuse(&denial{code: CodeDenied, stage: "budget", reason: "budget state unavailable (failing closed): " + err.Error()})
	}
	if refused != "" {
		return refuse(&denial{code: CodeDenied, stage: "budget", reason: refused})
	}
	refund = giveBack
	if cost > 0 {
		if tripped, why := g.breakerEvent(agent.ID, eventSpend, cost, now); tripped {
			return refuse(&denial{code: CodeDenied, stage: "breaker", reason: "circuit breaker tripped: " + why})
		}
	}

	// Human approval, bound to this exact call.
	if verdict == policy.Approve {
		status, ar, err := g.approvals.CheckCall(ctx, approval.Call{Agent: agent.ID, Tool: name, Arguments: rawArgs, Reason: reason, Redacted: rec.Args})
		if errors.Is(err, approval.ErrTooManyPending) {
			return refuse(&denial{code: CodeDenied, stage: "approval", reason: err.Error() + "; wait for the pending ones to be decided"})
		}
		if err != nil {
			return refuse(&denial{code: CodeDenied, stage: "approval", reason: "approval store unavailable (failing closed): " + err.Error()})
		}
		switch status {
		case approval.Denied:
			return refuse(&denial{code: CodeDenied, stage: "approval", reason: fmt.Sprintf("%s denied this call (%s)", ar.Approver, ar.ID), checks: checks})
		case approval.Pending:
			if ok, by, asked := g.askThroughClient(ctx, agent, name, reason, rec.Args, ar.ID); asked {
				if !ok {
					return refuse(&denial{code: CodeDenied, stage: "approval", reason: fmt.Sprintf("%s declined this call (%s)", by, ar.ID), checks: checks})
				}
				status, ar, err = g.approvals.CheckCall(ctx, approval.Call{Agent: agent.ID, Tool: name, Arguments: rawArgs, Reason: reason, Redacted: rec.Args})
				if err == nil && status == approval.Approved {
					rec.Approver = ar.Approver
					rec.Extra["approval_id"] = jsonString(ar.ID)
					break
				}
			}
			return refuse(&denial{code: CodeApprovalRequired, stage: "approval", approvalID: ar.ID, checks: checks,
				reason: fmt.Sprintf("%s; a person must approve request %s (parapet approvals approve %s) before it expires at %s", reason, ar.ID, ar.ID, ar.ExpiresAt.Format(time.RFC3339))})
		}
		if rec.Approver == "" {
			rec.Approver = ar.Approver
			rec.Extra["approval_id"] = jsonString(ar.ID)
		}
	}

	// Destructive calls that are about to run count towards the breaker.
	if destructive || hasLabel(t.labels, "destructive") {
		if tripped, why := g.breakerEvent(agent.ID, eventDestructive, 0, now); tripped {
			return refuse(&denial{code: CodeDenied, stage: "breaker", reason: "circuit breaker tripped: " + why})
		}
	}

	// Record the decision before acting on it: a call that cannot be
	// recorded does not run, nor one while the log's commits are failing.
	if err := g.logFailing(t); err != nil {
		return refuse(&denial{code: CodeDenied, stage: "audit", reason: "decision log failing (failing closed until a record is committed again): " + err.Error()})
	}
	rec.Verdict = "allow"
	if verdict == policy.Redact {
		rec.Verdict = "redact"
	}
	rec.Reason = reason
	if len(checks) > 0 {
		b, _ := json.Marshal(checks)
		rec.Extra["checks"] = b
	}
	if err := g.enqueueFor(t, *rec); err != nil {
		refund(ctx)
		return nil, "deny", &denial{code: CodeDenied, stage: "audit", reason: "decision log unavailable (failing closed): " + err.Error()}
	}
	refund = func(context.Context) {} // the call runs: it is paid for

	// The upstream call.
	upstreamStart := time.Now()
	callCtx, cancel := context.WithTimeout(ctx, time.Duration(t.upstream.cfg.Timeout))
	res, err := t.upstream.call(callCtx, t, rawArgs)
	timedOut := callCtx.Err() == context.DeadlineExceeded && ctx.Err() == nil
	cancel()
	if ct, ok := ctx.Value(timesKey{}).(*callTimes); ok {
		ct.upstream = time.Since(upstreamStart)
	}
	if err != nil && timedOut {
		return nil, "error", &denial{code: CodeDenied, stage: "upstream", reason: fmt.Sprintf("upstream %s did not answer within %s (upstreams[].timeout)", t.upstream.cfg.Name, time.Duration(t.upstream.cfg.Timeout))}
	}
	if err != nil {
		return nil, "error", &denial{code: CodeDenied, stage: "upstream", reason: fmt.Sprintf("upstream %s: %v", t.upstream.cfg.Name, err)}
	}

	// Response inspection.
	res, err = g.inspectResult(ctx, agent.ID, sess, t, res, verdict == policy.Redact)
	if err != nil {
		return nil, "deny", &denial{code: CodeDenied, stage: "inspection", reason: err.Error()}
	}
	if hasLabel(t.labels, "untrusted_source") {
		sess.taint(name)
		g.sessions.taintAcross(sess, g.now())
	}
	return res, string(rec.Verdict), nil
}

// breakerEvent counts an event towards the agent's circuit breaker and
// reports whether the agent is blocked; a trip is counted, logged and
// shared with the other replicas.
func (g *Gateway) breakerEvent(agent, kind string, amount float64, now time.Time) (bool, string) {
	tripped, why, newly := g.breaker.add(agent, kind, amount, now)
	if newly {
		g.metrics.breakerTripped(agent)
		g.logger.Warn("circuit breaker tripped", "agent", agent, "why", why)
		g.breaker.save(agent, why, now)
	}
	return tripped, why
}

// callTimes collects where a call's time went, for the overhead metric.
type callTimes struct {
	start    time.Time
	upstream time.Duration // waiting for the upstream's response
}

type timesKey struct{}

// timed returns ctx carrying a fresh callTimes.
func timed(ctx context.Context) (context.Context, *callTimes) {
	ct := &callTimes{start: time.Now()}
	return context.WithValue(ctx, timesKey{}, ct), ct
}

// done records the gateway's own time on a call.
func (g *Gateway) done(ct *callTimes) {
	d := time.Since(ct.start) - ct.upstream
	g.metrics.overheadOf(d)
	if g.onOverhead != nil {
		g.onOverhead(d)
	}
}

// failsOpen reports whether a failing stage allows a call to t (nil: a
// record not about one tool's call): the configuration says so for every
// tool, or one of t's tool rules does.
func (g *Gateway) failsOpen(t *tool, stage string) bool {
	return g.cfg.failOpen(stage) || (t != nil && slices.Contains(t.failOpen, stage))
}

// enqueue queues a record; with no log configured it fails unless the
// configuration lets audit fail open.
func (g *Gateway) enqueue(r audit.Record) error { return g.enqueueFor(nil, r) }

// enqueueFor is enqueue for a record of a call to t.
func (g *Gateway) enqueueFor(t *tool, r audit.Record) error {
	if g.log == nil {
		if g.failsOpen(t, "audit") {
			return nil
		}
		return errors.New("no decision log configured")
	}
	redactRecord(&r)
	_, err := g.log.Enqueue(r)
	if err != nil && g.failsOpen(t, "audit") {
		g.logger.Error("decision not recorded", "err", err)
		return nil
	}
	return err
}

// unknownToolKey marks a call the SDK did not route to a tool.
type unknownToolKey struct{}

// Settled hears from the decision log how each queued record ended (it is
// audit.Config.Settled). A record that could not be committed was a
// decision already acted on: it is counted and logged, and until a later
// record is committed the gateway allows nothing (unless the audit stage
// fails open), so that no more decisions go unrecorded.
func (g *Gateway) Settled(queued time.Time, err error) {
	if err == nil {
		if g.logErr.Load() != nil {
			g.logErr.Store(nil)
			g.logger.Info("decision log commits again")
		}
		lag := time.Since(queued)
		g.metrics.durable(lag)
		if g.onDurable != nil {
			g.onDurable(lag)
		}
		return
	}
	g.logErr.Store(&err)
	g.metrics.lost()
	g.logger.Error("decision record lost: the log could not commit it", "err", err)
}

// logFailing is the error of the decision log's last commit, when it
// failed and no commit has succeeded since, unless audit fails open for t.
func (g *Gateway) logFailing(t *tool) error {
	if e := g.logErr.Load(); e != nil && !g.failsOpen(t, "audit") {
		return *e
	}
	return nil
}

// inspectResult runs the detectors on every text the upstream returned:
// secrets are redacted always; a response carrying instructions for the
// agent is withheld, the session tainted and the breaker told.
func (g *Gateway) inspectResult(ctx context.Context, agent string, sess *session, t *tool, res *result, redactAll bool) (*result, error) {
	if res == nil {
		return res, nil
	}
	// Read first: a result asking for input is refused even when
	// inspection may fail open.
	rt, err := res.texts()
	if err != nil {
		return nil, fmt.Errorf("upstream result: %w", err)
	}
	if g.inspector == nil {
		if g.failsOpen(t, "inspection") {
			return res, nil
		}
		return nil, errors.New("no response inspector configured (failing closed)")
	}
	var findings, details []string
	injected := false
	check := func(text string) (string, error) {
		ins, err := g.inspector.Inspect(ctx, text)
		if err != nil {
			if g.failsOpen(t, "inspection") {
				return text, nil
			}
			return "", fmt.Errorf("response inspection failed (failing closed): %w", err)
		}
		if ins.Injection {
			injected = true
			findings = append(findings, ins.Findings...)
			details = append(details, ins.Details...)
		}
		return ins.Redacted, nil
	}
	for _, s := range rt.slots {
		text, err := check(s.text)
		if err != nil {
			return nil, err
		}
		if text != s.text {
			s.set(text)
		}
	}
	for _, p := range rt.parts {
		text, err := check(p.text)
		if err != nil {
			return nil, err
		}
		if text != p.text || (redactAll && p.name == "structuredContent") {
			// Secrets were found in a part read whole: drop it rather than
			// guess which fields to keep; the text content (which servers
			// mirror structured content in) carries the redacted form.
			p.drop()
		}
	}
	if injected {
		sess.taint(t.name)
		g.sessions.taintAcross(sess, g.now())
		g.metrics.injection(t.name)
		g.breakerEvent(agent, eventInjection, 0, g.now())
		rec := audit.Record{Time: g.now().UTC(), Actor: agent, Action: "tools/result", Tool: t.name, Verdict: "deny",
			Reason: "response withheld: " + strings.Join(details, "; ")}
		if err := g.enqueueFor(t, rec); err != nil {
			return nil, fmt.Errorf("decision log unavailable (failing closed): %w", err)
		}
		return &result{dec: &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{
			Text: fmt.Sprintf("parapet withheld the response of %s: it carries instructions aimed at the agent (%s). The session is now marked as tainted.", t.name, strings.Join(findings, "; ")),
		}}}}, nil
	}
	return rt.build()
}

func (g *Gateway) tool(name string) *tool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.tools[name]
}

// redactArgs returns the arguments as logged (secrets redacted) and the hex
// SHA-256 of the arguments as sent.
func (g *Gateway) redactArgs(raw json.RawMessage) (json.RawMessage, string) {
	sum := sha256.Sum256(raw)
	digest := hex.EncodeToString(sum[:])
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, digest
	}
	if g.inspector == nil {
		return json.RawMessage(`"<arguments not logged: no redactor configured>"`), digest
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return json.RawMessage(`"<arguments not JSON>"`), digest
	}
	v = redactValue(v, g.inspector.Redact)
	b, err := json.Marshal(v)
	if err != nil {
		return nil, digest
	}
	return b, digest
}

// redactRecord removes secrets from the parts of a record the log does not
// redact itself: the reason (policies quote commands and URLs), the agent's
// stated reasoning, and the extra fields (the classified commands). The
// arguments were redacted when the record was made.
func redactRecord(r *audit.Record) {
	r.Reason = inspect.Redact(r.Reason)
	r.Reasoning = inspect.Redact(r.Reasoning)
	for k, raw := range r.Extra {
		if !bytes.Contains(raw, []byte{'"'}) {
			continue // no strings: numbers, booleans
		}
		var v any
		if json.Unmarshal(raw, &v) != nil {
			delete(r.Extra, k)
			continue
		}
		if b, err := json.Marshal(redactValue(v, inspect.Redact)); err == nil {
			r.Extra[k] = b
		} else {
			delete(r.Extra, k)
		}
	}
}

func redactValue(v any, redact func(string) string) any {
	switch x := v.(type) {
	case string:
		return redact(x)
	case map[string]any:
		for k, e := range x {
			x[k] = redactValue(e, redact)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = redactValue(e, redact)
		}
		return x
	}
	return v
}

func decodeArgs(raw json.RawMessage) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return map[string]any{}, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// commandKeys are argument names whose values are command lines or argv.
var commandKeys = map[string]bool{"command": true, "cmd": true, "commandline": true, "command_line": true, "cmdline": true, "script": true, "shell": true, "argv": true, "args": true}

// isCommandKey reports whether an argument name holds a command: one of
// commandKeys, or a name ending in "command" or "_cmd" (shell_command,
// bash_command), so that renaming the argument does not hide the command.
func isCommandKey(k string) bool {
	k = strings.ToLower(k)
	return commandKeys[k] || strings.HasSuffix(k, "command") || strings.HasSuffix(k, "_cmd") || strings.HasPrefix(k, "command_")
}

// commandsIn finds command lines in the arguments and classifies them.
func commandsIn(args map[string]any) ([]guard.Command, error) {
	var out []guard.Command
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !isCommandKey(k) {
			continue
		}
		switch v := args[k].(type) {
		case string:
			// "args" next to a "command" string continues that command.
			if c, ok := commandArg(args); ok && strings.ToLower(k) == "args" {
				v = c + " " + v
			}
			cmds, err := guard.ClassifyCommandLine(v)
			if err != nil {
				return nil, fmt.Errorf("arguments.%s: %w", k, err)
			}
			out = append(out, cmds...)
		case []any:
			argv := make([]string, 0, len(v))
			for _, e := range v {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("arguments.%s: argv holds a non-string", k)
				}
				argv = append(argv, s)
			}
			// "args" next to a "command" string continues that command.
			if c, ok := commandArg(args); ok && strings.ToLower(k) == "args" {
				argv = append([]string{c}, argv...)
			}
			cmds, err := guard.ClassifyArgv(argv)
			if err != nil {
				return nil, fmt.Errorf("arguments.%s: %w", k, err)
			}
			out = append(out, cmds...)
		}
	}
	return out, nil
}

// commandArg returns the string under the "command" key, in any case.
func commandArg(args map[string]any) (string, bool) {
	for k, v := range args {
		if strings.EqualFold(k, "command") {
			s, ok := v.(string)
			return s, ok
		}
	}
	return "", false
}

func describeViolations(v []guard.Violation) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = x.String()
	}
	return "argument guard: " + strings.Join(parts, "; ")
}

func hasLabel(labels []string, l string) bool {
	for _, x := range labels {
		if x == l {
			return true
		}
	}
	return false
}

func upstreamOf(name string) string {
	if i := strings.IndexByte(name, '.'); i > 0 {
		return name[:i]
	}
	return ""
}

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

func annotationsOf(t *mcp.Tool) map[string]any {
	if t.Annotations == nil {
		return nil
	}
	b, _ := json.Marshal(t.Annotations)
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

// reasoningOf reads the agent's stated reasoning from the request's _meta
// ("parapet.dev/reasoning", or "reasoning").
func reasoningOf(meta map[string]any) string {
	for _, k := range []string{"parapet.dev/reasoning", "reasoning"} {
		if s, ok := meta[k].(string); ok {
			return s
		}
	}
	return ""
}

// taskOf reads a declared task scope from the arguments' "_task" object.
func taskOf(args map[string]any) map[string]any {
	if t, ok := args["_task"].(map[string]any); ok {
		return t
	}
	return nil
}

// policyVersion names the set of checks that decided, so the log says which
// rules were in force.
func policyVersion(checks []string) string {
	if len(checks) == 0 {
		return "builtin"
	}
	return strings.Join(checks, ",")
}

func auditReset(agent, by string, now time.Time) audit.Record {
	return audit.Record{Time: now.UTC(), Actor: by, Action: "breaker/reset", Tool: agent, Verdict: "allow",
		Reason: "circuit breaker reset by " + by, Approver: by}
}

// askThroughClient asks the person at the agent's MCP client, through
// elicitation, to decide a pending approval, when the client supports it
// and the configuration allows it. The answer is recorded as the decision of
// the person the agent works for (on_behalf_of); an agent without one cannot
// be approved this way. asked is false when nobody could be asked.
func (g *Gateway) askThroughClient(ctx context.Context, agent *Agent, tool, reason string, args json.RawMessage, id string) (ok bool, by string, asked bool) {
	ask, _ := ctx.Value(elicitKey{}).(askPerson)
	if ask == nil || agent.OnBehalfOf == "" {
		return false, "", false
	}
	ectx, cancel := context.WithTimeout(ctx, time.Duration(g.cfg.Approvals.TTL))
	defer cancel()
	msg := fmt.Sprintf("Parapet: agent %s asks to call %s (%s) with arguments %s. Allow this call once?", agent.ID, tool, reason, args)
	answer, err := ask(ectx, msg)
	if err != nil {
		return false, "", false
	}
	by = "elicitation:" + agent.OnBehalfOf
	if _, err := g.approvals.Decide(ctx, id, by, answer, "answered through MCP elicitation"); err != nil {
		return false, "", false
	}
	return answer, by, true
}
