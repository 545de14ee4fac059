package gateway

import (
	"bytes"
	"io"
	"net/http"
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
		f.Add([]byte(s))
	}
	client := &http.Client{Timeout: 10 * time.Second}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, _ := http.NewRequest("POST", r.url, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+r.agentKey)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("gateway failed on %q: %v", body, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("server error %d on %q", resp.StatusCode, body)
		}
	})
}

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
