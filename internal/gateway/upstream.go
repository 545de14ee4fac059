package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/parapet-sec/parapet/internal/approval"
	"github.com/parapet-sec/parapet/internal/sandbox"
)

// upstream is a connected MCP server behind the gateway.
type upstream struct {
	cfg     Upstream
	session *mcp.ClientSession
	// rpc carries tools/call to an HTTP upstream within session's protocol
	// session; nil for stdio upstreams and stateless ones.
	rpc *rpcClient
	mu  sync.Mutex
	// known: the upstream's tools were listed before (by an earlier run,
	// or earlier in this one), so a tool pinned now for the first time is
	// new.
	known *bool
}

func (u *upstream) call(ctx context.Context, t *tool, args json.RawMessage) (*result, error) {
	name := t.def.Name
	if u.rpc != nil && !(u.rpc.stateless() && (t.paramHeaders || !headerSafe(name))) {
		raw, err := u.rpc.callTool(ctx, name, args)
		if err != nil {
			return nil, err
		}
		return &result{raw: raw}, nil
	}
	var a any = args
	if len(bytes.TrimSpace(args)) == 0 {
		a = map[string]any{}
	}
	res, err := u.session.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: a})
	if err != nil {
		return nil, err
	}
	return &result{dec: res}, nil
}

// clientImpl is how the gateway names itself to upstreams.
var clientImpl = &mcp.Implementation{Name: "parapet-gateway", Version: "1"}

// headerTransport adds configured headers to an HTTP upstream's requests.
type headerTransport struct {
	base    http.RoundTripper
	headers map[string]string
}

func (h *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h.headers {
		r.Header.Set(k, v)
	}
	return h.base.RoundTrip(r)
}

// Egress is the egress proxy stdio upstreams reach the network through.
type Egress struct {
	// URL is its address on the gateway's loopback, for upstreams in the
	// gateway's network ("" for none).
	URL string
	// Serve starts serving it on a listening socket in a sandboxed
	// upstream's network namespace, until the gateway closes.
	Serve func(net.Listener)
}

// Connect starts or dials every configured upstream, lists its tools and
// pins their definitions.
func (g *Gateway) Connect(ctx context.Context, egress Egress) error {
	for _, uc := range g.cfg.Upstreams {
		if err := g.connectUpstream(ctx, uc, egress); err != nil {
			return fmt.Errorf("upstream %s: %w", uc.Name, err)
		}
	}
	return nil
}

