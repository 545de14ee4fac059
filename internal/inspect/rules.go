package inspect

import (
	"slices"
	"sort"
	"strings"
	"sync"
)

// rule is a family of phrasings: groups of terms that must follow each
// other, each within gap bytes of the previous one in the normalised text.
// With near set, the second element may also come before the first.
type rule struct {
	id       string
	category Category
	seq      []uint32 // bit masks of groups
	gap      int
	near     bool
	score    float64
	explain  string
}

func gm(groups ...int) uint32 {
	var m uint32
	for _, g := range groups {
		m |= 1 << g
	}
	return m
}

// rules are evaluated in order; ids are stable (they appear in findings).
var rules = []rule{
	{id: "override.ignore-prior", category: CategoryOverride, seq: []uint32{gm(gIgnore), gm(gPrior), gm(gInstr)}, gap: 32, score: 0.95,
		explain: "asks the reader to set aside its earlier instructions"},
	{id: "override.ignore-instructions-prior", category: CategoryOverride, seq: []uint32{gm(gIgnore), gm(gInstr), gm(gPrior)}, gap: 16, score: 0.9,
		explain: "asks the reader to set aside its earlier instructions"},
	{id: "override.ignore", category: CategoryOverride, seq: []uint32{gm(gIgnore), gm(gInstr)}, gap: 24, score: 0.7,
		explain: "asks the reader to ignore instructions or rules"},
	{id: "override.fake-boundary", category: CategoryOverride, seq: []uint32{gm(gBoundary), gm(gNew, gIgnore, gRoleStrong, gAI, gMust)}, gap: 200, score: 0.9,
		explain: "fakes the end of the data and continues with instructions"},
	{id: "override.new-instructions", category: CategoryOverride, seq: []uint32{gm(gNew)}, score: 0.45,
		explain: "announces new instructions or a new role"},
	{id: "override.new-with-urgency", category: CategoryOverride, seq: []uint32{gm(gNew), gm(gUrgent, gMust, gIgnore, gSecrecy)}, gap: 80, near: true, score: 0.8,
		explain: "announces new instructions with urgency or obligation"},
	{id: "impersonation.chat-template", category: CategoryImpersonation, seq: []uint32{gm(gRoleStrong)}, score: 0.85,
		explain: "contains chat-template, tool-protocol or system role markers that impersonate a trusted party"},
	{id: "impersonation.role-then-order", category: CategoryImpersonation, seq: []uint32{gm(gRoleStrong, gRoleWeak), gm(gIgnore, gNew, gSecrecy, gLeak, gJailbreak)}, gap: 100, score: 0.8,
		explain: "a role label followed by instructions, as if the system or a user spoke"},
	{id: "roleplay.jailbreak", category: CategoryImpersonation, seq: []uint32{gm(gRolePlay), gm(gJailbreak)}, gap: 200, near: true, score: 0.85,
		explain: "role play towards an unrestricted persona (jailbreak)"},
	{id: "roleplay.persona", category: CategoryImpersonation, seq: []uint32{gm(gJailbreak)}, score: 0.3,
		explain: "jailbreak vocabulary"},
	{id: "coercion.secrecy", category: CategoryToolCoercion, seq: []uint32{gm(gSecrecy), gm(gCall, gSend, gDestroy, gTool, gAsk)}, gap: 150, near: true, score: 0.9,
		explain: "asks for an action to be taken without the user knowing"},
	{id: "coercion.secrecy-alone", category: CategoryToolCoercion, seq: []uint32{gm(gSecrecy)}, score: 0.5,
		explain: "asks to keep something from the user"},
	{id: "coercion.ai-directive", category: CategoryToolCoercion, seq: []uint32{gm(gAI), gm(gMust), gm(gCall, gSend, gDestroy, gIgnore, gAsk, gNew)}, gap: 60, score: 0.85,
		explain: "addresses an AI reader with an order to act"},
	{id: "coercion.ai-address", category: CategoryToolCoercion, seq: []uint32{gm(gAI), gm(gMust)}, gap: 30, score: 0.4,
		explain: "addresses an AI reader with an obligation"},
	{id: "coercion.destructive", category: CategoryToolCoercion, seq: []uint32{gm(gMust, gUrgent, gAI, gCall), gm(gDestroy)}, gap: 60, score: 0.6,
		explain: "urges a destructive or privilege-changing action"},
	{id: "coercion.tool-call", category: CategoryToolCoercion, seq: []uint32{gm(gCall), gm(gTool)}, gap: 20, score: 0.3,
		explain: "asks to call a tool or run a command"},
	{id: "exfiltration.send-data", category: CategoryExfiltration, seq: []uint32{gm(gSend), gm(gData), gm(gDest)}, gap: 60, score: 0.85,
		explain: "asks to send sensitive data to an outside destination"},
	{id: "exfiltration.move-data", category: CategoryExfiltration, seq: []uint32{gm(gSend), gm(gData)}, gap: 30, score: 0.4,
		explain: "asks to move sensitive data"},
	{id: "credential.request", category: CategoryCredentialRequest, seq: []uint32{gm(gAsk), gm(gCred)}, gap: 30, score: 0.6,
		explain: "asks for a password, key or other credential"},
	{id: "credential.prompt-leak", category: CategoryCredentialRequest, seq: []uint32{gm(gAsk), gm(gLeak)}, gap: 30, score: 0.85,
		explain: "asks the model to reveal its own instructions"},
	{id: "encoding.decode-and-follow", category: CategoryEncoded, seq: []uint32{gm(gDecode), gm(gDecode, gMust, gCall)}, gap: 60, score: 0.55,
		explain: "asks to decode something and act on it"},
}

