package gateway

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parapet-sec/parapet/internal/audit"
	"github.com/parapet-sec/parapet/internal/policy"
	"github.com/parapet-sec/parapet/internal/store"
)

type callerKey struct{}

// statelessProtocolVersion is the first MCP revision without sessions.
const statelessProtocolVersion = "2026-07-28"

// MCPServer returns the MCP server clients talk to: the upstreams' tools
// under their namespaced names, tools/list filtered by policy for the
// caller, every tools/call through the pipeline. stdio, when not nil, is the
// identity of every call (the stdio transport has no authentication).
func (g *Gateway) MCPServer(stdio *Caller) *mcp.Server {
	s := mcp.NewServer(serverImpl,
		&mcp.ServerOptions{HasTools: true, InitializedHandler: func(_ context.Context, req *mcp.InitializedRequest) {
			if req.Session != nil {
				g.live.initialized(req.Session)
			}
		}})
	callerOf := func(ctx context.Context, extra *mcp.RequestExtra) *Caller {
		if stdio != nil {
			return stdio
		}
		if c, ok := ctx.Value(callerKey{}).(*Caller); ok {
			return c
		}
		if extra != nil && extra.TokenInfo != nil {
			if c, ok := extra.TokenInfo.Extra["caller"].(*Caller); ok {
				return c
			}
		}
		return nil
	}
	callTool := func(ctx context.Context, name string, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		sid := ""
		if req.Session != nil {
			sid = req.Session.ID()
		}
		var meta map[string]any
		var args json.RawMessage
		if req.Params != nil {
			meta, args = req.Params.Meta, req.Params.Arguments
		}
		if ask := g.elicitor(req.Session); ask != nil {
			ctx = context.WithValue(ctx, elicitKey{}, ask)
		}
		ctx, times := timed(ctx)
		defer g.done(times)
		res, err := g.CallTool(ctx, callerOf(ctx, req.Extra), sid, name, args, meta)
		if err != nil {
			return nil, err
		}
		return res.decoded()
	}
	publish := func(gone []string) {
		if len(gone) > 0 {
			s.RemoveTools(gone...)
		}
		g.mu.RLock()
		tools := make([]*tool, 0, len(g.tools))
		for _, t := range g.tools {
			tools = append(tools, t)
		}
		g.mu.RUnlock()
		for _, t := range tools {
			name := t.name
			def := &mcp.Tool{Name: name, Title: t.def.Title, Description: t.def.Description, InputSchema: t.def.InputSchema, Annotations: t.def.Annotations}
			if def.InputSchema == nil {
				def.InputSchema = map[string]any{"type": "object"}
			}
			s.AddTool(def, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				return callTool(ctx, name, req)
			})
		}
	}
	g.mu.Lock()
	prev := g.onToolsChanged
	g.onToolsChanged = func(gone []string) {
		if prev != nil {
			prev(gone)
		}
		publish(gone)
	}
	g.mu.Unlock()
	publish(nil)

	// A call to a tool the gateway does not know goes through the pipeline
	// too, which refuses and records it: the SDK would refuse it unrecorded.
	s.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if ctr, ok := req.(*mcp.CallToolRequest); ok && method == "tools/call" && ctr.Params != nil && g.tool(ctr.Params.Name) == nil {
				return callTool(context.WithValue(ctx, unknownToolKey{}, true), ctr.Params.Name, ctr)
			}
			return next(ctx, method, req)
		}
	})
	// tools/list shows a caller only the tools policy would let it call.
	s.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			res, err := next(ctx, method, req)
			if err != nil || method != "tools/list" {
				return res, err
			}
			lr, ok := res.(*mcp.ListToolsResult)
			if !ok {
				return res, err
			}
			caller := callerOf(ctx, req.GetExtra())
			kept := lr.Tools[:0:0]
			for _, td := range lr.Tools {
				if g.visible(ctx, caller, td.Name) {
					kept = append(kept, td)
				}
			}
			out := *lr
			out.Tools = kept
			return &out, nil
		}
	})
	// Outermost: a bug that panics while handling one request refuses that
	// request (a tools/call is denied and logged) instead of ending the
	// gateway for every client, or letting anything through.
	s.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (res mcp.Result, err error) {
			defer func() {
				if p := recover(); p != nil {
					actor := ""
					if c := callerOf(ctx, req.GetExtra()); c != nil && c.Agent != nil {
						actor = c.Agent.ID
					}
					tool := ""
					if ctr, ok := req.(*mcp.CallToolRequest); ok && ctr.Params != nil {
						tool = ctr.Params.Name
					}
					res, err = nil, g.recovered(method, tool, actor, p)
				}
			}()
			return next(ctx, method, req)
		}
	})
	return s
}

