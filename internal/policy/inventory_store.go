package policy

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// inventoryPath is where data.parapet.inventory lives in the store.
var inventoryPath = storage.MustParsePath("/parapet/inventory")

// inventoryStore is the engine's store: the configuration and tables in an
// in-memory store, and data.parapet.inventory served from the snapshot that
// a resource run carries in its context (see withInventory). A read of
// nodes[id], out[id] or in[id] converts that one node or edge list; nothing
// is converted up front, so a run over a million nodes holds no second copy
// of the inventory. Without a snapshot in the context (admission and tool
// calls) the inventory reads as the empty object of the base data.
type inventoryStore struct {
	storage.Store
}

// inventoryKey is the context key of a run's *inventoryView.
type inventoryKey struct{}

// withInventory returns ctx carrying v for the store to serve.
func withInventory(ctx context.Context, v *inventoryView) context.Context {
	return context.WithValue(ctx, inventoryKey{}, v)
}

// Read serves paths under /parapet/inventory from the run's snapshot, and
// paths above it (data.parapet, data) with the whole inventory in place.
func (s *inventoryStore) Read(ctx context.Context, txn storage.Transaction, path storage.Path) (any, error) {
	v, _ := ctx.Value(inventoryKey{}).(*inventoryView)
	if v == nil {
		return s.Store.Read(ctx, txn, path)
	}
	if path.HasPrefix(inventoryPath) {
		return v.read(path, len(inventoryPath))
	}
	if !inventoryPath.HasPrefix(path) {
		return s.Store.Read(ctx, txn, path)
	}
	// A rule reads data or data.parapet as a whole: give it the base
	// document with the inventory in place.
	doc, err := s.Store.Read(ctx, txn, path)
	if err != nil {
		return nil, err
	}
	base, ok := doc.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("policy: data at %v is %T, not an object", path, doc)
	}
	full, err := v.whole()
	if err != nil {
		return nil, err
	}
	return replaceAt(base, inventoryPath[len(path):], full), nil
}

// replaceAt returns a copy of obj with the value at the key path rel set to
// val; obj itself, which the store owns, is not changed.
func replaceAt(obj ast.Object, rel storage.Path, val ast.Value) ast.Object {
	cpy := ast.NewObjectWithCapacity(obj.Len())
	obj.Foreach(func(k, v *ast.Term) { cpy.Insert(k, v) })
	key := ast.StringTerm(rel[0])
	if len(rel) > 1 {
		child, _ := cpy.Get(key).Value.(ast.Object)
		if child == nil {
			child = ast.NewObject()
		}
		val = replaceAt(child, rel[1:], val)
	}
	cpy.Insert(key, ast.NewTerm(val))
	return cpy
}

// inventoryView is the data.parapet.inventory of one snapshot, built on
// demand: the shape of InventoryData, with nodes by id and the edges
// leaving ("out") and entering ("in") each node in snapshot order.
type inventoryView struct {
	snap *inventory.Snapshot

	outOnce, inOnce sync.Once
	// out and in are the indexes of snap.Edges sorted (stably) by From
	// and by To: the edges of one node are one run found by binary search.
	out, in []int32

	wholeOnce sync.Once
	full      ast.Value
	fullErr   error
}

// newInventoryView returns the view of snap. The snapshot must not change
// while the view is in use.
func newInventoryView(snap *inventory.Snapshot) *inventoryView {
	snap.Node("") // build the snapshot's id index now, not in parallel reads
	return &inventoryView{snap: snap}
}

// notFound is the store's answer for a path that names no document.
func notFound(path storage.Path) error {
	return &storage.Error{Code: storage.NotFoundErr, Message: path.String() + ": document does not exist"}
}

