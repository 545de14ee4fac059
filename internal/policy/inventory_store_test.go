package policy

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"

	"github.com/parapet-sec/parapet/internal/inventory"
)

func TestTheInventoryStoreReadsOneNodeOrEdgeListFromTheSnapshot(t *testing.T) {
	ctx := context.Background()
	e := load(t, Options{Builtin: true, Config: map[string]any{"team": "a"}})
	snap := inventory.New()
	snap.Add(&inventory.Node{ID: "a", Kind: inventory.KindIAMRole, Props: map[string]any{"list": []any{"x", "y"}}})
	snap.Add(&inventory.Node{ID: "b", Kind: inventory.KindS3Bucket})
	snap.Add(&inventory.Node{ID: "c", Kind: inventory.KindS3Bucket})
	snap.Connect("a", "c", inventory.EdgeCanWrite, map[string]any{"why": "policy"})
	snap.Connect("a", "b", inventory.EdgeCanRead, nil)
	run := withInventory(ctx, newInventoryView(snap))

	tests := []struct {
		name string
		ctx  context.Context
		path string
		want string // the Rego value, or "" for not found
	}{
		{"a node is read by id", run, "/parapet/inventory/nodes/b", `{"id": "b", "kind": "aws.s3.bucket"}`},
		{"a path inside a node reaches into its props and lists", run, "/parapet/inventory/nodes/a/props/list/1", `"y"`},
		{"an unknown node is not found", run, "/parapet/inventory/nodes/z", ""},
		{"a node's edges keep snapshot order", run, "/parapet/inventory/out/a",
			`[{"from": "a", "to": "c", "kind": "can_write", "props": {"why": "policy"}}, {"from": "a", "to": "b", "kind": "can_read"}]`},
		{"edges entering a node are read by its id", run, "/parapet/inventory/in/b", `[{"from": "a", "to": "b", "kind": "can_read"}]`},
		{"a node without entering edges has no in key", run, "/parapet/inventory/in/a", ""},
		{"an edge index past the end is not found", run, "/parapet/inventory/out/a/2", ""},
		{"an unknown inventory key is not found", run, "/parapet/inventory/edges/a", ""},
		{"the whole edge map is built when asked for", run, "/parapet/inventory/in",
			`{"b": [{"from": "a", "to": "b", "kind": "can_read"}], "c": [{"from": "a", "to": "c", "kind": "can_write", "props": {"why": "policy"}}]}`},
		{"data.parapet holds the configuration and the inventory", run, "/parapet/config", `{"team": "a"}`},
		{"without a run the inventory is empty", ctx, "/parapet/inventory", `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := storage.ReadOne(tt.ctx, e.store, storage.MustParsePath(tt.path))
			if tt.want == "" {
				if !storage.IsNotFound(err) {
					t.Fatalf("Read %s = %v, %v; want not found", tt.path, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Read %s: %v", tt.path, err)
			}
			want := ast.MustParseTerm(tt.want).Value
			if v, ok := got.(ast.Value); !ok || v.Compare(want) != 0 {
				t.Errorf("Read %s = %v, want %v", tt.path, got, want)
			}
		})
	}

	// Reading data.parapet whole gives the inventory in place, and leaves
	// the stored base document as it was.
	whole, err := storage.ReadOne(run, e.store, storage.MustParsePath("/parapet"))
	if err != nil {
		t.Fatal(err)
	}
	nodes := whole.(ast.Object).Get(ast.StringTerm("inventory")).Value.(ast.Object).Get(ast.StringTerm("nodes"))
	if nodes == nil || nodes.Value.(ast.Object).Len() != 3 {
		t.Errorf("data.parapet.inventory.nodes read through data.parapet = %v, want 3 nodes", nodes)
	}
	base, err := storage.ReadOne(ctx, e.store, storage.MustParsePath("/parapet/inventory"))
	if err != nil || base.(ast.Value).Compare(ast.NewObject()) != 0 {
		t.Errorf("the stored inventory changed to %v, %v", base, err)
	}
}
