package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The lean client against real SDK servers: session-based and stateless,
// answering in event streams and in JSON.
func TestLeanClientCallsSDKServers(t *testing.T) {
	for _, c := range []struct {
		name string
		opts *mcp.StreamableHTTPOptions
	}{
		{"sessions, event streams", nil},
		{"sessions, JSON responses", &mcp.StreamableHTTPOptions{JSONResponse: true}},
		{"stateless", &mcp.StreamableHTTPOptions{Stateless: true}},
		{"stateless, JSON responses", &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := testServer()
			srv := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, c.opts))
			defer srv.Close()
			hc := &http.Client{Transport: upstreamTransport()}
			cs, err := mcp.NewClient(clientImpl, nil).Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: srv.URL, HTTPClient: hc}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			rc := newRPCClient(srv.URL, hc, cs, clientImpl)
			if rc == nil {
				t.Fatalf("no lean client for protocol %s", cs.InitializeResult().ProtocolVersion)
			}
			if want := c.opts != nil && c.opts.Stateless; rc.stateless() != want {
				t.Fatalf("stateless = %v under %s", rc.stateless(), cs.InitializeResult().ProtocolVersion)
			}
			raw, err := rc.callTool(context.Background(), "read_file", json.RawMessage(`{"path":"/etc/motd"}`))
			if err != nil {
				t.Fatal(err)
			}
			var res mcp.CallToolResult
			if err := res.UnmarshalJSON(raw); err != nil {
				t.Fatal(err)
			}
			if got := res.Content[0].(*mcp.TextContent).Text; got != "contents of /etc/motd" {
				t.Fatalf("got %q", got)
			}
			// A tool error from the server is a JSON-RPC error.
			_, err = rc.callTool(context.Background(), "no_such_tool", nil)
			var je *jsonrpc.Error
			if !errors.As(err, &je) {
				t.Fatalf("want a JSON-RPC error, got %v", err)
			}
		})
	}
}

// streamServer answers every POST with the given event stream, recording
// the bodies of the requests after the first (answers to its requests).
type streamServer struct {
	mu      sync.Mutex
	answers []string
	reply   func(w http.ResponseWriter, id string)
}

func (s *streamServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	m, err := decodeMessage(body)
	if err != nil || m.Method == "" {
		s.mu.Lock()
		s.answers = append(s.answers, string(body))
		s.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		return
	}
	s.reply(w, string(m.ID))
}

func TestLeanClientReadsResponseStreams(t *testing.T) {
	result := `{"content":[{"type":"text","text":"done"}]}`
	sse := func(events ...string) func(w http.ResponseWriter, id string) {
		return func(w http.ResponseWriter, id string) {
			w.Header().Set("Content-Type", "text/event-stream")
			for _, e := range events {
				io.WriteString(w, strings.ReplaceAll(e, "$ID", id))
			}
		}
	}
	cases := []struct {
		name    string
		reply   func(w http.ResponseWriter, id string)
		wantErr string
		answers []string
	}{
		{name: "the response after a notification and a comment", reply: sse(
			": keepalive\n\n",
			"event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":1}}\n\n",
			"id: 7\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":"+result+"}\n\n")},
		{name: "data split over lines, CRLF", reply: sse(
			"data: {\"jsonrpc\":\"2.0\",\r\ndata: \"id\":$ID,\"result\":" + result + "}\r\n\r\n")},
		{name: "a ping from the server is answered", reply: sse(
			"data: {\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"method\":\"ping\"}\n\n",
			"data: {\"jsonrpc\":\"2.0\",\"id\":\"s2\",\"method\":\"sampling/createMessage\",\"params\":{}}\n\n",
			"data: {\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":"+result+"}\n\n"),
			answers: []string{`{"jsonrpc":"2.0","id":"s1","result":{}}`, `{"jsonrpc":"2.0","id":"s2","error":{"code":-32601,"message":"method not found"}}`}},
		{name: "a JSON response", reply: func(w http.ResponseWriter, id string) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			io.WriteString(w, `{"jsonrpc":"2.0","id":`+id+`,"result":`+result+`}`)
		}},
		{name: "the stream ends first", reply: sse("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\n\n"), wantErr: "ended before the response"},
		{name: "a response to another request", reply: sse("data: {\"jsonrpc\":\"2.0\",\"id\":999,\"result\":{}}\n\n"), wantErr: "not"},
		{name: "malformed JSON", reply: sse("data: {\"jsonrpc\":\n\n"), wantErr: "malformed"},
		{name: "an HTTP error", reply: func(w http.ResponseWriter, id string) { http.Error(w, "session not found", http.StatusNotFound) }, wantErr: "HTTP 404: session not found"},
		{name: "another content type", reply: func(w http.ResponseWriter, id string) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html>")
		}, wantErr: "content type"},
		{name: "a result that is not an object", reply: sse("data: {\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":[1]}\n\n"), wantErr: "not a JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ss := &streamServer{reply: c.reply}
			srv := httptest.NewServer(ss)
			defer srv.Close()
			rc := &rpcClient{endpoint: srv.URL, hc: srv.Client(), session: "s", version: "2025-11-25"}
			raw, err := rc.callTool(context.Background(), "t", nil)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("want an error with %q, got %v (%s)", c.wantErr, err, raw)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(raw, []byte(result)) {
				t.Fatalf("got %s", raw)
			}
			ss.mu.Lock()
			defer ss.mu.Unlock()
			if strings.Join(ss.answers, "\n") != strings.Join(c.answers, "\n") {
				t.Fatalf("answers %q, want %q", ss.answers, c.answers)
			}
		})
	}
}

