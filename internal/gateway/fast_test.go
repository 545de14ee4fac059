package gateway

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// rawCall is one HTTP request to the gateway's /mcp, as a client of the
// stateless revision sends it, with what a test changes.
type rawCall struct {
	name    string
	tool    string
	args    string
	body    string            // replaces the whole body when set
	headers map[string]string // overrides; "" deletes
	// direct: the direct path must answer it (else the SDK must).
	direct bool
}

const statelessMeta = `{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"raw","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}`

// request builds the call for the stateless revision, or, given a
// session, for the session-based 2025-11-25.
func (c rawCall) request(t *testing.T, url, token, session string) *http.Request {
	body := c.body
	if body == "" {
		args := c.args
		if args == "" {
			args = "{}"
		}
		meta := `,"_meta":` + statelessMeta
		if session != "" {
			meta = `,"_meta":{"progressToken":3}`
		}
		body = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"` + c.tool + `","arguments":` + args + meta + `}}`
	}
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]string{
		"Authorization":        "Bearer " + token,
		"Content-Type":         "application/json",
		"Accept":               "application/json, text/event-stream",
		"Mcp-Protocol-Version": "2026-07-28",
		"Mcp-Method":           "tools/call",
		"Mcp-Name":             c.tool,
	}
	if session != "" {
		h["Mcp-Protocol-Version"] = "2025-11-25"
		h["Mcp-Session-Id"] = session
		delete(h, "Mcp-Method")
		delete(h, "Mcp-Name")
	}
	for k, v := range c.headers {
		h[k] = v
	}
	for k, v := range h {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	return req
}

// reply is a response reduced to what a client reads: the status and the
// JSON-RPC message (from a JSON body or the event stream).
type reply struct {
	status  int
	message any
	direct  bool
}

func send(t *testing.T, req *http.Request) reply {
	t.Helper()
	r, _ := sendFor(t, req)
	return r
}

// sendFor sends req and returns the reply and the response's headers.
func sendFor(t *testing.T, req *http.Request) (reply, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode}
	ct := resp.Header.Get("Content-Type")
	r.direct = strings.HasPrefix(ct, "application/json") && resp.StatusCode == http.StatusOK
	if strings.HasPrefix(ct, "text/event-stream") {
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				b = []byte(d)
			}
		}
	}
	if err := json.Unmarshal(b, &r.message); err != nil {
		r.message = strings.TrimSpace(string(b))
	}
	return r, resp.Header
}

// openSession initializes a 2025-11-25 session with the gateway, as token.
func openSession(t *testing.T, r *rig, token string) string {
	t.Helper()
	url := r.url
	post := func(body, session string) (reply, http.Header) {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
			req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
		}
		return sendFor(t, req)
	}
	rep, h := post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`, "")
	id := h.Get("Mcp-Session-Id")
	if rep.status != http.StatusOK || id == "" {
		t.Fatalf("initialize: %d %v", rep.status, rep.message)
	}
	if r, _ := post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`, id); r.status != http.StatusAccepted {
		t.Fatalf("initialized: %d %v", r.status, r.message)
	}
	// The SDK acknowledges the notification before it handles it: wait
	// until the gateway knows the session initialized.
	g := r.rt.Gateway
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		g.live.mu.Lock()
		s := g.live.m[id]
		ready := s != nil && s.ss != nil
		g.live.mu.Unlock()
		if ready {
			return id
		}
		if time.Now().After(deadline) {
			t.Fatal("the session never initialized")
		}
	}
}

var approvalNumber = regexp.MustCompile(`apr_[0-9a-f]+`)

// The direct path must answer exactly as the SDK's handler does, and leave
// to it every request it does not fully understand.
func TestDirectPathAnswersAsTheSDKDoes(t *testing.T) {
	common := []rawCall{
		{name: "an allowed call", tool: "web.report", direct: true},
		{name: "an allowed call with arguments", tool: "web.read_file", args: `{"path":"/srv/app/README.md"}`, direct: true},
		{name: "a call policy denies", tool: "web.read_file", args: `{"path":"/home/dev/.aws/credentials"}`, direct: true},
		{name: "a call that needs approval", tool: "web.run_command", args: `{"command":"kubectl delete namespace prod"}`, direct: true},
		{name: "an SSRF attempt", tool: "web.fetch", args: `{"url":"http://169.254.169.254/latest/meta-data/"}`, direct: true},
		{name: "a secret in the response", tool: "web.read_inbox", args: `{"message":3}`, direct: true},
		{name: "an injected response", tool: "web.read_inbox", args: `{"message":2}`, direct: true},
		{name: "a sensitive sink after untrusted input", tool: "web.send_email", args: `{"to":"carol@example.com","body":"hi"}`, direct: true},
		{name: "a stdio upstream's tool", tool: "box.read_file", args: `{"path":"/srv/app/README.md"}`, direct: true},
		{name: "an unknown tool", tool: "web.nope"},
		{name: "arguments not an object", tool: "web.read_file", args: `["/etc/passwd"]`, direct: true},
		{name: "a JSON content type missing", tool: "web.report", headers: map[string]string{"Content-Type": "text/plain"}},
		{name: "an Accept without event streams", tool: "web.report", headers: map[string]string{"Accept": "application/json"}},
		{name: "not JSON", tool: "web.report", body: `{"jsonrpc":"2.0",`},
	}
	stateless := append(common,
		rawCall{name: "Mcp-Name not the tool called", tool: "web.report", headers: map[string]string{"Mcp-Name": "web.read_file"}},
		rawCall{name: "no Mcp-Method", tool: "web.report", headers: map[string]string{"Mcp-Method": ""}},
		rawCall{name: "no client capabilities", tool: "web.report", body: `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"web.report","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`},
		rawCall{name: "_meta naming another version", tool: "web.report", body: `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"web.report","_meta":{"io.modelcontextprotocol/protocolVersion":"2025-11-25","io.modelcontextprotocol/clientCapabilities":{}}}}`},
		rawCall{name: "a key in another case", tool: "web.report", body: `{"jsonrpc":"2.0","id":7,"Method":"tools/list","method":"tools/call","params":{"name":"web.report","_meta":` + statelessMeta + `}}`},
		rawCall{name: "a repeated key", tool: "web.report", body: `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"web.read_file","name":"web.report","_meta":` + statelessMeta + `}}`},
		rawCall{name: "a batch", tool: "web.report", body: `[{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"web.report","_meta":` + statelessMeta + `}}]`},
		rawCall{name: "a notification", tool: "web.report", body: `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"web.report","_meta":` + statelessMeta + `}}`},
	)
	sessions := append(common,
		rawCall{name: "an unknown session", tool: "web.report", headers: map[string]string{"Mcp-Session-Id": "no-such-session"}},
		rawCall{name: "no protocol version header", tool: "web.report", headers: map[string]string{"Mcp-Protocol-Version": ""}},
		rawCall{name: "the stateless revision's _meta in a session", tool: "web.report", body: `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"web.report","_meta":` + statelessMeta + `}}`},
		rawCall{name: "a repeated key", tool: "web.report", body: `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"web.read_file","name":"web.report"}}`},
		rawCall{name: "a batch", tool: "web.report", body: `[{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"web.report"}}]`},
	)
	for _, gen := range []struct {
		name  string
		calls []rawCall
	}{{"stateless", stateless}, {"sessions", sessions}} {
		t.Run(gen.name, func(t *testing.T) {
			viaSDK := newRig(t, nil)
			viaSDK.rt.Gateway.noDirect = true
			direct := newRig(t, nil)
			var sdkSession, directSession string
			if gen.name == "sessions" {
				sdkSession, directSession = openSession(t, viaSDK, viaSDK.agentKey), openSession(t, direct, direct.agentKey)
			}
			for _, c := range gen.calls {
				t.Run(c.name, func(t *testing.T) {
					want := send(t, c.request(t, viaSDK.url, viaSDK.agentKey, sdkSession))
					got := send(t, c.request(t, direct.url, direct.agentKey, directSession))
					if got.direct != c.direct {
						t.Errorf("answered by the direct path: %v, want %v", got.direct, c.direct)
					}
					if want.direct {
						t.Errorf("the SDK's handler answered in JSON; the comparison cannot tell the paths apart")
					}
					// Approval requests are numbered at random, per gateway.
					g, _ := json.Marshal(got.message)
					w, _ := json.Marshal(want.message)
					g, w = approvalNumber.ReplaceAll(g, []byte("apr_ID")), approvalNumber.ReplaceAll(w, []byte("apr_ID"))
					if got.status != want.status || !bytes.Equal(g, w) {
						t.Fatalf("direct path: %d %s\nSDK:         %d %s", got.status, g, want.status, w)
					}
				})
			}
		})
	}
}

