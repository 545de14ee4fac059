package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// maxResponseBytes bounds what one tools/call response may take from an
// upstream: a larger one is refused rather than buffered.
const maxResponseBytes = 64 << 20

// rpcClient sends tools/call requests over streamable HTTP within a
// protocol session another client opened (the SDK client, which also
// lists tools and follows list-changed notifications). It writes the
// request and reads the one response it waits for, without the per-message
// dispatch of a full client: the hop to an HTTP upstream is on every call's
// path. It speaks the session-based revisions and the stateless one
// (2026-07-28: the Mcp-Method and Mcp-Name headers and the per-request
// _meta); tools whose schemas bind arguments to headers are left to the
// SDK client.
type rpcClient struct {
	endpoint string
	hc       *http.Client
	session  string // Mcp-Session-Id; "" under the stateless revision
	version  string // the negotiated protocol version
	// meta is the stateless revision's per-request _meta, encoded once.
	meta []byte
	// headers are set on every request (an upstream's configured headers).
	headers map[string]string
	next    atomic.Int64
}

// newRPCClient returns the lean client for an SDK client session over
// streamable HTTP, or nil when it cannot speak the session's protocol.
func newRPCClient(endpoint string, hc *http.Client, cs *mcp.ClientSession, impl *mcp.Implementation) *rpcClient {
	ir := cs.InitializeResult()
	if ir == nil {
		return nil
	}
	c := &rpcClient{endpoint: endpoint, hc: hc, session: cs.ID(), version: ir.ProtocolVersion}
	switch {
	case ir.ProtocolVersion == statelessProtocolVersion:
		c.session = ""
		c.meta, _ = json.Marshal(map[string]any{
			metaProtocolVersion:    ir.ProtocolVersion,
			metaClientInfo:         impl,
			metaClientCapabilities: map[string]any{},
		})
	case ir.ProtocolVersion > statelessProtocolVersion || c.session == "":
		// A later revision, or a session-based one without a session.
		return nil
	}
	return c
}

// stateless reports whether the client speaks the stateless revision.
func (c *rpcClient) stateless() bool { return c.meta != nil }

// headerSafe reports whether a tool name can travel as the Mcp-Name
// header as it is (the SDK encodes other names).
func headerSafe(name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] <= ' ' || name[i] >= 0x7f {
			return false
		}
	}
	return name != ""
}

// rpcMessage is any JSON-RPC message a server may send on the response
// stream of a request: the response, or a notification or request of its
// own.
type rpcMessage struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *jsonrpc.Error  `json:"error,omitempty"`
}

// decodeMessage reads one JSON-RPC message. The values it keeps raw
// (id, params, result) are valid JSON: the message is checked whole first.
func decodeMessage(b []byte) (*rpcMessage, error) {
	if !validJSON(b) {
		return nil, errors.New("not valid JSON")
	}
	o, err := parseObject(b)
	if err != nil {
		// Repeated keys: take them as encoding/json does.
		var m rpcMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		return &m, nil
	}
	m := &rpcMessage{}
	for i, k := range o.keys {
		v := o.vals[i]
		switch k {
		case "jsonrpc":
			m.JSONRPC, err = unquote(v)
		case "id":
			m.ID = v
		case "method":
			m.Method, err = unquote(v)
		case "params":
			m.Params = v
		case "result":
			m.Result = v
		case "error":
			err = json.Unmarshal(v, &m.Error)
		}
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", k, err)
		}
	}
	if bytes.Equal(m.ID, []byte("null")) {
		m.ID = nil
	}
	if bytes.Equal(m.Result, []byte("null")) {
		m.Result = nil
	}
	return m, nil
}

// callTool calls a tool with its canonical JSON arguments and returns the
// result as sent (a JSON object). A JSON-RPC error from the server is
// returned as a *jsonrpc.Error.
func (c *rpcClient) callTool(ctx context.Context, name string, args json.RawMessage) (json.RawMessage, error) {
	raw, err := c.call(ctx, "tools/call", name, c.toolCallParams(name, args))
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("tools/call: the result is not a JSON object")
	}
	return raw, nil
}

// toolCallParams encodes {"name":...,"arguments":...}; args is already
// canonical JSON ({} when empty).
func (c *rpcClient) toolCallParams(name string, args json.RawMessage) []byte {
	if len(bytes.TrimSpace(args)) == 0 {
		args = json.RawMessage("{}")
	}
	n, _ := json.Marshal(name)
	b := make([]byte, 0, len(n)+len(args)+len(c.meta)+36)
	b = append(b, `{"name":`...)
	b = append(b, n...)
	b = append(b, `,"arguments":`...)
	b = append(b, args...)
	if c.meta != nil {
		b = append(b, `,"_meta":`...)
		b = append(b, c.meta...)
	}
	return append(b, '}')
}

// call sends one request and returns its result; name is the Mcp-Name
// header of the stateless revision ("" for methods without one). A call
// given up (ctx cancelled, or past its deadline) is cancelled at the
// server too, so that it stops working on it.
func (c *rpcClient) call(ctx context.Context, method, name string, params []byte) (json.RawMessage, error) {
	id := strconv.FormatInt(c.next.Add(1), 10)
	res, err := c.exchange(ctx, id, method, name, params)
	if err != nil && ctx.Err() != nil {
		c.cancel(id, ctx.Err().Error())
	}
	return res, err
}