// recovered turns a panic while handling method into a refusal. The panic
// value is logged only when it is a runtime error: other values may carry
// the data being handled.
func (g *Gateway) recovered(method, tool, actor string, p any) error {
	what := "a non-runtime panic value"
	if re, ok := p.(runtime.Error); ok {
		what = re.Error()
	}
	g.logger.Error("request handler panicked", "method", method, "panic", what, "stack", string(debug.Stack()))
	d := &denial{code: CodeDenied, stage: "internal", reason: "internal error while handling " + method + " (failing closed)"}
	if method == "tools/call" {
		rec := audit.Record{Time: g.now().UTC(), Actor: actor, Action: "tools/call", Tool: tool, Verdict: "deny", Reason: d.reason,
			Extra: map[string]json.RawMessage{"stage": jsonString(d.stage)}}
		if err := g.enqueue(rec); err != nil {
			d.reason += "; " + err.Error()
		}
	}
	return d.rpcError()
}

// visible reports whether policy lets the caller see a tool: a call with
// no arguments must not be denied outright.
func (g *Gateway) visible(ctx context.Context, caller *Caller, name string) bool {
	if caller == nil || caller.Agent == nil {
		return false
	}
	t := g.tool(name)
	if t == nil {
		return false
	}
	if tripped, _ := g.breaker.isTripped(caller.Agent.ID); tripped {
		return false
	}
	dec, err := g.policy.ToolCall(ctx, policy.ToolCallInput{
		Agent: policy.Agent{ID: caller.Agent.ID, Claims: caller.Claims, Labels: caller.Agent.Labels},
		Tool: policy.Tool{Server: t.upstream.cfg.Name, Name: t.def.Name, Labels: t.labels,
			Annotations: annotationsOf(t.def), DefinitionHash: t.hash},
		Arguments: map[string]any{},
	})
	if err != nil {
		return g.failsOpen(t, "policy")
	}
	return dec.Verdict != policy.Deny
}

// Authenticator resolves bearer tokens to agents (API keys or JWTs) and to
// approvers (their own tokens). The two never overlap: configuration
// refuses a token that is both.
type Authenticator struct {
	cfg *Config
	jwt *JWTVerifier
}

// NewAuthenticator builds the authenticator for a configuration; jwt may be
// nil when no JWT issuer is configured.
func NewAuthenticator(cfg *Config, jwt *JWTVerifier) *Authenticator {
	return &Authenticator{cfg: cfg, jwt: jwt}
}

func digest(token string) []byte {
	s := sha256.Sum256([]byte(token))
	return s[:]
}

func matchDigest(token string, hexDigests []string) bool {
	d := digest(token)
	ok := false
	for _, h := range hexDigests {
		want, err := hex.DecodeString(h)
		if err == nil && subtle.ConstantTimeCompare(d, want) == 1 {
			ok = true
		}
	}
	return ok
}

