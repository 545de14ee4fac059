package graph

import "github.com/parapet-sec/parapet/internal/inventory"

// tier is one class of attack-path target, with the distance from every
// node to its nearest member and the first edge of that shortest path,
// found by one breadth-first search backwards from all members at once.
// Answering "what is the worst target this entry reaches" is then a lookup,
// whatever the number of entries: the cost is one search per tier, not one
// per entry.
type tier struct {
	level   inventory.Sensitivity
	control bool
	dist    []int32 // -1: no member reachable within MaxDepth
	next    []EdgeID
}

// buildTiers fills a.tiers, worst first: critical data, control of an
// account or cluster, then data of each lower level down to MinSensitivity.
// Data comes before control at the same level because it is the concrete
// prize; control has checks of its own.
func (a *analysis) buildTiers() {
	g := a.g
	type class struct {
		level   inventory.Sensitivity
		control bool
	}
	classes := []class{{inventory.SensitivityCritical, false}, {inventory.SensitivityCritical, true}}
	for _, l := range []inventory.Sensitivity{inventory.SensitivityHigh, inventory.SensitivityMedium, inventory.SensitivityLow} {
		if l.Rank() >= a.opts.MinSensitivity.Rank() {
			classes = append(classes, class{l, false})
		}
	}
	a.tiers = a.tiers[:0]
	queue := make([]NodeID, 0, 1024)
	for _, c := range classes {
		t := tier{level: c.level, control: c.control, dist: make([]int32, g.Len()), next: make([]EdgeID, g.Len())}
		queue = queue[:0]
		for n := range t.dist {
			t.dist[n] = -1
			node := g.Node(NodeID(n))
			member := false
			if c.control {
				member = IsControl(node.Kind)
			} else {
				member = IsData(node.Kind) && node.Sensitivity == c.level
			}
			if member {
				t.dist[n] = 0
				t.next[n] = -1
				queue = append(queue, NodeID(n))
			}
		}
		if len(queue) == 0 {
			continue
		}
		for head := 0; head < len(queue); head++ {
			v := queue[head]
			d := t.dist[v]
			if int(d) >= a.opts.MaxDepth {
				continue
			}
			g.In(v, a.attack, func(u NodeID, e EdgeID) bool {
				if t.dist[u] < 0 {
					t.dist[u] = d + 1
					t.next[u] = e
					queue = append(queue, u)
				}
				return true
			})
		}
		a.tiers = append(a.tiers, t)
	}
}

// best returns the worst target src reaches, with the shortest path to it,
// trying tiers worst first and skipping paths that accept rejects.
func (a *analysis) best(src NodeID, accept func(Path) bool) (reached, bool) {
	for _, t := range a.tiers {
		if t.dist[src] <= 0 {
			continue
		}
		var p Path
		n := src
		for t.dist[n] > 0 {
			e := t.next[n]
			p = append(p, e)
			n = a.g.eto[e]
		}
		if accept != nil && !accept(p) {
			continue
		}
		return reached{node: n, level: t.level, path: p}, true
	}
	return reached{}, false
}

// reachBound bounds the forward searches that list the other targets an
// entry reaches.
const reachBound = 20000

// otherTargets lists up to five targets src reaches besides best, nearest
// first, and counts all it finds within reachBound visited nodes.
func (a *analysis) otherTargets(s *Searcher, src, best NodeID) (others []string, count int, bounded bool) {
	s.Limit = reachBound
	visited := 0
	s.Reach([]NodeID{src}, a.attack, a.opts.MaxDepth, func(n NodeID, _ int) bool {
		visited++
		if _, ok := a.target(n); ok {
			count++
			if n != best && len(others) < 5 {
				others = append(others, a.g.Node(n).ID)
			}
		}
		return true
	})
	s.Limit = 0
	return others, count, visited+1 >= reachBound
}