// cancel tells the server that request id is no longer wanted.
func (c *rpcClient) cancel(id, reason string) {
	ctx, done := context.WithTimeout(context.Background(), 2*time.Second)
	defer done()
	r, _ := json.Marshal(reason)
	body := []byte(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":` + id + `,"reason":` + string(r) + `}}`)
	if resp, err := c.post(ctx, body, "notifications/cancelled", ""); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func (c *rpcClient) exchange(ctx context.Context, id, method, name string, params []byte) (json.RawMessage, error) {
	body := make([]byte, 0, len(params)+len(method)+48)
	body = append(body, `{"jsonrpc":"2.0","id":`...)
	body = append(body, id...)
	body = append(body, `,"method":`...)
	body = strconv.AppendQuote(body, method)
	body = append(body, `,"params":`...)
	body = append(body, params...)
	body = append(body, '}')
	resp, err := c.post(ctx, body, method, name)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if ct == "application/json" {
			// The stateless revision answers some errors with a 4xx
			// status and the JSON-RPC error as the body.
			if m, err := decodeMessage(b); err == nil && m.Error != nil && string(m.ID) == id {
				return nil, m.Error
			}
		}
		if len(b) > 256 {
			b = b[:256]
		}
		return nil, fmt.Errorf("%s: HTTP %d: %s", method, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	body = nil
	switch ct {
	case "application/json":
		b, err := readAll(resp.Body, resp.ContentLength, maxResponseBytes+1)
		if err != nil {
			return nil, fmt.Errorf("%s: reading the response: %w", method, err)
		}
		if len(b) > maxResponseBytes {
			return nil, fmt.Errorf("%s: response larger than %d bytes", method, maxResponseBytes)
		}
		m, err := decodeMessage(b)
		if err != nil {
			return nil, fmt.Errorf("%s: malformed response: %w", method, err)
		}
		return c.result(method, id, m)
	case "text/event-stream":
		return c.readStream(ctx, method, id, resp.Body)
	}
	return nil, fmt.Errorf("%s: unexpected response content type %q", method, resp.Header.Get("Content-Type"))
}

func (c *rpcClient) post(ctx context.Context, body []byte, method, name string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	h := req.Header
	for k, v := range c.headers {
		h.Set(k, v)
	}
	h["Content-Type"] = []string{"application/json"}
	h["Accept"] = []string{"application/json, text/event-stream"}
	h["Mcp-Protocol-Version"] = []string{c.version}
	if c.session != "" {
		h["Mcp-Session-Id"] = []string{c.session}
	}
	if c.stateless() && method != "" {
		h["Mcp-Method"] = []string{method}
		if name != "" {
			h["Mcp-Name"] = []string{name}
		}
	}
	return c.hc.Do(req)
}

// result checks that m is the response to request id and returns its
// result.
func (c *rpcClient) result(method, id string, m *rpcMessage) (json.RawMessage, error) {
	if string(m.ID) != id {
		return nil, fmt.Errorf("%s: response for request %s, not %s", method, m.ID, id)
	}
	if m.Error != nil {
		return nil, m.Error
	}
	if m.Result == nil {
		return nil, fmt.Errorf("%s: response without result or error", method)
	}
	return m.Result, nil
}

// readStream reads server-sent events until the response to request id.
// Notifications on the stream (progress, logging) are dropped, as a client
// without handlers for them would; a request from the server is answered
// (ping) or refused (anything else: the gateway declares no client
// capabilities), so the server is not left waiting.
func (c *rpcClient) readStream(ctx context.Context, method, id string, r io.Reader) (json.RawMessage, error) {
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	defer func() {
		br.Reset(nil)
		readers.Put(br)
	}()
	var data []byte
	total := 0
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A long data line: gather it whole.
			buf := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				buf = append(buf, line...)
				if len(buf) > maxResponseBytes {
					return nil, fmt.Errorf("%s: response larger than %d bytes", method, maxResponseBytes)
				}
			}
			line = buf
		}
		total += len(line)
		if total > maxResponseBytes {
			return nil, fmt.Errorf("%s: response larger than %d bytes", method, maxResponseBytes)
		}
		if err != nil && len(line) == 0 {
			if err == io.EOF {
				return nil, fmt.Errorf("%s: the stream ended before the response", method)
			}
			return nil, fmt.Errorf("%s: reading the response stream: %w", method, err)
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			if len(data) == 0 {
				continue
			}
			m, err := decodeMessage(data)
			if err != nil {
				return nil, fmt.Errorf("%s: malformed message on the response stream: %w", method, err)
			}
			data = nil
			switch {
			case m.Method != "" && len(m.ID) > 0:
				c.answer(ctx, m)
			case m.Method != "":
				// A notification.
			default:
				return c.result(method, id, m)
			}
		case bytes.HasPrefix(line, []byte("data:")):
			v := bytes.TrimPrefix(line[5:], []byte(" "))
			if len(data) > 0 {
				data = append(data, '\n')
			}
			data = append(data, v...)
		}
		// Other fields (event, id, retry) and comments carry nothing the
		// response needs.
	}
}

// readers are the buffered readers of response streams, reused: a call
// needs one only while it reads its response.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 8192) }}

// readAll reads r whole, up to limit bytes, into a buffer sized from the
// declared length when there is one.
func readAll(r io.Reader, length int64, limit int64) ([]byte, error) {
	// The declared length sizes the buffer only up to a point: a peer
	// that declares much and sends little must not make it allocate.
	size := int64(4096)
	if length > 0 && length < limit {
		size = min(length+1, 64<<10) // room to see the end without growing
	}
	b := make([]byte, 0, size)
	lr := io.LimitReader(r, limit)
	for {
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// answer replies to a request the server sent on a response stream.
func (c *rpcClient) answer(ctx context.Context, m *rpcMessage) {
	body := []byte(`{"jsonrpc":"2.0","id":`)
	body = append(body, m.ID...)
	if m.Method == "ping" {
		body = append(body, `,"result":{}}`...)
	} else {
		body = append(body, `,"error":{"code":-32601,"message":"method not found"}}`...)
	}
	if resp, err := c.post(ctx, body, "", ""); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
