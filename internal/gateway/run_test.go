package gateway

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStartFailureReturnsAnErrorNotAPanic(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		cfg  *Config
		want string
	}{
		{
			name: "a store with no audit log says how to create one",
			cfg:  &Config{Store: "sqlite:" + filepath.Join(dir, "gateway.db")},
			want: "parapet audit init",
		},
		{
			name: "a missing policy folder is named",
			cfg: &Config{
				Store:    "sqlite:" + filepath.Join(dir, "other.db"),
				Audit:    AuditConfig{Disabled: true},
				Policies: []string{filepath.Join(dir, "no-such-policies")},
			},
			want: "no-such-policies",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, err := Start(context.Background(), tt.cfg, Hooks{})
			if err == nil {
				rt.Close()
				t.Fatal("Start succeeded; want an error")
			}
			if rt != nil {
				t.Errorf("Start returned a runtime with its error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

// A policy bundle that keeps tool-call decisions from being specialised per
// tool is named in the log at start, with the rule and file.
func TestStartLogsWhyDecisionsAreNotSpecialised(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "policies")
	if err := os.Mkdir(pol, 0o755); err != nil {
		t.Fatal(err)
	}
	src := `# METADATA
# title: Mode
# custom:
#   id: TEST-MODE
#   severity: high
#   remediation: None.
#   inputs: [tool_call]
package test.mode

import rego.v1

mode := "a" if input.arguments.a

mode := "b" if input.arguments.b

deny contains "mode b" if mode == "b"
`
	if err := os.WriteFile(filepath.Join(pol, "mode.rego"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dirs := range [][]string{nil, {pol}} {
		var buf bytes.Buffer
		rt, err := Start(context.Background(), &Config{Store: "sqlite:" + filepath.Join(t.TempDir(), "g.db"), Audit: AuditConfig{Disabled: true}, Policies: dirs},
			Hooks{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
		if err != nil {
			t.Fatal(err)
		}
		rt.Close()
		logged := strings.Contains(buf.String(), "not specialised")
		if want := dirs != nil; logged != want {
			t.Errorf("policies %v: logged %v, want %v:\n%s", dirs, logged, want, buf.String())
		}
		if dirs != nil && !strings.Contains(buf.String(), "mode.rego") {
			t.Errorf("the log does not name the file:\n%s", buf.String())
		}
	}
}
