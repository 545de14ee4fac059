package graph

import (
	"reflect"
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// lattice builds a small graph from "a->b" specs, all of kind "reaches".
func lattice(t *testing.T, specs ...string) *Graph {
	t.Helper()
	s := inventory.New()
	for _, sp := range specs {
		from, to, _ := strings.Cut(sp, "->")
		s.Connect(from, to, inventory.EdgeReaches, nil)
	}
	g, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func names(g *Graph, p Path) string {
	var ids []string
	for _, n := range g.Nodes(p) {
		ids = append(ids, g.Node(n).ID)
	}
	return strings.Join(ids, ">")
}

func id(t *testing.T, g *Graph, s string) NodeID {
	t.Helper()
	n, ok := g.Lookup(s)
	if !ok {
		t.Fatalf("no node %s", s)
	}
	return n
}

func TestBuildKeepsEveryEdgeAndAddsPlaceholders(t *testing.T) {
	s := inventory.New()
	s.Add(&inventory.Node{ID: "a", Kind: inventory.KindIAMRole})
	s.Connect("a", "b", inventory.EdgeCanRead, nil)
	s.Connect("a", "c", inventory.EdgeCanWrite, nil)
	s.Connect(inventory.InternetID, "a", inventory.EdgeReaches, nil)
	g, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != 4 || g.EdgeCount() != 3 {
		t.Fatalf("Len=%d EdgeCount=%d, want 4 and 3", g.Len(), g.EdgeCount())
	}
	if k := g.Node(id(t, g, inventory.InternetID)).Kind; k != inventory.KindInternet {
		t.Errorf("placeholder internet node has kind %q", k)
	}
	var got []string
	g.Out(id(t, g, "a"), g.Kinds(inventory.EdgeCanWrite), func(n NodeID, e EdgeID) bool {
		got = append(got, g.Node(n).ID+":"+g.KindOf(e))
		return true
	})
	if !reflect.DeepEqual(got, []string{"c:can_write"}) {
		t.Errorf("out edges of a filtered to can_write = %v", got)
	}
	if !g.HasIn(id(t, g, "a"), g.Kinds(inventory.EdgeReaches)) {
		t.Error("a has no reaches edge in")
	}
	if g.Kinds("no_such_kind") != 0 {
		t.Error("an absent kind is in the kind set")
	}
}

func TestShortestPathFindsTheFewestEdges(t *testing.T) {
	g := lattice(t, "s->a", "a->b", "b->t", "s->c", "c->t", "t->s")
	s := g.NewSearcher()
	p := s.ShortestPath(id(t, g, "s"), id(t, g, "t"), g.Kinds(inventory.EdgeReaches), 0)
	if got := names(g, p); got != "s>c>t" {
		t.Errorf("shortest path = %s, want s>c>t", got)
	}
	if p := s.ShortestPath(id(t, g, "a"), id(t, g, "c"), g.Kinds(inventory.EdgeReaches), 2); p != nil {
		t.Errorf("found %s within 2 edges, want none (a>b>t>s>c is 4)", names(g, p))
	}
	if p := s.ShortestPath(id(t, g, "a"), id(t, g, "c"), g.Kinds(inventory.EdgeReaches), 0); names(g, p) != "a>b>t>s>c" {
		t.Errorf("unbounded path a to c = %s", names(g, p))
	}
}

func TestKShortestPathsAreLooplessShortestFirstAndBounded(t *testing.T) {
	// Three routes from s to t of lengths 2, 3 and 4, plus a cycle that a
	// simple-path enumeration would have to walk.
	g := lattice(t, "s->a", "a->t", "s->b", "b->c", "c->t", "s->d", "d->e", "e->f", "f->t", "c->b", "a->s")
	s := g.NewSearcher()
	reach := g.Kinds(inventory.EdgeReaches)
	var got []string
	for _, p := range s.KShortestPaths(id(t, g, "s"), id(t, g, "t"), reach, 10, 0) {
		got = append(got, names(g, p))
	}
	want := []string{"s>a>t", "s>b>c>t", "s>d>e>f>t"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("k shortest = %v, want %v", got, want)
	}
	if ps := s.KShortestPaths(id(t, g, "s"), id(t, g, "t"), reach, 2, 0); len(ps) != 2 {
		t.Errorf("k=2 gave %d paths", len(ps))
	}
	if ps := s.KShortestPaths(id(t, g, "t"), id(t, g, "s"), reach, 3, 0); ps != nil {
		t.Errorf("t to s has no path, got %d", len(ps))
	}
}

func TestReachVisitsNearestFirst(t *testing.T) {
	g := lattice(t, "s->a", "a->b", "s->c")
	s := g.NewSearcher()
	var order []string
	s.Reach([]NodeID{id(t, g, "s")}, g.Kinds(inventory.EdgeReaches), 0, func(n NodeID, d int) bool {
		order = append(order, g.Node(n).ID)
		return true
	})
	if !reflect.DeepEqual(order, []string{"a", "c", "b"}) {
		t.Errorf("visit order = %v", order)
	}
	if !s.Reached(id(t, g, "b")) || names(g, s.PathTo(id(t, g, "b"))) != "s>a>b" {
		t.Error("path to b after Reach is wrong")
	}
}