// Agent authenticates an agent's bearer token.
func (a *Authenticator) Agent(ctx context.Context, token string) (*Caller, time.Time, error) {
	for i := range a.cfg.Agents {
		ag := &a.cfg.Agents[i]
		if matchDigest(token, ag.APIKeySHA256) {
			return &Caller{Agent: ag, Via: "api_key"}, time.Now().Add(time.Hour), nil
		}
	}
	if a.jwt != nil && strings.Count(token, ".") == 2 {
		claims, exp, err := a.jwt.Verify(ctx, token)
		if err != nil {
			return nil, time.Time{}, err
		}
		claim := "sub"
		if a.cfg.Auth != nil && a.cfg.Auth.AgentClaim != "" {
			claim = a.cfg.Auth.AgentClaim
		}
		id, _ := claims[claim].(string)
		for i := range a.cfg.Agents {
			ag := &a.cfg.Agents[i]
			if id != "" && (ag.Subject == id || ag.Subject == "" && ag.ID == id) {
				return &Caller{Agent: ag, Claims: claims, Via: "jwt"}, exp, nil
			}
		}
		return nil, time.Time{}, fmt.Errorf("token subject %q is not a configured agent", id)
	}
	return nil, time.Time{}, errors.New("unknown token")
}

// Approver authenticates an approver's bearer token and returns the name.
func (a *Authenticator) Approver(token string) (string, error) {
	for _, ap := range a.cfg.Approvers {
		if matchDigest(token, ap.TokenSHA256) {
			return ap.Name, nil
		}
	}
	for _, ag := range a.cfg.Agents {
		if matchDigest(token, ag.APIKeySHA256) {
			return "", fmt.Errorf("agent %s presented its own credentials: an agent can never approve", ag.ID)
		}
	}
	return "", errors.New("not an approver's token")
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// Handler serves the gateway over HTTP: /mcp (streamable HTTP, bearer
// auth, Origin checks), the RFC 9728 metadata, the approvals API and
// /metrics.
func (g *Gateway) Handler(a *Authenticator, reg prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	srv := g.MCPServer(nil)
	getServer := func(*http.Request) *mcp.Server { return srv }
	stateless := mcp.NewStreamableHTTPHandler(getServer, &mcp.StreamableHTTPOptions{Stateless: true})
	var mcpHandler http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.serveDirect(w, r) {
			stateless.ServeHTTP(w, r)
		}
	})
	if !g.cfg.Stateless {
		// One endpoint for both protocol generations: clients of the
		// stateless revision (2026-07-28 and later) announce it in the
		// MCP-Protocol-Version header; older clients initialize a session.
		stateful := mcp.NewStreamableHTTPHandler(getServer, &mcp.StreamableHTTPOptions{SessionTimeout: time.Duration(g.cfg.SessionIdleTimeout)})
		g.live.idle = time.Duration(g.cfg.SessionIdleTimeout)
		mcpHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if v := r.Header.Get("Mcp-Protocol-Version"); v >= statelessProtocolVersion && r.Header.Get("Mcp-Session-Id") == "" {
				if !g.serveDirect(w, r) {
					stateless.ServeHTTP(w, r)
				}
				return
			}
			sid := r.Header.Get("Mcp-Session-Id")
			if sid != "" && g.serveDirect(w, r) {
				return
			}
			if sid != "" {
				g.live.seen(sid)
			}
			stateful.ServeHTTP(w, r)
			if sid != "" && r.Method == http.MethodDelete {
				if ti := auth.TokenInfoFromContext(r.Context()); ti != nil {
					g.live.ended(sid, ti.UserID)
				}
			} else if sid != "" {
				g.live.seen(sid)
			} else if id := w.Header().Get("Mcp-Session-Id"); id != "" && r.Method == http.MethodPost {
				// A session the SDK just created, for this agent.
				if ti := auth.TokenInfoFromContext(r.Context()); ti != nil {
					g.live.created(id, ti.UserID)
				}
			}
		})
	}
	metaURL := ""
	if g.cfg.PublicURL != "" {
		if u, err := url.Parse(g.cfg.PublicURL); err == nil {
			metaURL = u.Scheme + "://" + u.Host + "/.well-known/oauth-protected-resource" + u.Path
		}
	}
	verifier := func(ctx context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
		c, exp, err := a.Agent(ctx, token)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", auth.ErrInvalidToken, err)
		}
		return &auth.TokenInfo{UserID: c.Agent.ID, Expiration: exp, Extra: map[string]any{"caller": c}}, nil
	}
	var scopes []string
	if g.cfg.Auth != nil {
		scopes = g.cfg.Auth.Scopes
	}
	protected := auth.RequireBearerToken(verifier, &auth.RequireBearerTokenOptions{ResourceMetadataURL: metaURL, Scopes: scopes})(mcpHandler)
	mux.Handle("/mcp", g.checkOrigin(protected))
	if g.cfg.PublicURL != "" {
		prm := &oauthex.ProtectedResourceMetadata{
			Resource:               g.cfg.PublicURL,
			BearerMethodsSupported: []string{"header"},
			ResourceName:           "Parapet MCP gateway",
			ScopesSupported:        scopes,
		}
		if g.cfg.Auth != nil {
			prm.AuthorizationServers = g.cfg.Auth.AuthorizationServers
			if len(prm.AuthorizationServers) == 0 && g.cfg.Auth.Issuer != "" {
				prm.AuthorizationServers = []string{g.cfg.Auth.Issuer}
			}
		}
		h := auth.ProtectedResourceMetadataHandler(prm)
		mux.Handle("/.well-known/oauth-protected-resource", h)
		if u, err := url.Parse(g.cfg.PublicURL); err == nil && u.Path != "" && u.Path != "/" {
			mux.Handle("/.well-known/oauth-protected-resource"+u.Path, h)
		}
	}
	g.approvalsAPI(mux, a)
	if reg != nil {
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	}
	return mux
}

