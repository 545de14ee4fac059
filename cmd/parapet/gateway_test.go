package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/parapet-sec/parapet/internal/sandbox"
)

// TestMain lets the test binary be parapet itself (PARAPET_TEST_AS=parapet,
// its arguments parapet's) or a small MCP server on stdio
// (PARAPET_TEST_AS=mcp-server), so that tests can run the real command
// with a real server behind it.
func TestMain(m *testing.M) {
	switch os.Getenv("PARAPET_TEST_AS") {
	case "parapet":
		os.Exit(run(os.Args[1:]))
	case "mcp-server":
		s := mcp.NewServer(&mcp.Implementation{Name: "notes", Version: "1"}, nil)
		mcp.AddTool(s, &mcp.Tool{Name: "read_file", Description: "Read a file"}, func(_ context.Context, _ *mcp.CallToolRequest, a struct {
			Path string `json:"path"`
		}) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "contents of " + a.Path}}}, nil, nil
		})
		if err := s.Run(context.Background(), &mcp.StdioTransport{}); err != nil {
			fmt.Fprintln(os.Stderr, "mcp server:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestGatewayStdioWithoutAnAuditLogExitsTwo(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", home+"/data")
	t.Setenv("XDG_CONFIG_HOME", home+"/config")
	if got := run([]string{"gateway", "stdio", "--", "true"}); got != exitUsage {
		t.Errorf("gateway stdio with no audit log exited %d, want %d", got, exitUsage)
	}
}

// TestGatewayStdioWrapsAServer runs `parapet gateway stdio` as an MCP
// client's configuration would, with a real SDK server behind it: an
// allowed call passes, a denied one is refused with the reason, and the
// decision log verifies afterwards.
func TestGatewayStdioWrapsAServer(t *testing.T) {
	dir := t.TempDir()
	store, key := "sqlite:"+filepath.Join(dir, "gateway.db"), filepath.Join(dir, "audit.key")
	if code := run([]string{"audit", "init", "--store", store, "--key", key}); code != 0 {
		t.Fatalf("audit init: exit %d", code)
	}
	runAs := ""
	if os.Geteuid() == 0 {
		runAs = `, run_as: "0:0"` // this test binary is the launcher, in go test's private folder
	}
	if err := sandbox.Available(); err != nil {
		t.Logf("the server runs in the gateway's network: %v", err)
		runAs = ", network: host"
	}
	cfg := filepath.Join(dir, "gateway.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("store: %s\naudit: {key: %s}\nupstreams: [{name: x, command: x, env: {PARAPET_TEST_AS: mcp-server}%s}]\n", store, key, runAs)), 0o600)

	cmd := exec.Command(os.Args[0], "gateway", "stdio", "--config", cfg, "--", os.Args[0])
	cmd.Env = append(os.Environ(), "PARAPET_TEST_AS=parapet")
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "1"}, nil).Connect(context.Background(), &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	call := func(path string) (string, error) {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "tool.read_file", Arguments: map[string]any{"path": path}})
		if err != nil {
			return "", err
		}
		return res.Content[0].(*mcp.TextContent).Text, nil
	}
	if out, err := call("/src/main.go"); err != nil || out != "contents of /src/main.go" {
		t.Fatalf("allowed call: %q, %v", out, err)
	}
	_, err = call("/home/dev/.aws/credentials")
	var je *jsonrpc.Error
	if !errors.As(err, &je) || !strings.Contains(je.Message, "credential store") {
		t.Fatalf("denied call: %v", err)
	}
	if err := cs.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	if code := run([]string{"audit", "verify", "--store", store}); code != 0 {
		t.Fatalf("audit verify: exit %d", code)
	}
}
