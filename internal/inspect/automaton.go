package inspect

import "sort"

// automaton is an Aho-Corasick machine over bytes, compiled to a dense
// transition table on a reduced alphabet: every byte that appears in some
// pattern has a class of its own and all other bytes share class 0. One
// pass over a text reports every occurrence of every pattern.
type automaton struct {
	class   [256]uint8
	nclass  int
	delta   []uint16 // state*nclass + class -> next state
	hasOut  []bool   // whether a state reports matches
	outIdx  []int32  // outputs of state s are outList[outIdx[s]:outIdx[s+1]]
	outList []int32  // pattern ids
	pats    []acPattern
}

// acPattern is one compiled pattern. A word pattern must start and end at
// word boundaries; a stem (written with a trailing '*') only at the start.
type acPattern struct {
	text  string
	group int
	stem  bool
}

// acMatch is one occurrence of pattern id in [start, end).
type acMatch struct {
	pat        int32
	start, end int32
}

// buildAutomaton compiles patterns. Patterns must be non-empty.
func buildAutomaton(pats []acPattern) *automaton {
	a := &automaton{pats: pats}
	// Alphabet classes.
	used := [256]bool{}
	for _, p := range pats {
		for i := 0; i < len(p.text); i++ {
			used[p.text[i]] = true
		}
	}
	a.nclass = 1
	for b := 0; b < 256; b++ {
		if used[b] {
			a.class[b] = uint8(a.nclass)
			a.nclass++
		}
	}
	// Trie.
	type node struct {
		next map[uint8]int32
		out  []int32
	}
	nodes := []node{{next: map[uint8]int32{}}}
	for id, p := range pats {
		s := int32(0)
		for i := 0; i < len(p.text); i++ {
			c := a.class[p.text[i]]
			nx, ok := nodes[s].next[c]
			if !ok {
				nx = int32(len(nodes))
				nodes = append(nodes, node{next: map[uint8]int32{}})
				nodes[s].next[c] = nx
			}
			s = nx
		}
		nodes[s].out = append(nodes[s].out, int32(id))
	}
	// Breadth-first failure links, folded into a dense table.
	n := len(nodes)
	nc := a.nclass
	if n > 1<<16 {
		panic("inspect: lexicon automaton has more than 65536 states")
	}
	a.delta = make([]uint16, n*nc)
	fail := make([]int32, n)
	queue := make([]int32, 0, n)
	for c := 0; c < nc; c++ {
		if nx, ok := nodes[0].next[uint8(c)]; ok {
			a.delta[c] = uint16(nx)
			queue = append(queue, nx)
		}
	}
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		nodes[s].out = append(nodes[s].out, nodes[fail[s]].out...)
		for c := 0; c < nc; c++ {
			if nx, ok := nodes[s].next[uint8(c)]; ok {
				fail[nx] = int32(a.delta[int(fail[s])*nc+c])
				a.delta[int(s)*nc+c] = uint16(nx)
				queue = append(queue, nx)
			} else {
				a.delta[int(s)*nc+c] = a.delta[int(fail[s])*nc+c]
			}
		}
	}
	a.outIdx = make([]int32, n+1)
	a.hasOut = make([]bool, n)
	for s := 0; s < n; s++ {
		a.hasOut[s] = len(nodes[s].out) > 0
		out := nodes[s].out
		sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
		a.outList = append(a.outList, out...)
		a.outIdx[s+1] = int32(len(a.outList))
	}
	return a
}

// scan appends to dst every boundary-respecting match in b.
func (a *automaton) scan(dst []acMatch, b []byte) []acMatch {
	s := 0
	nc := a.nclass
	delta, hasOut, cls := a.delta, a.hasOut, &a.class
	for i := 0; i < len(b); i++ {
		s = int(delta[s*nc+int(cls[b[i]])])
		if !hasOut[s] {
			continue
		}
		lo, hi := a.outIdx[s], a.outIdx[s+1]
		end := i + 1
		for _, id := range a.outList[lo:hi] {
			p := &a.pats[id]
			start := end - len(p.text)
			if isWordStart(p.text[0]) && start > 0 && isWordChar(b[start-1]) {
				continue
			}
			if !p.stem && isWordStart(p.text[len(p.text)-1]) && end < len(b) && isWordChar(b[end]) {
				continue
			}
			if p.stem {
				for end < len(b) && isWordChar(b[end]) {
					end++
				}
			}
			if len(dst) >= maxMatches {
				return dst
			}
			dst = append(dst, acMatch{pat: id, start: int32(start), end: int32(end)})
		}
	}
	return dst
}

// maxMatches bounds the matches kept for one text, so adversarial input
// full of trigger words costs bounded memory and rule time.
const maxMatches = 1 << 14

// isWordStart reports whether a pattern edge byte is a word character, so
// the pattern needs a boundary there. Bytes of multi-byte characters never
// need one: scripts without spaces (Chinese, Japanese) have no boundaries.
func isWordStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

func isWordChar(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' }
