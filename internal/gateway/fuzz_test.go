package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// FuzzGatewayJSONRPC posts arbitrary bodies, as an authenticated agent, to
// the gateway's MCP endpoint: whatever the framing (truncated JSON, batches,
// wrong types, deep nesting, huge ids), the gateway answers without failing
// and without a server error.
func FuzzGatewayJSONRPC(f *testing.F) {
	r := newRig(f, nil)
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"f","version":"1"}}}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"box.read_file","arguments":{"path":"/etc/hosts"}}}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"box.run_command","arguments":{"command":["aws","s3","rb"]}}}`,
		`[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","method":"notifications/initialized"}]`,
		`{"jsonrpc":"2.0","id":1e400,"method":"tools/call","params":{"name":"","arguments":null}}`,
		`{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"box.fetch","arguments":{"url":{"url":[[[[[[["http://169.254.169.254"]]]]]]]}}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"box.read_file","arguments":"not an object"}}`,
		`{"jsonrpc":"2.0"`,
		``,
	} {
		f.Add([]byte(s), false)
	}
	// The stateless revision's requests, which the direct path answers.
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}`
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"box.read_file","arguments":{"path":"/etc/hosts"},` + meta + `}}`,
		`{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"box.read_file","arguments":{"path":"\u0000\ud800"},` + meta + `}}`,
		`{"jsonrpc":"2.0","id":-1.5e3,"method":"tools/call","params":{"arguments":{"path":"x"},"name":"box.read_file",` + meta + `}}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"box.read_file","name":"box.run_command",` + meta + `}}`,
	} {
		f.Add([]byte(s), true)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	f.Fuzz(func(t *testing.T, body []byte, stateless bool) {
		req, _ := http.NewRequest("POST", r.url, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+r.agentKey)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if stateless {
			req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
			req.Header.Set("Mcp-Method", "tools/call")
			req.Header.Set("Mcp-Name", "box.read_file")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("gateway failed on %q: %v", body, err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("server error %d on %q", resp.StatusCode, body)
		}
		// A tools/call request the gateway took (200) is answered with a
		// JSON-RPC response: a tool result or an error, never nothing.
		var in struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &in) != nil || in.Method != "tools/call" || len(in.ID) == 0 || string(in.ID) == "null" {
			return
		}
		if !answersCall(resp.Header.Get("Content-Type"), out) {
			t.Fatalf("tools/call %q was answered 200 with no tool result or error: %q", body, out)
		}
	})
}

// answersCall reports whether a response body (JSON, or an event stream)
// carries a JSON-RPC response with a tool result or an error.
func answersCall(contentType string, body []byte) bool {
	var msgs [][]byte
	if strings.HasPrefix(contentType, "text/event-stream") {
		for _, l := range strings.Split(string(body), "\n") {
			if d, ok := strings.CutPrefix(strings.TrimRight(l, "\r"), "data:"); ok {
				msgs = append(msgs, []byte(strings.TrimPrefix(d, " ")))
			}
		}
	} else {
		msgs = append(msgs, body)
	}
	for _, b := range msgs {
		var m struct {
			ID     json.RawMessage `json:"id"`
			Result *struct {
				Content []json.RawMessage `json:"content"`
			} `json:"result"`
			Error *struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(b, &m) != nil || len(m.ID) == 0 {
			continue
		}
		if (m.Result != nil && m.Result.Content != nil) || (m.Error != nil && m.Error.Message != "") {
			return true
		}
	}
	return false
}

// FuzzDecodeMessage holds the decoder of upstream messages to
// encoding/json: what it accepts, encoding/json reads alike.
func FuzzDecodeMessage(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"result":{"content":[]}}`,
		`{"jsonrpc":"2.0","id":"a","error":{"code":-32601,"message":"m","data":{"x":1}}}`,
		`{"jsonrpc":"2.0","method":"notifications/progress","params":{"p":1}}`,
		`{"id":null,"result":null}`, `{"id":1,"id":2}`, `{"error":"x"}`, `[]`, `{"jsonrpc":"2.\u0030"}`,
	} {
		f.Add([]byte(s))
	}
	norm := func(r json.RawMessage) string {
		if string(r) == "null" {
			return ""
		}
		return string(r)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMessage(b)
		if err != nil {
			return
		}
		if foldedKey(b) {
			// JSON-RPC's member names are case-sensitive; encoding/json
			// also takes "ID" or "Result" for them. Such a message is read
			// by the spec here, and differs on purpose.
			return
		}
		var want rpcMessage
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("decodeMessage took %q, encoding/json refuses it: %v", b, err)
		}
		if m.JSONRPC != want.JSONRPC || m.Method != want.Method || norm(m.ID) != norm(want.ID) ||
			norm(m.Result) != norm(want.Result) || norm(m.Params) != norm(want.Params) || !reflect.DeepEqual(m.Error, want.Error) {
			t.Fatalf("%q: decoded %+v, encoding/json %+v", b, m, want)
		}
	})
}

// foldedKey reports whether a JSON object has a top-level key that equals
// a JSON-RPC member name only when case is ignored.
func foldedKey(b []byte) bool {
	d := json.NewDecoder(bytes.NewReader(b))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		k, _ := tok.(string)
		for _, name := range []string{"jsonrpc", "id", "method", "params", "result", "error"} {
			if k != name && strings.EqualFold(k, name) {
				return true
			}
		}
		var skip json.RawMessage
		if d.Decode(&skip) != nil {
			return false
		}
	}
	return false
}

// FuzzReadStream feeds arbitrary event streams to the reader of an HTTP
// upstream's response: it ends with an error or with the result of the
// response to its request, valid JSON, and answers the server's own
// requests without failing.
func FuzzReadStream(f *testing.F) {
	for _, s := range []string{
		"data: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[]}}\n\n",
		"event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\r\n\r\ndata: {\"id\":7,\r\ndata: \"result\":{}}\n\n",
		"data: {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n\ndata: {\"id\":7,\"error\":{\"code\":1,\"message\":\"no\"}}\n\n",
		": comment\n\ndata: {\"id\":8,\"result\":{}}\n\n", "data: {", "",
	} {
		f.Add([]byte(s))
	}
	var answered atomic.Int64
	c := &rpcClient{endpoint: "http://upstream.test/mcp", version: "2025-11-25", session: "s",
		hc: &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
			answered.Add(1)
			return &http.Response{StatusCode: http.StatusAccepted, Body: http.NoBody, Request: r}, nil
		})}}
	f.Fuzz(func(t *testing.T, stream []byte) {
		res, err := c.readStream(context.Background(), "tools/call", "7", bytes.NewReader(stream))
		if err != nil {
			return
		}
		if !json.Valid(res) || len(res) == 0 {
			t.Fatalf("result %q from %q", res, stream)
		}
	})
}

// roundTrip is an http.RoundTripper made of a function.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// FuzzCommandsInArguments feeds arbitrary JSON arguments to the command
// extraction that precedes classification: no panic, and every command it
// returns names a tool.
func FuzzCommandsInArguments(f *testing.F) {
	for _, s := range []string{`{"command":"kubectl delete ns x"}`, `{"command":"aws","args":["s3","rm","s3://b"]}`, `{"argv":[1,2]}`, `{"cmd":"sh -c 'terraform destroy'"}`, `[]`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		args, err := decodeArgs(raw)
		if err != nil {
			return
		}
		cmds, err := commandsIn(args)
		if err != nil {
			return
		}
		for _, c := range cmds {
			if c.Tool == "" {
				t.Fatalf("command without a tool from %s", raw)
			}
		}
	})
}

func FuzzCanonicalArgs(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"b":[1,2,{"c":"d"}]}`, `{"a":1,"a":2}`, `{"a":1,"A":2}`, `null`, `[1]`, `{"n":1e400}`, "{\"s\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := canonicalArgs(raw)
		if err != nil {
			return
		}
		again, err := canonicalArgs(out)
		if err != nil || string(again) != string(out) {
			t.Fatalf("canonical form %s is not stable: %s, %v", out, again, err)
		}
		if out[0] != '{' {
			t.Fatalf("canonical form %s is not an object", out)
		}
	})
}

