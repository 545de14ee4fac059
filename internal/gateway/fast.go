package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The direct path. Through the SDK's handler, a tools/call costs a server
// session built and torn down for the one request (stateless revision) or
// a round through the session's dispatch (session-based revisions), and a
// handful of decodes of the same body. The gateway answers the common case
// itself: one request, method tools/call, its headers and _meta
// consistent, in a session the SDK created for the same agent when there
// is one, nothing the SDK would refuse or handle differently. Anything else
// (and any request the direct path is unsure of) goes to the SDK handler
// unchanged, so the two never disagree on what a request means: both end
// in CallTool.

// fastBodyLimit is the largest request body the direct path reads; a larger
// one goes to the SDK handler.
const fastBodyLimit = 1 << 20

// Keys of the stateless revision's per-request _meta.
const (
	metaProtocolVersion    = "io.modelcontextprotocol/protocolVersion"
	metaClientInfo         = "io.modelcontextprotocol/clientInfo"
	metaClientCapabilities = "io.modelcontextprotocol/clientCapabilities"
	metaServerInfo         = "io.modelcontextprotocol/serverInfo"
)

// serverImpl is how the gateway names itself to clients.
var serverImpl = &mcp.Implementation{Name: "parapet-gateway", Title: "Parapet MCP gateway", Version: "1"}

// toolCallRequest is a tools/call request read strictly: every key of the
// envelope and of params known, none twice, names matched exactly.
type toolCallRequest struct {
	id        json.RawMessage
	name      string
	arguments json.RawMessage
	meta      map[string]any
}

var errNotDirect = errors.New("not for the direct path")

// parseToolCall reads body as one tools/call request, or fails with
// errNotDirect for anything else.
func parseToolCall(body []byte) (*toolCallRequest, error) {
	if !validJSON(body) {
		return nil, errNotDirect
	}
	env, err := parseObject(body)
	if err != nil {
		return nil, errNotDirect
	}
	var req toolCallRequest
	var version, method string
	var params json.RawMessage
	for i, k := range env.keys {
		v := env.vals[i]
		switch k {
		case "jsonrpc":
			version, err = unquote(v)
		case "id":
			req.id = v
		case "method":
			method, err = unquote(v)
		case "params":
			params = v
		default:
			return nil, errNotDirect
		}
		if err != nil {
			return nil, errNotDirect
		}
	}
	if version != "2.0" || method != "tools/call" || params == nil {
		return nil, errNotDirect
	}
	// An id is a string or a number.
	if len(req.id) == 0 || (req.id[0] != '"' && req.id[0] != '-' && (req.id[0] < '0' || req.id[0] > '9')) {
		return nil, errNotDirect
	}
	p, err := parseObject(params)
	if err != nil {
		return nil, errNotDirect
	}
	haveName := false
	for i, k := range p.keys {
		v := p.vals[i]
		switch k {
		case "name":
			haveName = true
			req.name, err = unquote(v)
		case "arguments":
			req.arguments = v
		case "_meta":
			if v[0] != '{' {
				return nil, errNotDirect
			}
			err = json.Unmarshal(v, &req.meta)
		default:
			return nil, errNotDirect
		}
		if err != nil {
			return nil, errNotDirect
		}
	}
	if !haveName {
		return nil, errNotDirect
	}
	return &req, nil
}

