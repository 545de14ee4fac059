package main

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// runWith runs the CLI with the given standard input and returns its
// standard output and error.
func runWith(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(io.Discard)
	err := root.Execute()
	return out.String(), err
}

func TestAuditQuickStartAsAUserRunsIt(t *testing.T) {
	dir := t.TempDir()
	store := "sqlite:" + filepath.Join(dir, "audit.db")
	key := filepath.Join(dir, "keys", "audit.key")
	tiles := filepath.Join(dir, "tiles")

	vkey, err := runWith(t, "", "audit", "init", "--store", store, "--name", "audit.example.com/test", "--key", key)
	if err != nil {
		t.Fatal(err)
	}
	vkey = strings.TrimSpace(vkey)
	if !strings.HasPrefix(vkey, "audit.example.com/test+") {
		t.Fatalf("init printed %q, want the verifier key", vkey)
	}
	records := `{"actor":"agent-1","action":"tools/call","tool":"fs.read_file","verdict":"allow","reason":"policy"}
{"actor":"agent-1","action":"tools/call","tool":"shell.run","verdict":"deny","reason":"destructive"}
`
	if _, err := runWith(t, records, "audit", "append", "--store", store); err != nil {
		t.Fatal(err)
	}
	cp, err := runWith(t, "", "audit", "checkpoint", "--store", store, "--key", key)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(cp, "\n"); len(lines) < 3 || lines[0] != "audit.example.com/test" || lines[1] != "2" {
		t.Fatalf("checkpoint is not a signed note over 2 entries:\n%s", cp)
	}
	if _, err := runWith(t, "", "audit", "export", "--store", store, "--key", key, "--tiles", tiles); err != nil {
		t.Fatal(err)
	}
	out, err := runWith(t, "", "audit", "verify", "--tiles", tiles, "--key", vkey)
	if err != nil || !strings.Contains(out, "2 entries") {
		t.Fatalf("verify of the export: %q %v", out, err)
	}
	if _, err := runWith(t, "", "audit", "checkpoint", "--store", store, "--key", filepath.Join(dir, "missing.key")); err == nil {
		t.Fatal("a missing signing key was accepted")
	}
}
