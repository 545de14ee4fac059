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

func (c rawCall) request(t *testing.T, url, token string) *http.Request {
	body := c.body
	if body == "" {
		args := c.args
		if args == "" {
			args = "{}"
		}
		body = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"` + c.tool + `","arguments":` + args + `,"_meta":` + statelessMeta + `}}`
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
	return r
}

var approvalNumber = regexp.MustCompile(`apr_[0-9a-f]+`)

// The direct path must answer exactly as the SDK's handler does, and leave
// to it every request it does not fully understand.
func TestDirectPathAnswersAsTheSDKDoes(t *testing.T) {
	viaSDK := newRig(t, nil)
	viaSDK.rt.Gateway.noDirect = true
	direct := newRig(t, nil)
	calls := []rawCall{
		{name: "an allowed call", tool: "web.report", direct: true},
		{name: "an allowed call with arguments", tool: "web.read_file", args: `{"path":"/srv/app/README.md"}`, direct: true},
		{name: "a call policy denies", tool: "web.read_file", args: `{"path":"/home/dev/.aws/credentials"}`, direct: true},
		{name: "a call that needs approval", tool: "web.run_command", args: `{"command":"kubectl delete namespace prod"}`, direct: true},
		{name: "an SSRF attempt", tool: "web.fetch", args: `{"url":"http://169.254.169.254/latest/meta-data/"}`, direct: true},
		{name: "a secret in the response", tool: "web.read_inbox", args: `{"message":3}`, direct: true},
		{name: "an injected response", tool: "web.read_inbox", args: `{"message":2}`, direct: true},
		{name: "a sensitive sink after untrusted input", tool: "web.send_email", args: `{"to":"carol@example.com","body":"hi"}`, direct: true},
		{name: "an unknown tool", tool: "web.nope"},
		{name: "Mcp-Name not the tool called", tool: "web.report", headers: map[string]string{"Mcp-Name": "web.read_file"}},
		{name: "no Mcp-Method", tool: "web.report", headers: map[string]string{"Mcp-Method": ""}},
		{name: "no client capabilities", tool: "web.report", body: `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"web.report","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`},
		{name: "_meta naming another version", tool: "web.report", body: `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"web.report","_meta":{"io.modelcontextprotocol/protocolVersion":"2025-11-25","io.modelcontextprotocol/clientCapabilities":{}}}}`},
		{name: "a key in another case", tool: "web.report", body: `{"jsonrpc":"2.0","id":7,"Method":"tools/list","method":"tools/call","params":{"name":"web.report","_meta":` + statelessMeta + `}}`},
		{name: "a repeated key", tool: "web.report", body: `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"web.read_file","name":"web.report","_meta":` + statelessMeta + `}}`},
		{name: "a batch", tool: "web.report", body: `[{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"web.report","_meta":` + statelessMeta + `}}]`},
		{name: "a notification", tool: "web.report", body: `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"web.report","_meta":` + statelessMeta + `}}`},
		{name: "not JSON", tool: "web.report", body: `{"jsonrpc":"2.0",`},
		{name: "arguments not an object", tool: "web.read_file", args: `["/etc/passwd"]`, direct: true},
		{name: "a JSON content type missing", tool: "web.report", headers: map[string]string{"Content-Type": "text/plain"}},
		{name: "an Accept without event streams", tool: "web.report", headers: map[string]string{"Accept": "application/json"}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			want := send(t, c.request(t, viaSDK.url, viaSDK.agentKey))
			got := send(t, c.request(t, direct.url, direct.agentKey))
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
}