func (g *Gateway) connectUpstream(ctx context.Context, uc Upstream, egress Egress) error {
	u := &upstream{cfg: uc}
	client := mcp.NewClient(clientImpl, &mcp.ClientOptions{
		ToolListChangedHandler: func(ctx context.Context, _ *mcp.ToolListChangedRequest) {
			if err := g.refresh(context.WithoutCancel(ctx), u); err != nil {
				g.logger.Error("refreshing tools", "upstream", uc.Name, "err", err)
			}
		},
	})
	var transport mcp.Transport
	var base http.RoundTripper
	var sb *sandbox.Sandbox
	if uc.Command != "" {
		cmd, box, err := g.stdioCommand(uc, egress)
		if err != nil {
			return err
		}
		sb = box
		transport = &mcp.CommandTransport{Command: cmd}
	} else {
		base = upstreamTransport()
		hc := &http.Client{Transport: &headerTransport{base: base, headers: uc.Headers}}
		transport = &mcp.StreamableClientTransport{Endpoint: uc.URL, HTTPClient: hc}
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var ready chan error
	if sb != nil {
		// The proxy serves the sandbox's socket from the moment the
		// launcher hands it over, in case the server reaches out before it
		// answers the handshake.
		ready = make(chan error, 1)
		go func() {
			ln, err := sb.Ready(cctx)
			if ln != nil {
				egress.Serve(ln)
			}
			ready <- err
		}()
	}
	s, err := client.Connect(cctx, transport, nil)
	if sb != nil {
		sb.Started()
		rerr := <-ready
		sb.Close()
		var le *sandbox.LaunchError
		switch {
		case errors.As(rerr, &le): // the launcher's reason says more than a closed pipe
			if s != nil {
				s.Close()
			}
			return rerr
		case errors.Is(err, syscall.EPERM):
			return fmt.Errorf("starting it in a network namespace of its own: %w (where user namespaces are not available, set network: host for this upstream)", err)
		case err == nil && rerr != nil:
			s.Close()
			return rerr
		}
	}
	if err != nil && uc.Command != "" {
		return fmt.Errorf("%w (what the server wrote on stderr is in the gateway's log)", err)
	}
	if err != nil {
		return err
	}
	u.session = s
	if base != nil {
		// The same connection pool; the configured headers set on each
		// request rather than by cloning it.
		u.rpc = newRPCClient(uc.URL, &http.Client{Transport: base}, s, clientImpl)
		if u.rpc != nil {
			u.rpc.headers = uc.Headers
		}
	}
	g.mu.Lock()
	g.upstreams = append(g.upstreams, u)
	g.mu.Unlock()
	return g.refresh(cctx, u)
}

// stdioCommand is the command that starts a stdio upstream: in a sandbox
// (returned too) unless its network is the gateway's.
func (g *Gateway) stdioCommand(uc Upstream, egress Egress) (*exec.Cmd, *sandbox.Sandbox, error) {
	cmd, sb, err := g.stdioStart(uc, egress)
	if err != nil {
		return nil, nil, err
	}
	// What the server says on stderr (why it could not start, above all)
	// goes to the gateway's log, a line at a time.
	cmd.Stderr = &stderrLog{logger: g.logger, upstream: uc.Name}
	cmd.WaitDelay = 5 * time.Second // a child still holding stderr does not hold the gateway
	return cmd, sb, nil
}

func (g *Gateway) stdioStart(uc Upstream, egress Egress) (*exec.Cmd, *sandbox.Sandbox, error) {
	var runAs *sandbox.Identity
	if uc.RunAs != "" {
		id, err := parseRunAs(uc.RunAs)
		if err != nil {
			return nil, nil, fmt.Errorf("run_as: %w", err)
		}
		runAs = &id
	} else if os.Geteuid() == 0 && uc.Network != NetworkHost {
		own := sandbox.OwnIdentity(uc.Name)
		runAs = &own
	}
	if uc.Network == NetworkHost {
		cmd := exec.Command(uc.Command, uc.Args...)
		cmd.Dir = uc.Dir
		// An empty environment plus what the configuration gives: never the
		// gateway's own credentials.
		cmd.Env = stdioEnv(uc, egress.URL, g.egressPassword)
		if runAs != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: runAs.UID, Gid: runAs.GID, Groups: []uint32{}}}
		}
		return cmd, nil, nil
	}
	if err := sandbox.Available(); err != nil {
		return nil, nil, fmt.Errorf("network %s: this system cannot start a server in namespaces of its own (%v); set network: host for this upstream to run it in the gateway's network", uc.Network, err)
	}
	path, err := programPath(uc.Command, uc.Dir)
	if err != nil {
		return nil, nil, err
	}
	spec := sandbox.Spec{Path: path, Name: uc.Command, Args: uc.Args, Dir: uc.Dir, Env: stdioEnv(uc, "", nil), RunAs: runAs,
		Hide: g.cfg.ownFiles()}
	if uc.Network == NetworkProxy {
		if egress.Serve == nil {
			return nil, nil, errors.New("network proxy: the gateway runs no egress proxy")
		}
		spec.ProxyUser = uc.Name
		if g.egressPassword != nil {
			spec.ProxyPassword = g.egressPassword(uc.Name)
		}
	}
	sb, err := sandbox.New(spec)
	if errors.Is(err, sandbox.ErrUnsupported) {
		return nil, nil, fmt.Errorf("network %s: %w; set network: host for this upstream to run it in the gateway's network", uc.Network, err)
	}
	if err != nil {
		return nil, nil, err
	}
	return sb.Cmd, sb, nil
}

// programPath resolves a stdio upstream's command as exec.Command would
// (a name through the gateway's PATH, a path relative to dir), to an
// absolute path.
func programPath(command, dir string) (string, error) {
	path := command
	if !strings.Contains(path, "/") {
		var err error
		if path, err = exec.LookPath(command); err != nil {
			return "", err
		}
	}
	if !filepath.IsAbs(path) {
		if dir != "" {
			path = filepath.Join(dir, path)
		}
		var err error
		if path, err = filepath.Abs(path); err != nil {
			return "", err
		}
	}
	return path, nil
}