// checkOrigin refuses browser requests from origins not allowed: a page on
// another site must not drive a local gateway (DNS rebinding, CSRF).
func (g *Gateway) checkOrigin(next http.Handler) http.Handler {
	allowed := map[string]bool{}
	for _, o := range g.cfg.AllowedOrigins {
		allowed[strings.TrimSuffix(strings.ToLower(o), "/")] = true
	}
	if u, err := url.Parse(g.cfg.PublicURL); err == nil && u.Host != "" {
		allowed[strings.ToLower(u.Scheme+"://"+u.Host)] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && !allowed[strings.TrimSuffix(strings.ToLower(o), "/")] {
			http.Error(w, "parapet: origin "+o+" is not allowed", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ApprovalView is an approval as the API and the CLI show it.
type ApprovalView struct {
	ID        string          `json:"id"`
	Agent     string          `json:"agent"`
	Tool      string          `json:"tool"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
	Reason    string          `json:"reason"`
	Status    string          `json:"status"`
	Approver  string          `json:"approver,omitempty"`
	Note      string          `json:"note,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	ExpiresAt time.Time       `json:"expires_at"`
	DecidedAt *time.Time      `json:"decided_at,omitempty"`
}

func viewOf(r store.ApprovalRecord, now time.Time) ApprovalView {
	v := ApprovalView{ID: r.ID, Agent: r.Agent, Tool: r.Tool, Arguments: r.Arguments, Reason: r.Reason, Status: r.Status,
		Approver: r.Approver, Note: r.Note, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt}
	if json.Valid(r.Arguments) == false {
		v.Arguments = nil
	}
	if r.Expired(now) {
		v.Status = "expired"
	}
	if !r.DecidedAt.IsZero() {
		d := r.DecidedAt
		v.DecidedAt = &d
	}
	return v
}

// approvalsAPI serves the approvals HTTP API; every route needs an
// approver's token.
func (g *Gateway) approvalsAPI(mux *http.ServeMux, a *Authenticator) {
	withApprover := func(h func(w http.ResponseWriter, r *http.Request, approver string)) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name, err := a.Approver(bearer(r))
			if err != nil {
				writeJSON(w, http.StatusForbidden, map[string]string{"error": err.Error()})
				return
			}
			h(w, r, name)
		})
	}
	mux.Handle("GET /approvals", withApprover(func(w http.ResponseWriter, r *http.Request, _ string) {
		status := r.URL.Query().Get("status")
		switch status {
		case "", store.ApprovalPending, store.ApprovalApproved, store.ApprovalDenied, store.ApprovalUsed:
		default:
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("status %q is not pending, approved, denied or used", status)})
			return
		}
		recs, err := g.approvals.State.Approvals(r.Context(), status, 0)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		now := g.now()
		out := make([]ApprovalView, 0, len(recs))
		for _, rec := range recs {
			out = append(out, viewOf(rec, now))
		}
		writeJSON(w, http.StatusOK, map[string]any{"approvals": out})
	}))
	decide := func(approve bool) http.Handler {
		return withApprover(func(w http.ResponseWriter, r *http.Request, approver string) {
			var body struct {
				Note string `json:"note"`
			}
			if r.ContentLength != 0 {
				if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil {
					writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body: " + err.Error()})
					return
				}
			}
			rec, err := g.approvals.Decide(r.Context(), r.PathValue("id"), approver, approve, body.Note)
			switch {
			case errors.Is(err, store.ErrNotFound):
				writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
			case errors.Is(err, store.ErrDecided):
				writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
			case err != nil:
				writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			default:
				writeJSON(w, http.StatusOK, viewOf(rec, g.now()))
			}
		})
	}
	mux.Handle("POST /approvals/{id}/approve", decide(true))
	mux.Handle("POST /approvals/{id}/deny", decide(false))
	mux.Handle("GET /agents/blocked", withApprover(func(w http.ResponseWriter, r *http.Request, _ string) {
		writeJSON(w, http.StatusOK, map[string]any{"blocked": g.breaker.trippedAgents()})
	}))
	mux.Handle("POST /agents/{id}/reset", withApprover(func(w http.ResponseWriter, r *http.Request, approver string) {
		id := r.PathValue("id")
		was, err := g.ResetAgent(r.Context(), id, approver)
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "the reset did not reach the state store, so other replicas would keep the agent blocked: " + err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"agent": id, "was_blocked": was, "reset_by": approver})
	}))
}