func TestDirectPathKeepsSessionsToTheirAgents(t *testing.T) {
	r := newRig(t, func(c *Config) {
		c.Agents = append(c.Agents, Agent{ID: "agent-2", APIKeySHA256: []string{sha("agent-two-key-0123456789")}})
	})
	session := openSession(t, r, r.agentKey)
	call := rawCall{tool: "web.report"}
	if got := send(t, call.request(t, r.url, r.agentKey, session)); !got.direct {
		t.Fatalf("the session's own agent was not served by the direct path: %d %v", got.status, got.message)
	}
	got := send(t, call.request(t, r.url, "agent-two-key-0123456789", session))
	if got.direct || got.status != http.StatusForbidden {
		t.Fatalf("another agent used the session: %d %v", got.status, got.message)
	}
}

func TestDirectPathLetsTheSDKSeeASessionWithinItsIdleTimeout(t *testing.T) {
	r := newRig(t, nil)
	g := r.rt.Gateway
	session := openSession(t, r, r.agentKey)
	call := rawCall{tool: "web.report"}
	if got := send(t, call.request(t, r.url, r.agentKey, session)); !got.direct {
		t.Fatalf("not served by the direct path: %d %v", got.status, got.message)
	}
	// The SDK last saw the session more than half its idle timeout ago:
	// the next call goes through the SDK, restarting its timer.
	g.live.mu.Lock()
	g.live.m[session].sdkSeen = time.Now().Add(-g.live.idle/2 - time.Second)
	g.live.mu.Unlock()
	if got := send(t, call.request(t, r.url, r.agentKey, session)); got.direct || got.status != http.StatusOK {
		t.Fatalf("want the SDK to serve the call: %d %v", got.status, got.message)
	}
	if got := send(t, call.request(t, r.url, r.agentKey, session)); !got.direct {
		t.Fatalf("the direct path did not resume: %d %v", got.status, got.message)
	}
	// A session the client ends is forgotten.
	req, _ := http.NewRequest(http.MethodDelete, r.url, nil)
	req.Header.Set("Authorization", "Bearer "+r.agentKey)
	req.Header.Set("Mcp-Session-Id", session)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode >= 300 {
		t.Fatalf("DELETE: %v %v", resp, err)
	}
	if got := send(t, call.request(t, r.url, r.agentKey, session)); got.direct || got.status != http.StatusNotFound {
		t.Fatalf("a call in an ended session: %d %v", got.status, got.message)
	}
}
