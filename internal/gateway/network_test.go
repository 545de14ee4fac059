package gateway

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/parapet-sec/parapet/internal/sandbox"
)

// withNetwork sets the stdio upstream's network.
func withNetwork(n string) func(*Config) {
	return func(c *Config) {
		for i := range c.Upstreams {
			if c.Upstreams[i].Command != "" {
				c.Upstreams[i].Network = n
			}
		}
	}
}

func TestStdioUpstreamNetworks(t *testing.T) {
	if err := sandbox.Available(); err != nil {
		t.Skipf("this system cannot make sandboxes: %v", err)
	}
	t.Run("by default a server that ignores the egress proxy reaches nothing", func(t *testing.T) {
		r := newRig(t, nil)
		cs := r.client(r.agentKey)
		for _, u := range []string{r.backend.URL + "/", r.backendURL + "/"} {
			out := mustAllow(t, cs, "box.fetch_direct", map[string]any{"url": u})
			if !strings.HasPrefix(out, "fetch failed") {
				t.Errorf("%s, without the proxy: %q", u, out)
			}
		}
		if out := mustAllow(t, cs, "box.fetch", map[string]any{"url": r.backendURL + "/"}); !strings.Contains(out, "hello from the backend") {
			t.Errorf("through the proxy: %q", out)
		}
	})
	t.Run("network host shares the gateway's network: the proxy is only offered", func(t *testing.T) {
		r := newRig(t, withNetwork(NetworkHost))
		cs := r.client(r.agentKey)
		if out := mustAllow(t, cs, "box.fetch_direct", map[string]any{"url": r.backend.URL + "/"}); !strings.Contains(out, "hello from the backend") {
			t.Errorf("in the gateway's network, a direct connection: %q", out)
		}
		if out := mustAllow(t, cs, "box.env", nil); !strings.Contains(out, "HTTP_PROXY=http://box:") {
			t.Errorf("environment:\n%s", out)
		}
	})
	t.Run("network none reaches nothing, with or without a proxy", func(t *testing.T) {
		r := newRig(t, withNetwork(NetworkNone))
		cs := r.client(r.agentKey)
		for _, tool := range []string{"box.fetch", "box.fetch_direct"} {
			for _, u := range []string{r.backend.URL + "/", r.backendURL + "/"} {
				if out := mustAllow(t, cs, tool, map[string]any{"url": u}); !strings.HasPrefix(out, "fetch failed") {
					t.Errorf("%s %s: %q", tool, u, out)
				}
			}
		}
		if out := mustAllow(t, cs, "box.env", nil); strings.Contains(strings.ToUpper(out), "PROXY=") {
			t.Errorf("proxy variables without a proxy:\n%s", out)
		}
	})
}

func TestUpstreamStderrIsLoggedByLine(t *testing.T) {
	var buf bytes.Buffer
	w := &stderrLog{logger: slog.New(slog.NewJSONHandler(&buf, nil)), upstream: "box"}
	for _, chunk := range []string{"first li", "ne\r\nsecond\nthi", "rd " + strings.Repeat("x", 3*maxStderrLine), "\n"} {
		if n, err := w.Write([]byte(chunk)); n != len(chunk) || err != nil {
			t.Fatalf("Write(%d bytes) = %d, %v", len(chunk), n, err)
		}
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec struct{ Upstream, Line string }
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.Upstream != "box" {
			t.Fatalf("record %s: %v", l, err)
		}
		lines = append(lines, rec.Line)
	}
	if len(lines) != 3 || lines[0] != "first line" || lines[1] != "second" || len(lines[2]) != maxStderrLine || !strings.HasPrefix(lines[2], "third xx") {
		t.Fatalf("lines %q", lines)
	}

	buf.Reset()
	w = &stderrLog{logger: slog.New(slog.NewJSONHandler(&buf, nil)), upstream: "box"}
	w.Write([]byte("proxy http://box:3f1e9a2b7c@127.0.0.1:4321 ready\n"))
	if strings.Contains(buf.String(), "3f1e9a2b7c") || !strings.Contains(buf.String(), "http://…@127.0.0.1:4321") {
		t.Fatalf("a URL's password reached the log: %s", buf.String())
	}
	buf.Reset()
	for i := 0; i < 10*stderrLinesPerSecond; i++ {
		w.Write([]byte("flood\n"))
	}
	if n := strings.Count(buf.String(), "\n"); n > stderrLinesPerSecond*2 {
		t.Fatalf("%d lines logged from a flood of %d", n, 10*stderrLinesPerSecond)
	}
}

func TestRecordLimiter(t *testing.T) {
	l := &recordLimiter{perSecond: 2}
	t0 := time.Unix(1000, 0)
	for i, want := range []bool{true, true, false, false} {
		if _, ok := l.admit("box", t0); ok != want {
			t.Fatalf("event %d: admitted %v", i, ok)
		}
	}
	if _, ok := l.admit("web", t0); !ok {
		t.Fatal("another key was limited")
	}
	note, ok := l.admit("box", t0.Add(time.Second))
	if !ok || !strings.Contains(note, "2 more") {
		t.Fatalf("next second: %v, %q", ok, note)
	}
}