// read returns the document at path, whose first at segments are
// /parapet/inventory.
func (v *inventoryView) read(path storage.Path, at int) (any, error) {
	rel := path[at:]
	if len(rel) == 0 {
		return v.whole()
	}
	if len(rel) == 1 {
		// A rule iterates over every node or edge list.
		full, err := v.whole()
		if err != nil {
			return nil, err
		}
		t := full.(ast.Object).Get(ast.StringTerm(rel[0]))
		if t == nil {
			return nil, notFound(path)
		}
		return t.Value, nil
	}
	var (
		doc ast.Value
		err error
	)
	switch id := rel[1]; rel[0] {
	case "nodes":
		n := v.snap.Node(id)
		if n == nil {
			return nil, notFound(path)
		}
		doc, err = nodeValue(n)
	case "out":
		doc, err = v.edges(v.outIndex(), id, func(e *inventory.Edge) string { return e.From })
	case "in":
		doc, err = v.edges(v.inIndex(), id, func(e *inventory.Edge) string { return e.To })
	default:
		return nil, notFound(path)
	}
	if err != nil {
		return nil, fmt.Errorf("policy: inventory %s: %w", path, err)
	}
	if doc == nil {
		return nil, notFound(path)
	}
	for _, seg := range rel[2:] {
		if doc = member(doc, seg); doc == nil {
			return nil, notFound(path)
		}
	}
	return doc, nil
}

// member returns the member seg of an object, or element seg of an array.
func member(doc ast.Value, seg string) ast.Value {
	switch d := doc.(type) {
	case ast.Object:
		if t := d.Get(ast.StringTerm(seg)); t != nil {
			return t.Value
		}
	case *ast.Array:
		i, err := strconv.Atoi(seg)
		if err == nil && i >= 0 && i < d.Len() {
			return d.Elem(i).Value
		}
	}
	return nil
}

func (v *inventoryView) outIndex() []int32 {
	v.outOnce.Do(func() { v.out = v.sortEdges(func(e *inventory.Edge) string { return e.From }) })
	return v.out
}

func (v *inventoryView) inIndex() []int32 {
	v.inOnce.Do(func() { v.in = v.sortEdges(func(e *inventory.Edge) string { return e.To }) })
	return v.in
}

// sortEdges returns the edge indexes sorted by end, keeping snapshot order
// among the edges of one node.
func (v *inventoryView) sortEdges(end func(*inventory.Edge) string) []int32 {
	idx := make([]int32, len(v.snap.Edges))
	for i := range idx {
		idx[i] = int32(i)
	}
	edges := v.snap.Edges
	sort.SliceStable(idx, func(i, j int) bool { return end(edges[idx[i]]) < end(edges[idx[j]]) })
	return idx
}

// edges returns the Rego array of the edges whose end is id, or nil when
// there are none (the node has no key in "out" or "in").
func (v *inventoryView) edges(idx []int32, id string, end func(*inventory.Edge) string) (ast.Value, error) {
	edges := v.snap.Edges
	lo := sort.Search(len(idx), func(i int) bool { return end(edges[idx[i]]) >= id })
	hi := lo
	for hi < len(idx) && end(edges[idx[hi]]) == id {
		hi++
	}
	if hi == lo {
		return nil, nil
	}
	ts := make([]*ast.Term, 0, hi-lo)
	for _, i := range idx[lo:hi] {
		t, err := edgeTerm(edges[i])
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ast.NewArray(ts...), nil
}

// whole builds the entire inventory as one Rego value, once per run: only
// for a policy that reads it wholesale (iterates over every node).
func (v *inventoryView) whole() (ast.Value, error) {
	v.wholeOnce.Do(func() {
		values := make([]ast.Value, len(v.snap.Nodes))
		for i, n := range v.snap.Nodes {
			nv, err := nodeValue(n)
			if err != nil {
				v.fullErr = fmt.Errorf("policy: inventory node %s: %w", n.ID, err)
				return
			}
			values[i] = nv
		}
		v.full, v.fullErr = inventoryValue(v.snap, values)
	})
	return v.full, v.fullErr
}

// edgeTerm converts an edge to the Rego value of its JSON encoding.
func edgeTerm(ed *inventory.Edge) (*ast.Term, error) {
	e := ast.NewObject(
		ast.Item(ast.StringTerm("from"), ast.StringTerm(ed.From)),
		ast.Item(ast.StringTerm("to"), ast.StringTerm(ed.To)),
		ast.Item(ast.StringTerm("kind"), ast.StringTerm(ed.Kind)),
	)
	if len(ed.Props) > 0 {
		p, err := ast.InterfaceToValue(ed.Props)
		if err != nil {
			return nil, fmt.Errorf("edge %s -> %s: %w", ed.From, ed.To, err)
		}
		e.Insert(ast.StringTerm("props"), ast.NewTerm(p))
	}
	return ast.NewTerm(e), nil
}