// ResetAgent unblocks an agent the circuit breaker tripped, on every
// replica sharing the state store, and logs who did it.
func (g *Gateway) ResetAgent(ctx context.Context, agent, by string) (bool, error) {
	was, err := g.breaker.reset(ctx, agent)
	if err != nil {
		return false, err
	}
	if err := g.enqueue(auditReset(agent, by, g.now())); err != nil {
		g.logger.Error("breaker reset not recorded", "agent", agent, "err", err)
	}
	return was, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

type elicitKey struct{}

// askPerson asks the person at the MCP client to approve a call; it reports
// their answer, or an error when they could not be asked.
type askPerson func(ctx context.Context, message string) (bool, error)

// elicitor returns a way to ask the client's user through MCP elicitation,
// when the configuration allows it and the client supports form
// elicitation; nil otherwise.
func (g *Gateway) elicitor(ss *mcp.ServerSession) askPerson {
	if !g.cfg.Approvals.Elicit || ss == nil {
		return nil
	}
	ip := ss.InitializeParams()
	if ip == nil || ip.Capabilities == nil || ip.Capabilities.Elicitation == nil {
		return nil
	}
	return func(ctx context.Context, message string) (bool, error) {
		res, err := ss.Elicit(ctx, &mcp.ElicitParams{
			Message: message,
			RequestedSchema: map[string]any{
				"type": "object",
				"properties": map[string]any{
					"approve": map[string]any{"type": "boolean", "title": "Allow this call once"},
				},
				"required": []string{"approve"},
			},
		})
		if err != nil {
			return false, err
		}
		approve, _ := res.Content["approve"].(bool)
		return res.Action == "accept" && approve, nil
	}
}
