package policy

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// referenceResources is the plain reading of the resource contract, kept
// as the oracle that Resources must agree with: the whole inventory
// (InventoryData) converted through JSON into a plain in-memory store,
// every node converted through JSON, and every resource check evaluated on
// every node, whatever its kind.
func (e *Engine) referenceResources(ctx context.Context, snap *inventory.Snapshot) ([]inventory.Finding, error) {
	data := baseData(nil)
	data["parapet"].(map[string]any)["inventory"] = jsonValue(InventoryData(snap))
	q, err := rego.New(
		rego.Compiler(e.compiler),
		rego.Store(inmem.NewFromObject(data)),
		rego.Query("data."+enginePkg+"."+KindResource+".results"),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, err
	}
	var out []inventory.Finding
	for _, n := range snap.Nodes {
		input, err := toValue(map[string]any{"kind": KindResource, "resource": n})
		if err != nil {
			return nil, err
		}
		rs, err := e.evalQuery(ctx, &q, KindResource, input, "")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.ID, err)
		}
		for _, r := range rs {
			out = append(out, r.Finding(n.ID, SourceLocation(n.Source)))
		}
	}
	return out, nil
}