// stderrLog logs a stdio upstream's stderr, one record per line (at most
// maxStderrLine bytes of it, at most stderrLinesPerSecond lines a second,
// credentials in URLs masked).
type stderrLog struct {
	logger   *slog.Logger
	upstream string
	mu       sync.Mutex
	partial  []byte
	limit    recordLimiter
}

const (
	maxStderrLine        = 2048
	stderrLinesPerSecond = 100
)

// urlCredentials matches the user:password@ of a URL.
var urlCredentials = regexp.MustCompile(`://[^/\s:@]+:[^/\s@]*@`)

func (w *stderrLog) log(line []byte) {
	if w.limit.perSecond == 0 {
		w.limit.perSecond = stderrLinesPerSecond
	}
	note, ok := w.limit.admit(w.upstream, time.Now())
	if !ok {
		return
	}
	text := urlCredentials.ReplaceAllString(strings.TrimRight(string(line), "\r"), "://…@")
	w.logger.Info("upstream stderr", "upstream", w.upstream, "line", text+note)
}

func (w *stderrLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.partial = append(w.partial, p[:min(len(p), max(maxStderrLine-len(w.partial), 0))]...)
			break
		}
		line := append(w.partial, p[:min(i, max(maxStderrLine-len(w.partial), 0))]...)
		w.log(line)
		w.partial = w.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

// stdioEnv builds a stdio upstream's environment: the configured variables,
// and the egress proxy for HTTP(S), with the upstream's name as the proxy
// user so the proxy's decisions name it.
func stdioEnv(uc Upstream, egressURL string, password func(string) string) []string {
	env := make([]string, 0, len(uc.Env)+6)
	keys := make([]string, 0, len(uc.Env))
	for k := range uc.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+uc.Env[k])
	}
	if egressURL != "" {
		p, err := url.Parse(egressURL)
		if err == nil {
			p.User = url.User(uc.Name)
			if password != nil {
				p.User = url.UserPassword(uc.Name, password(uc.Name))
			}
			for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"} {
				env = append(env, k+"="+p.String())
			}
			env = append(env, "NO_PROXY=", "no_proxy=")
		}
	}
	return env
}

// refresh lists an upstream's tools, pins their definitions and publishes
// them to clients.
func (g *Gateway) refresh(ctx context.Context, u *upstream) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	var defs []*mcp.Tool
	for t, err := range u.session.Tools(ctx, nil) {
		if err != nil {
			return err
		}
		defs = append(defs, t)
	}
	if u.known == nil {
		known, err := g.upstreamKnown(ctx, u)
		if err != nil {
			return err
		}
		u.known = &known
	}
	fresh := map[string]*tool{}
	for _, d := range defs {
		name := u.cfg.Name + "." + d.Name
		t := &tool{name: name, upstream: u, def: d, hash: definitionHash(d), labels: g.cfg.labelsFor(name), failOpen: g.cfg.failOpenFor(name)}
		t.term = toolTerm(u.cfg.Name, t)
		t.newPin = *u.known && !g.cfg.Approvals.TrustNewTools
		if b, err := json.Marshal(d.InputSchema); err != nil || bytes.Contains(b, []byte(`"x-mcp-header"`)) {
			t.paramHeaders = true
		}
		if err := g.checkPin(ctx, t); err != nil {
			return err
		}
		fresh[name] = t
	}
	*u.known = true
	g.mu.Lock()
	var gone []string
	for name, t := range g.tools {
		if t.upstream == u {
			if _, ok := fresh[name]; !ok {
				gone = append(gone, name)
				delete(g.tools, name)
			}
		}
	}
	for name, t := range fresh {
		g.tools[name] = t
	}
	g.mu.Unlock()
	if g.onToolsChanged != nil {
		g.onToolsChanged(gone)
	}
	return nil
}

