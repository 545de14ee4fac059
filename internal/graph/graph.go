// Package graph is Parapet's security graph: a compact in-memory view of an
// inventory.Snapshot (node IDs interned to int32, adjacency in compressed
// sparse rows) with shortest-path and k-shortest-path search, and the
// analyses that run on it: attack paths from the internet and from AI agents
// to sensitive data and control, and the toxic combinations of exposure,
// privilege, untrusted input and data that make them dangerous.
//
// The layers a path crosses are: internet → exposure (public IP, open
// security group, public load balancer, function URL, public endpoint) →
// compute → identity (instance profile, IRSA, execution role, service
// account) → IAM escalation (can_assume, can_escalate_to) → data (S3, RDS,
// DynamoDB, secrets, vector stores, model artifacts) and control (account
// admin, cluster-admin).
package graph

import (
	"fmt"
	"math/bits"
	"sort"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// NodeID is a node's index in a Graph: dense, from 0 to Len()-1.
type NodeID = int32

// EdgeID is an edge's index in a Graph.
type EdgeID = int32

// KindSet is a set of edge kinds of one Graph, used to say which edges a
// search may follow. A graph knows at most 64 edge kinds.
type KindSet uint64

// Has reports whether the set holds the kind with code k.
func (s KindSet) Has(k uint8) bool { return s&(1<<k) != 0 }

// Len is the number of kinds in the set.
func (s KindSet) Len() int { return bits.OnesCount64(uint64(s)) }

// csr is one direction of adjacency: the edges of node n are
// edge[start[n]:start[n+1]], sorted by edge kind then neighbour.
type csr struct {
	start []int32
	adj   []NodeID // neighbour at the other end
	edge  []EdgeID // the edge itself, for kind and evidence
}

func (c *csr) span(n NodeID) (int32, int32) { return c.start[n], c.start[n+1] }

// Graph is the security graph of one snapshot. It is read-only once built
// and safe for concurrent searches that each use their own Searcher.
type Graph struct {
	nodes    []*inventory.Node
	index    map[string]NodeID
	edges    []*inventory.Edge
	edgeKind []uint8
	efrom    []NodeID
	eto      []NodeID
	kinds    []string
	kindCode map[string]uint8
	out, in  csr
}

// Build makes the graph of s in one pass over its nodes and one over its
// edges (plus the counting sort that lays adjacency out in rows). Edges to
// IDs that are not nodes of s get a placeholder node with an empty kind, so
// no edge is dropped. extra edges (derived by an analysis) are added as if
// they were part of s.
func Build(s *inventory.Snapshot, extra ...*inventory.Edge) (*Graph, error) {
	g := &Graph{
		nodes:    make([]*inventory.Node, 0, len(s.Nodes)+1),
		index:    make(map[string]NodeID, len(s.Nodes)+1),
		kindCode: map[string]uint8{},
	}
	for _, n := range s.Nodes {
		if _, dup := g.index[n.ID]; dup {
			continue
		}
		g.index[n.ID] = NodeID(len(g.nodes))
		g.nodes = append(g.nodes, n)
	}
	total := len(s.Edges) + len(extra)
	g.edges = make([]*inventory.Edge, 0, total)
	g.edgeKind = make([]uint8, 0, total)
	from := make([]NodeID, 0, total)
	to := make([]NodeID, 0, total)
	add := func(e *inventory.Edge) error {
		code, ok := g.kindCode[e.Kind]
		if !ok {
			if len(g.kinds) == 64 {
				return fmt.Errorf("graph: more than 64 edge kinds (at %q)", e.Kind)
			}
			code = uint8(len(g.kinds))
			g.kinds = append(g.kinds, e.Kind)
			g.kindCode[e.Kind] = code
		}
		g.edges = append(g.edges, e)
		g.edgeKind = append(g.edgeKind, code)
		from = append(from, g.intern(e.From))
		to = append(to, g.intern(e.To))
		return nil
	}
	for _, e := range s.Edges {
		if err := add(e); err != nil {
			return nil, err
		}
	}
	for _, e := range extra {
		if err := add(e); err != nil {
			return nil, err
		}
	}
	g.efrom, g.eto = from, to
	g.out = g.rows(from, to)
	g.in = g.rows(to, from)
	return g, nil
}

// intern returns the index of id, adding a placeholder node when it is new.
func (g *Graph) intern(id string) NodeID {
	if n, ok := g.index[id]; ok {
		return n
	}
	n := NodeID(len(g.nodes))
	g.index[id] = n
	kind := ""
	if id == inventory.InternetID {
		kind = inventory.KindInternet
	}
	g.nodes = append(g.nodes, &inventory.Node{ID: id, Kind: kind})
	return n
}

// rows lays the edges out by their src end with a counting sort, then sorts
// each row by kind and neighbour so searches are deterministic.
func (g *Graph) rows(src, dst []NodeID) csr {
	n := len(g.nodes)
	c := csr{start: make([]int32, n+1), adj: make([]NodeID, len(src)), edge: make([]EdgeID, len(src))}
	for _, s := range src {
		c.start[s+1]++
	}
	for i := 1; i <= n; i++ {
		c.start[i] += c.start[i-1]
	}
	fill := make([]int32, n)
	copy(fill, c.start[:n])
	for e, s := range src {
		p := fill[s]
		fill[s]++
		c.adj[p] = dst[e]
		c.edge[p] = EdgeID(e)
	}
	for v := 0; v < n; v++ {
		lo, hi := c.start[v], c.start[v+1]
		if hi-lo < 2 {
			continue
		}
		sort.Sort(rowSorter{c.adj[lo:hi], c.edge[lo:hi], g.edgeKind})
	}
	return c
}

type rowSorter struct {
	adj  []NodeID
	edge []EdgeID
	kind []uint8
}

func (r rowSorter) Len() int { return len(r.adj) }
func (r rowSorter) Less(i, j int) bool {
	ki, kj := r.kind[r.edge[i]], r.kind[r.edge[j]]
	if ki != kj {
		return ki < kj
	}
	if r.adj[i] != r.adj[j] {
		return r.adj[i] < r.adj[j]
	}
	return r.edge[i] < r.edge[j]
}
func (r rowSorter) Swap(i, j int) {
	r.adj[i], r.adj[j] = r.adj[j], r.adj[i]
	r.edge[i], r.edge[j] = r.edge[j], r.edge[i]
}

// Len is the number of nodes, placeholders included.
func (g *Graph) Len() int { return len(g.nodes) }

// EdgeCount is the number of edges.
func (g *Graph) EdgeCount() int { return len(g.edges) }

// Lookup returns the index of the node with the given ID.
func (g *Graph) Lookup(id string) (NodeID, bool) {
	n, ok := g.index[id]
	return n, ok
}

// Node returns the node at index n.
func (g *Graph) Node(n NodeID) *inventory.Node { return g.nodes[n] }

// Edge returns the edge at index e.
func (g *Graph) Edge(e EdgeID) *inventory.Edge { return g.edges[e] }

// Kinds returns the set of the named edge kinds that occur in the graph;
// kinds that do not occur are left out.
func (g *Graph) Kinds(names ...string) KindSet {
	var s KindSet
	for _, k := range names {
		if c, ok := g.kindCode[k]; ok {
			s |= 1 << c
		}
	}
	return s
}

// Out calls fn for each edge leaving n whose kind is in kinds, in a stable
// order, until fn returns false.
func (g *Graph) Out(n NodeID, kinds KindSet, fn func(to NodeID, e EdgeID) bool) {
	lo, hi := g.out.span(n)
	for i := lo; i < hi; i++ {
		e := g.out.edge[i]
		if kinds.Has(g.edgeKind[e]) && !fn(g.out.adj[i], e) {
			return
		}
	}
}

// In calls fn for each edge entering n whose kind is in kinds, until fn
// returns false.
func (g *Graph) In(n NodeID, kinds KindSet, fn func(from NodeID, e EdgeID) bool) {
	lo, hi := g.in.span(n)
	for i := lo; i < hi; i++ {
		e := g.in.edge[i]
		if kinds.Has(g.edgeKind[e]) && !fn(g.in.adj[i], e) {
			return
		}
	}
}

// HasOut reports whether n has an edge of one of kinds.
func (g *Graph) HasOut(n NodeID, kinds KindSet) bool {
	found := false
	g.Out(n, kinds, func(NodeID, EdgeID) bool { found = true; return false })
	return found
}

// HasIn reports whether an edge of one of kinds enters n.
func (g *Graph) HasIn(n NodeID, kinds KindSet) bool {
	found := false
	g.In(n, kinds, func(NodeID, EdgeID) bool { found = true; return false })
	return found
}

// Ends returns the indexes of the nodes edge e leaves and enters.
func (g *Graph) Ends(e EdgeID) (from, to NodeID) { return g.efrom[e], g.eto[e] }

// KindOf returns the kind of edge e.
func (g *Graph) KindOf(e EdgeID) string { return g.kinds[g.edgeKind[e]] }