// FuzzParseObject checks the gateway's own JSON object splitter against
// encoding/json: for any valid object without repeated keys, the same keys
// and the same values.
func FuzzParseObject(f *testing.F) {
	for _, s := range []string{`{}`, ` { "a" : [1, {"b":"}"}], "c\u0022":"\"x\\" } `, `{"a":1,"a":2}`, `[1]`, `{"a":"\ud83d\ude00 \u00e9\n"}`, `{"a":tru}`, "{\"a\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := parseObject(data)
		var want map[string]json.RawMessage
		werr := json.Unmarshal(data, &want)
		if !json.Valid(data) {
			return // parseObject takes valid JSON only
		}
		if err != nil {
			if werr == nil && len(data) > 0 {
				// Only repeated keys may be refused.
				seen := map[string]bool{}
				dec := json.NewDecoder(bytes.NewReader(data))
				dec.Token()
				dup := false
				for dec.More() {
					k, _ := dec.Token()
					var v json.RawMessage
					dec.Decode(&v)
					if seen[k.(string)] {
						dup = true
					}
					seen[k.(string)] = true
				}
				if !dup {
					t.Fatalf("refused %q: %v", data, err)
				}
			}
			return
		}
		if werr != nil || len(o.keys) != len(want) {
			t.Fatalf("%q: got %v, encoding/json %v (%v)", data, o.keys, want, werr)
		}
		for i, k := range o.keys {
			if !bytes.Equal(bytes.TrimSpace(o.vals[i]), bytes.TrimSpace(want[k])) {
				t.Fatalf("%q: key %q: %s, encoding/json %s", data, k, o.vals[i], want[k])
			}
			var s1, s2 string
			if json.Unmarshal(want[k], &s2) == nil {
				got, err := unquote(o.vals[i])
				s1 = got
				if err != nil || s1 != s2 {
					t.Fatalf("%q: string %q, encoding/json %q (%v)", o.vals[i], s1, s2, err)
				}
			}
		}
		if !bytes.Equal(o.encode(), compact(t, data)) && len(o.keys) > 0 {
			var a, b any
			json.Unmarshal(o.encode(), &a)
			json.Unmarshal(data, &b)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%q re-encoded as %s", data, o.encode())
			}
		}
	})
}

func compact(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// FuzzValidJSON holds the gateway's JSON validator to encoding/json's.
func FuzzValidJSON(f *testing.F) {
	for _, s := range []string{`{}`, `[1,2,{"a":"\u00e9\n"}]`, `"\ud800"`, `-0.5e+10`, `01`, `1.`, `"\x"`, "\"a\x01\"", `{"a":1,}`, `[`, ` true `, `nul`, "\"\xff\"", `1e`, `{"a" 1}`,
		strings.Repeat("[", 10000) + strings.Repeat("]", 10000), strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
		strings.Repeat(`{"a":`, 10000) + "{}" + strings.Repeat("}", 10000)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := validJSON(data), json.Valid(data); got != want {
			t.Fatalf("validJSON(%q) = %v, encoding/json says %v", data, got, want)
		}
	})
}