// An HTTP upstream's configured headers go with every request, tools/call
// through the lean client included; the agent's own token never does.
func TestUpstreamHeadersGoWithEveryRequest(t *testing.T) {
	s := testServer()
	sdk := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	var mu sync.Mutex
	var leaked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer upstream-secret" {
			mu.Lock()
			leaked = append(leaked, r.Header.Get("Authorization"))
			mu.Unlock()
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		sdk.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close) // after the gateway's own cleanup ends its streams
	r := newRig(t, func(c *Config) {
		for i := range c.Upstreams {
			if c.Upstreams[i].URL != "" {
				c.Upstreams[i].URL = srv.URL
				c.Upstreams[i].Headers = map[string]string{"Authorization": "Bearer upstream-secret"}
			}
		}
	})
	for _, version := range []string{"2026-07-28", "2025-11-25"} {
		if out := mustAllow(t, r.clientAt(r.agentKey, version), "web.read_file", map[string]any{"path": "/srv/a"}); out != "contents of /srv/a" {
			t.Fatalf("got %q", out)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(leaked) > 0 {
		t.Fatalf("requests reached the upstream without its headers (Authorization %q)", leaked)
	}
}

// A peer declaring a large body and sending little makes readAll allocate
// little.
func TestReadAllDoesNotTrustTheDeclaredLength(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b, err := readAll(strings.NewReader("{"), maxResponseBytes-1, maxResponseBytes+1)
	runtime.ReadMemStats(&after)
	if err != nil || string(b) != "{" {
		t.Fatalf("got %q, %v", b, err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("allocated %d bytes for a 1-byte body", n)
	}
	// And a body longer than its declared length is still read whole.
	long := strings.Repeat("x", 100<<10)
	if b, err := readAll(strings.NewReader(long), 10, maxResponseBytes+1); err != nil || len(b) != len(long) {
		t.Fatalf("read %d of %d bytes: %v", len(b), len(long), err)
	}
}

func TestAnUpstreamThatDoesNotAnswerIsCutOff(t *testing.T) {
	r := newRig(t, func(c *Config) {
		for i := range c.Upstreams {
			c.Upstreams[i].Timeout = Duration(200 * time.Millisecond)
		}
	})
	cs := r.client(r.agentKey)
	for _, tool := range []string{"web.wait", "box.wait"} {
		start := time.Now()
		mustRefuse(t, cs, CodeDenied, tool, map[string]any{"millis": 30000}, "did not answer within 200ms")
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("%s: refused after %s", tool, d)
		}
		if out := mustAllow(t, cs, tool, map[string]any{"millis": 1}); out != "waited" {
			t.Fatalf("%s: got %q", tool, out)
		}
	}
}