// serveDirect answers r when it is a tools/call the direct path handles and
// reports whether it did. When it did not, r's body is as it was.
//
// Under the stateless revision a request stands alone. Under the
// session-based ones it must name a live session the SDK initialized for
// the same agent, whose client cannot take elicitation (asked through the
// SDK's session), and which the SDK has seen within half its idle timeout
// (so that its timer, which the direct path does not touch, never ends a
// session in use).
func (g *Gateway) serveDirect(w http.ResponseWriter, r *http.Request) bool {
	times := &callTimes{start: time.Now()}
	if g.noDirect || r.Method != http.MethodPost {
		return false
	}
	version := r.Header.Get("Mcp-Protocol-Version")
	sid := r.Header.Get("Mcp-Session-Id")
	stateless := sid == ""
	if stateless {
		if version != statelessProtocolVersion || g.cfg.Approvals.Elicit ||
			r.Header.Get("Mcp-Method") != "tools/call" || r.Header.Get("Mcp-Name") == "" {
			return false
		}
	} else if version == "" || version >= statelessProtocolVersion {
		return false
	}
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != "application/json" {
		return false
	}
	if jsonOK, streamOK := accepts(r.Header.Values("Accept")); !jsonOK || !streamOK {
		return false
	}
	for k := range r.Header {
		if strings.HasPrefix(k, "Mcp-Param-") {
			return false
		}
	}
	ti := auth.TokenInfoFromContext(r.Context())
	if ti == nil {
		return false
	}
	caller, _ := ti.Extra["caller"].(*Caller)
	if caller == nil {
		return false
	}
	if !stateless && !g.live.direct(sid, ti.UserID, g.elicitor) {
		return false
	}
	body, err := readAll(r.Body, r.ContentLength, fastBodyLimit+1)
	if err != nil || len(body) > fastBodyLimit {
		r.Body = readCloser{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		return false
	}
	restore := func() bool {
		r.Body = io.NopCloser(bytes.NewReader(body))
		return false
	}
	req, err := parseToolCall(body)
	if err != nil {
		return restore()
	}
	if stateless {
		// The per-request _meta of the stateless revision, as the SDK
		// checks it.
		if req.name != r.Header.Get("Mcp-Name") {
			return restore()
		}
		if v, _ := req.meta[metaProtocolVersion].(string); v != version {
			return restore()
		}
		if _, ok := req.meta[metaClientCapabilities].(map[string]any); !ok {
			return restore()
		}
		if ci, present := req.meta[metaClientInfo]; present {
			if m, ok := ci.(map[string]any); !ok || !validImplementation(m) {
				return restore()
			}
		}
	} else if _, present := req.meta[metaProtocolVersion]; present {
		// The stateless revision's _meta in a session: the SDK refuses it.
		return restore()
	}
	if t := g.tool(req.name); t == nil || t.paramHeaders {
		// Unknown tools are the SDK's to refuse; tools that bind arguments
		// to headers, the SDK's to validate.
		return restore()
	}

	ctx := context.WithValue(context.WithValue(r.Context(), timesKey{}, times), callerKey{}, caller)
	res, err := g.callRecovered(ctx, caller, sid, req)
	writeRPC(w, req.id, res, err, stateless)
	g.done(times)
	return true
}

// liveSessions are the protocol sessions the SDK's handler created, as the
// direct path needs to know them: whose they are, and when the SDK last
// saw a request in them.
type liveSessions struct {
	mu   sync.Mutex
	m    map[string]*liveSession
	idle time.Duration // the SDK's session idle timeout
}

type liveSession struct {
	agent   string
	created time.Time
	ss      *mcp.ServerSession // once initialized
	sdkSeen time.Time
}

// created records a session the SDK just created for agent.
func (l *liveSessions) created(id, agent string) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]*liveSession{}
	}
	// Sessions never initialized are forgotten after a minute.
	for k, s := range l.m {
		if s.ss == nil && now.Sub(s.created) > time.Minute {
			delete(l.m, k)
		}
	}
	l.m[id] = &liveSession{agent: agent, created: now, sdkSeen: now}
}

// initialized records the SDK's session once its client has initialized
// it, and forgets it when it ends.
func (l *liveSessions) initialized(ss *mcp.ServerSession) {
	id := ss.ID()
	if id == "" {
		return
	}
	l.mu.Lock()
	s := l.m[id]
	if s != nil {
		s.ss = ss
	}
	l.mu.Unlock()
	if s == nil {
		return
	}
	go func() {
		ss.Wait()
		l.forget(id)
	}()
}

// ended drops a session its agent ended.
func (l *liveSessions) ended(id, agent string) {
	l.mu.Lock()
	if s := l.m[id]; s != nil && s.agent == agent {
		delete(l.m, id)
	}
	l.mu.Unlock()
}

// forget drops a session that ended.
func (l *liveSessions) forget(id string) {
	l.mu.Lock()
	delete(l.m, id)
	l.mu.Unlock()
}

// seen notes a request the SDK's handler served in session id.
func (l *liveSessions) seen(id string) {
	l.mu.Lock()
	if s := l.m[id]; s != nil {
		s.sdkSeen = time.Now()
	}
	l.mu.Unlock()
}

