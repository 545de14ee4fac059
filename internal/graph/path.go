package graph

import "slices"

// Path is a walk through the graph as the edges it follows, in order.
type Path []EdgeID

// Nodes returns the nodes a path visits, first to last.
func (g *Graph) Nodes(p Path) []NodeID {
	if len(p) == 0 {
		return nil
	}
	out := make([]NodeID, 0, len(p)+1)
	f, _ := g.Ends(p[0])
	out = append(out, f)
	for _, e := range p {
		_, t := g.Ends(e)
		out = append(out, t)
	}
	return out
}

// Searcher runs breadth-first searches on one graph, reusing its buffers so
// that many searches allocate nothing per node. A Searcher is not safe for
// concurrent use; make one per goroutine.
type Searcher struct {
	// Limit, when above zero, bounds the nodes one search may visit: a
	// search that hits it stops as if the graph ended there. It keeps
	// searches through very large connected components bounded.
	Limit int

	g      *Graph
	gen    uint32
	seen   []uint32 // seen[n] == gen: n reached in this search
	banned []uint32 // banned[n] == gen: n may not be entered (Yen's root path)
	parent []EdgeID // edge by which n was first reached; -1 for a source
	depth  []uint16
	queue  []NodeID
	banE   map[EdgeID]bool
}

// NewSearcher returns a Searcher for g.
func (g *Graph) NewSearcher() *Searcher {
	n := len(g.nodes)
	return &Searcher{
		g:      g,
		seen:   make([]uint32, n),
		banned: make([]uint32, n),
		parent: make([]EdgeID, n),
		depth:  make([]uint16, n),
		banE:   map[EdgeID]bool{},
	}
}

func (s *Searcher) next() {
	s.gen++
	if s.gen == 0 { // wrapped: clear the stamps once every 4 billion searches
		clear(s.seen)
		clear(s.banned)
		s.gen = 1
	}
}

// Reach runs a breadth-first search from sources along edges of kinds, at
// most maxDepth edges deep (0 means no limit), and calls visit for every
// node reached other than the sources, nearest first. visit returning false
// stops the search. After Reach, PathTo gives the shortest path to any
// reached node.
func (s *Searcher) Reach(sources []NodeID, kinds KindSet, maxDepth int, visit func(n NodeID, depth int) bool) {
	s.next()
	s.bfs(sources, kinds, maxDepth, -1, visit)
}

// bfs is Reach without starting a new generation, so that Yen's algorithm
// can ban nodes first. It stops early when target (if >= 0) is reached.
func (s *Searcher) bfs(sources []NodeID, kinds KindSet, maxDepth int, target NodeID, visit func(n NodeID, depth int) bool) bool {
	g := s.g
	q := s.queue[:0]
	for _, src := range sources {
		if s.seen[src] == s.gen {
			continue
		}
		s.seen[src] = s.gen
		s.parent[src] = -1
		s.depth[src] = 0
		q = append(q, src)
	}
	found := false
	for head := 0; head < len(q) && !found; head++ {
		if s.Limit > 0 && len(q) >= s.Limit {
			break
		}
		v := q[head]
		d := int(s.depth[v])
		if maxDepth > 0 && d >= maxDepth {
			continue
		}
		lo, hi := g.out.span(v)
		for i := lo; i < hi; i++ {
			e := g.out.edge[i]
			if !kinds.Has(g.edgeKind[e]) {
				continue
			}
			w := g.out.adj[i]
			if s.seen[w] == s.gen || s.banned[w] == s.gen || (len(s.banE) > 0 && s.banE[e]) {
				continue
			}
			s.seen[w] = s.gen
			s.parent[w] = e
			s.depth[w] = uint16(d + 1)
			q = append(q, w)
			if w == target {
				found = true
				break
			}
			if visit != nil && !visit(w, d+1) {
				s.queue = q
				return false
			}
		}
	}
	s.queue = q
	return found
}

// Reached reports whether n was reached by the last search.
func (s *Searcher) Reached(n NodeID) bool { return s.seen[n] == s.gen }

// PathTo returns the shortest path the last search found to n, or nil when
// n was not reached or is a source.
func (s *Searcher) PathTo(n NodeID) Path {
	if s.seen[n] != s.gen {
		return nil
	}
	var p Path
	for e := s.parent[n]; e >= 0; e = s.parent[s.g.efrom[e]] {
		p = append(p, e)
	}
	slices.Reverse(p)
	return p
}

// ShortestPath returns a shortest path from src to dst along edges of kinds,
// or nil when there is none (or src == dst).
func (s *Searcher) ShortestPath(src, dst NodeID, kinds KindSet, maxDepth int) Path {
	s.next()
	if !s.bfs([]NodeID{src}, kinds, maxDepth, dst, nil) {
		return nil
	}
	return s.PathTo(dst)
}

// KShortestPaths returns up to k loopless paths from src to dst along edges
// of kinds, shortest first, by Yen's algorithm over breadth-first searches.
// Its cost is bounded by k times the length of the paths times one search:
// it never enumerates all simple paths. Paths of equal length come in a
// stable order.
func (s *Searcher) KShortestPaths(src, dst NodeID, kinds KindSet, k, maxDepth int) []Path {
	if k <= 0 {
		return nil
	}
	first := s.ShortestPath(src, dst, kinds, maxDepth)
	if first == nil {
		return nil
	}
	g := s.g
	found := []Path{first}
	var candidates []Path
	for len(found) < k {
		last := found[len(found)-1]
		lastNodes := g.Nodes(last)
		for i := 0; i < len(last); i++ {
			spur := lastNodes[i]
			root := last[:i]
			clear(s.banE)
			for _, p := range found {
				if len(p) > i && slices.Equal(p[:i], root) {
					s.banE[p[i]] = true
				}
			}
			s.next()
			for _, n := range lastNodes[:i] {
				s.banned[n] = s.gen
			}
			depth := 0
			if maxDepth > 0 {
				depth = maxDepth - i
				if depth <= 0 {
					continue
				}
			}
			if !s.bfs([]NodeID{spur}, kinds, depth, dst, nil) {
				continue
			}
			cand := append(slices.Clone(root), s.PathTo(dst)...)
			if !containsPath(found, cand) && !containsPath(candidates, cand) {
				candidates = append(candidates, cand)
			}
		}
		clear(s.banE)
		if len(candidates) == 0 {
			break
		}
		best := 0
		for i, c := range candidates[1:] {
			if len(c) < len(candidates[best]) || (len(c) == len(candidates[best]) && slices.Compare(c, candidates[best]) < 0) {
				best = i + 1
			}
		}
		found = append(found, candidates[best])
		candidates = slices.Delete(candidates, best, best+1)
	}
	return found
}

func containsPath(ps []Path, p Path) bool {
	for _, q := range ps {
		if slices.Equal(q, p) {
			return true
		}
	}
	return false
}