// lex is the compiled lexicon: one automaton for every group's terms.
type lex struct {
	ac    *automaton
	group []uint8 // pattern id -> group
}

var (
	lexOnce sync.Once
	lexVal  *lex
)

// compiledLexicon builds the automaton once. Terms pass through the same
// normaliser as the text, so "Ignore" and "ignore" are one term and the
// Cyrillic terms are spelled as the normaliser spells them.
func compiledLexicon() *lex {
	lexOnce.Do(func() {
		var pats []acPattern
		var groups []uint8
		seen := map[string]bool{}
		add := func(term string, g int) {
			stem := strings.HasSuffix(term, "*")
			term = strings.TrimSuffix(term, "*")
			var nt normText
			normalize(&nt, term)
			t := string(nt.b[1:])
			if !strings.HasPrefix(term, "\n") {
				t = strings.TrimLeft(t, "\n ")
			}
			if !strings.HasSuffix(term, " ") {
				t = strings.TrimRight(t, "\n ")
			}
			key := t + "\x00" + string(rune(g))
			if t == "" || seen[key] {
				return
			}
			seen[key] = true
			pats = append(pats, acPattern{text: t, group: g, stem: stem})
			groups = append(groups, uint8(g))
		}
		for g, terms := range lexicon {
			for _, t := range terms {
				add(t, g)
			}
		}
		for _, w := range rot13Words {
			add(rot13(w), gRot13)
		}
		lexVal = &lex{ac: buildAutomaton(pats), group: groups}
	})
	return lexVal
}

// ruleHit is a rule that fired on the normalised text.
type ruleHit struct {
	rule       int
	start, end int // in the normalised text
}

// byGroup holds the matches of each group, ordered by start.
type byGroup [numGroups][]acMatch

func (bg *byGroup) reset() {
	for g := range bg {
		bg[g] = bg[g][:0]
	}
}

func (bg *byGroup) fill(l *lex, ms []acMatch) {
	bg.reset()
	for _, m := range ms {
		g := l.group[m.pat]
		bg[g] = append(bg[g], m)
	}
	for g := range bg {
		if len(bg[g]) > 1 {
			slices.SortStableFunc(bg[g], func(a, b acMatch) int { return int(a.start) - int(b.start) })
		}
	}
}

// evalRules appends the rules that fire. Each rule reports
// non-overlapping spans, left to right, at most maxRuleHits of them.
func evalRules(dst []ruleHit, bg *byGroup) []ruleHit {
	for ri := range rules {
		r := &rules[ri]
		lastEnd := -1
		count := 0
		forEachMask(bg, r.seq[0], func(m acMatch) bool {
			if int(m.start) < lastEnd {
				return true
			}
			start, end := int(m.start), int(m.end)
			ok := true
			for _, mask := range r.seq[1:] {
				ns, ne, found := nextInMask(bg, mask, end, r.gap)
				if !found && r.near {
					ns, ne, found = prevInMask(bg, mask, start, r.gap)
				}
				if !found {
					ok = false
					break
				}
				if ns < start {
					start = ns
				}
				if ne > end {
					end = ne
				}
			}
			if ok {
				dst = append(dst, ruleHit{rule: ri, start: start, end: end})
				lastEnd = end
				count++
			}
			return count < maxRuleHits
		})
	}
	return dst
}

const maxRuleHits = 64

func forEachMask(bg *byGroup, mask uint32, f func(acMatch) bool) {
	if mask&(mask-1) == 0 { // one group: already ordered
		for g := 0; g < numGroups; g++ {
			if mask&(1<<g) != 0 {
				for _, m := range bg[g] {
					if !f(m) {
						return
					}
				}
				return
			}
		}
	}
	var all []acMatch
	for g := 0; g < numGroups; g++ {
		if mask&(1<<g) != 0 {
			all = append(all, bg[g]...)
		}
	}
	slices.SortStableFunc(all, func(a, b acMatch) int { return int(a.start) - int(b.start) })
	for _, m := range all {
		if !f(m) {
			return
		}
	}
}

// nextInMask finds the first match of a group in mask that starts at or
// after from and no later than from+gap.
func nextInMask(bg *byGroup, mask uint32, from, gap int) (int, int, bool) {
	best := -1
	bestEnd := 0
	for g := 0; g < numGroups; g++ {
		if mask&(1<<g) == 0 {
			continue
		}
		s := bg[g]
		i := sort.Search(len(s), func(i int) bool { return int(s[i].start) >= from })
		if i < len(s) && int(s[i].start) <= from+gap && (best < 0 || int(s[i].start) < best) {
			best, bestEnd = int(s[i].start), int(s[i].end)
		}
	}
	return best, bestEnd, best >= 0
}

// prevInMask finds a match of a group in mask that ends at or before to and
// no earlier than to-gap.
func prevInMask(bg *byGroup, mask uint32, to, gap int) (int, int, bool) {
	best := -1
	bestEnd := 0
	for g := 0; g < numGroups; g++ {
		if mask&(1<<g) == 0 {
			continue
		}
		s := bg[g]
		i := sort.Search(len(s), func(i int) bool { return int(s[i].start) >= to })
		for j := i - 1; j >= 0; j-- {
			if int(s[j].end) <= to {
				if int(s[j].end) >= to-gap && int(s[j].start) > best {
					best, bestEnd = int(s[j].start), int(s[j].end)
				}
				break
			}
		}
	}
	return best, bestEnd, best >= 0
}