// direct reports whether the direct path may serve a call in session id
// for the agent.
func (l *liveSessions) direct(id, agent string, elicitor func(*mcp.ServerSession) askPerson) bool {
	l.mu.Lock()
	s := l.m[id]
	ok := s != nil && s.ss != nil && s.agent == agent && (l.idle <= 0 || time.Since(s.sdkSeen) < l.idle/2)
	var ss *mcp.ServerSession
	if ok {
		ss = s.ss
	}
	l.mu.Unlock()
	return ok && elicitor(ss) == nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// validImplementation reports whether m decodes as an Implementation with a
// name, as the SDK requires of clientInfo.
func validImplementation(m map[string]any) bool {
	b, err := json.Marshal(m)
	if err != nil {
		return false
	}
	var impl mcp.Implementation
	return json.Unmarshal(b, &impl) == nil
}

// callRecovered runs CallTool, turning a panic into a logged refusal as the
// SDK path's middleware does.
func (g *Gateway) callRecovered(ctx context.Context, caller *Caller, sessionID string, req *toolCallRequest) (res *result, err error) {
	defer func() {
		if p := recover(); p != nil {
			actor := ""
			if caller != nil && caller.Agent != nil {
				actor = caller.Agent.ID
			}
			res, err = nil, g.recovered("tools/call", req.name, actor, p)
		}
	}()
	return g.CallTool(ctx, caller, sessionID, req.name, req.arguments, req.meta)
}

// writeRPC writes the JSON-RPC response to request id.
func writeRPC(w http.ResponseWriter, id json.RawMessage, res *result, err error, stateless bool) {
	var out []byte
	if err == nil {
		b, eerr := encodeResult(res, stateless)
		if eerr != nil {
			err = &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "parapet: encoding the result: " + eerr.Error()}
		} else {
			out = response(id, "result", b)
		}
	}
	if err != nil {
		var je *jsonrpc.Error
		if !errors.As(err, &je) {
			je = &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: err.Error()}
		}
		b, _ := json.Marshal(je)
		out = response(id, "error", b)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache, no-transform")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	w.Write(out)
}

// response frames a result or an error as the response to request id.
func response(id json.RawMessage, key string, value []byte) []byte {
	out := make([]byte, 0, len(value)+len(id)+40)
	out = append(out, `{"jsonrpc":"2.0","id":`...)
	out = append(out, id...)
	out = append(out, `,"`...)
	out = append(out, key...)
	out = append(out, `":`...)
	out = append(out, value...)
	return append(out, '}')
}

// completeTemplate is a result marked complete, which the SDK only lets
// its own decoder set.
var completeTemplate = func() mcp.CallToolResult {
	var r mcp.CallToolResult
	if err := r.UnmarshalJSON([]byte(`{"content":[],"resultType":"complete"}`)); err != nil {
		panic(fmt.Sprintf("gateway: complete result template: %v", err))
	}
	return r
}()

// completed returns res marked complete, with the server named in _meta.
// res itself is not changed. Results asking for input never get here
// (result.texts refuses them).
func completed(res *mcp.CallToolResult) *mcp.CallToolResult {
	// Copy the exported fields onto a result the SDK's decoder marked
	// complete: the mark is unexported.
	out := completeTemplate
	dst, src := reflect.ValueOf(&out).Elem(), reflect.ValueOf(res).Elem()
	for i := 0; i < dst.NumField(); i++ {
		if dst.Type().Field(i).IsExported() {
			dst.Field(i).Set(src.Field(i))
		}
	}
	meta := make(map[string]any, len(res.Meta)+1)
	for k, v := range res.Meta {
		meta[k] = v
	}
	if _, ok := meta[metaServerInfo]; !ok {
		meta[metaServerInfo] = serverImpl
	}
	out.Meta = meta
	return &out
}

// accepts reports whether an Accept header takes JSON and event streams.
func accepts(values []string) (jsonOK, streamOK bool) {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			base, _, _ := strings.Cut(strings.TrimSpace(part), ";")
			switch strings.ToLower(strings.TrimSpace(base)) {
			case "application/json", "application/*":
				jsonOK = true
			case "text/event-stream", "text/*":
				streamOK = true
			case "*/*":
				jsonOK, streamOK = true, true
			}
		}
	}
	return jsonOK, streamOK
}