// definitionHash is the SHA-256 of a tool's name, title, description,
// schemas and annotations: what an agent relies on when it decides to call
// the tool, and what policy reads (a destructiveHint dropped later must not
// slip past the pin). Title and annotations count only when present, so
// tools without them keep the hash they were pinned with.
func definitionHash(t *mcp.Tool) string {
	b, _ := json.Marshal(struct {
		Name         string               `json:"name"`
		Title        string               `json:"title,omitempty"`
		Description  string               `json:"description"`
		InputSchema  any                  `json:"inputSchema"`
		OutputSchema any                  `json:"outputSchema,omitempty"`
		Annotations  *mcp.ToolAnnotations `json:"annotations,omitempty"`
	}{t.Name, t.Title, t.Description, t.InputSchema, t.OutputSchema, t.Annotations})
	// Re-encode through a generic value so key order cannot change the hash.
	var v any
	json.Unmarshal(b, &v)
	b, _ = json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// pinAgent is the identity approvals of tool-definition changes are bound to.
const pinAgent = "parapet:tool-definition"

// newPin marks the pin of a tool first seen after its upstream's first
// connection: it holds until a person approves the tool.
const newPin = "new:"

// upstreamKnown reports whether the upstream was connected before, and
// records that it now has been. The record is a pin of its own, under a
// name no tool can have, holding a value only this call could have
// written: it comes back unchanged only when there was none.
func (g *Gateway) upstreamKnown(ctx context.Context, u *upstream) (bool, error) {
	var nonce [12]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return false, err
	}
	mark := "connected:" + hex.EncodeToString(nonce[:])
	got, err := g.approvals.State.PinTool(ctx, "parapet:upstream/"+u.cfg.Name, mark)
	if err != nil {
		return false, err
	}
	return got != mark, nil
}

// checkPin compares a tool's definition with the one pinned on first sight.
// A changed definition (a rug pull) blocks the tool until a person approves
// the change, which re-pins it; so does a tool first seen after its
// upstream's first connection, unless approvals.trust_new_tools is set.
func (g *Gateway) checkPin(ctx context.Context, t *tool) error {
	first := t.hash
	if t.newPin {
		first = newPin + t.hash
	}
	pinned, err := g.approvals.State.PinTool(ctx, t.name, first)
	if err != nil {
		return err
	}
	if pinned == t.hash {
		t.setBlocked("")
		return nil
	}
	added := strings.HasPrefix(pinned, newPin)
	reason := "the tool's definition changed since it was pinned"
	if added {
		reason = "the upstream added this tool after it was first connected"
	}
	args, _ := json.Marshal(map[string]string{"tool": t.name, "pinned_sha256": pinned, "new_sha256": t.hash, "new_description": t.def.Description})
	status, ar, err := g.approvals.CheckCall(ctx, approval.Call{Agent: pinAgent, Tool: t.name, Arguments: args, Reason: reason})
	if err != nil {
		return err
	}
	switch status {
	case approval.Approved:
		if err := g.approvals.State.RepinTool(ctx, t.name, t.hash); err != nil {
			return err
		}
		t.setBlocked("")
	case approval.Denied:
		if added {
			t.setBlocked(fmt.Sprintf("tool %s was added by its upstream and %s refused it (%s)", t.name, ar.Approver, ar.ID))
		} else {
			t.setBlocked(fmt.Sprintf("tool %s changed its definition and %s refused the change (%s)", t.name, ar.Approver, ar.ID))
		}
	default:
		if added {
			t.setBlocked(fmt.Sprintf("tool %s was added by its upstream after it was first connected; it is blocked until a person approves it: parapet approvals approve %s", t.name, ar.ID))
		} else {
			t.setBlocked(fmt.Sprintf("tool %s changed its definition since it was pinned (possible rug pull); it is blocked until a person approves the change: parapet approvals approve %s", t.name, ar.ID))
		}
	}
	return nil
}

func (g *Gateway) closeUpstreams() {
	g.mu.Lock()
	seen := map[*upstream]bool{}
	for _, t := range g.tools {
		seen[t.upstream] = true
	}
	ups := g.upstreams
	g.mu.Unlock()
	for _, u := range ups {
		seen[u] = true
	}
	for u := range seen {
		if u.session != nil {
			u.session.Close()
		}
	}
}

// upstreamTransport is the HTTP transport to an HTTP upstream: it keeps as
// many idle connections as calls run at once, where the default keeps two
// and opens (and tears down) a connection for every call beyond them.
func upstreamTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 256
	return t
}
