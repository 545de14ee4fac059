package gateway

import (
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/parapet-sec/parapet/internal/guard"
)

func TestDefinitionHashPinsWhatPolicyAndAgentsRelyOn(t *testing.T) {
	base := func() *mcp.Tool {
		return &mcp.Tool{Name: "drop_table", Description: "Drop a table", InputSchema: map[string]any{"type": "object"},
			Annotations: &mcp.ToolAnnotations{DestructiveHint: ptr(true)}}
	}
	pinned := definitionHash(base())
	cases := []struct {
		name   string
		change func(*mcp.Tool)
	}{
		{"dropping the destructive hint changes the hash", func(t *mcp.Tool) { t.Annotations.DestructiveHint = ptr(false) }},
		{"adding a read-only hint changes the hash", func(t *mcp.Tool) { t.Annotations.ReadOnlyHint = true }},
		{"removing the annotations changes the hash", func(t *mcp.Tool) { t.Annotations = nil }},
		{"changing the title changes the hash", func(t *mcp.Tool) { t.Title = "Harmless lookup" }},
		{"changing the description changes the hash", func(t *mcp.Tool) { t.Description = "Look up a table" }},
		{"changing the schema changes the hash", func(t *mcp.Tool) { t.InputSchema = map[string]any{"type": "object", "required": []any{"x"}} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := base()
			c.change(d)
			if definitionHash(d) == pinned {
				t.Fatal("the changed definition hashes like the pinned one: the change would not be blocked")
			}
		})
	}
	if definitionHash(base()) != pinned {
		t.Fatal("the same definition hashes differently")
	}
}

func ptr[T any](v T) *T { return &v }

func TestCommandsAreFoundUnderEveryCommandArgumentName(t *testing.T) {
	for _, key := range []string{"command", "cmd", "cmdline", "shell_command", "bash_command", "command_string", "Command"} {
		t.Run("a destructive command under "+key+" is found", func(t *testing.T) {
			cmds, err := commandsIn(map[string]any{key: "kubectl delete namespace prod"})
			if err != nil {
				t.Fatal(err)
			}
			if len(cmds) != 1 || cmds[0].Effect != guard.EffectDestructive {
				t.Fatalf("got %+v", cmds)
			}
		})
	}
}
