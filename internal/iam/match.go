package iam

import (
	"strings"
)

// pattern is a compiled policy string: an action, a resource ARN or a
// condition value, with `*` and `?` wildcards (when wild) and policy
// variables. Matching allocates nothing and uses no regular expressions.
type pattern struct {
	raw  string
	fold bool // ASCII case-insensitive (actions, StringEqualsIgnoreCase)
	wild bool // `*` and `?` are wildcards
	// plain patterns (no variables) match on raw directly; exact ones need
	// no glob at all.
	exact bool
	segs  []seg // set when the pattern has policy variables
}

type segKind uint8

const (
	segLit  segKind = iota // literal text
	segStar                // `*`: any run of characters
	segOne                 // `?`: one character
	segVar                 // a policy variable
)

type seg struct {
	kind segKind
	lit  string
	v    *variable
	// tail, when set, is segs[i:] as a plain glob (no variables and no
	// literal wildcard characters after this point), so that matching the
	// rest after a star is one linear-time glob instead of a recursion.
	tail string
}

// compilePattern compiles s. wild says whether `*` and `?` are wildcards
// (they are in Action, Resource and *Like operators, not in *Equals); fold
// makes matching ASCII case-insensitive.
func compilePattern(s string, wild, fold bool) (pattern, error) {
	p := pattern{raw: s, fold: fold, wild: wild}
	if !strings.Contains(s, "${") {
		p.exact = !wild || !strings.ContainsAny(s, "*?")
		return p, nil
	}
	segs, err := parseVariables(s, wild)
	if err != nil {
		return p, err
	}
	tail, plain := "", true
	for i := len(segs) - 1; i >= 0; i-- {
		sg := &segs[i]
		switch sg.kind {
		case segVar:
			plain = false
		case segLit:
			plain = plain && !strings.ContainsAny(sg.lit, "*?")
		}
		if !plain {
			break
		}
		var part string
		switch sg.kind {
		case segLit:
			part = sg.lit
		case segStar:
			part = "*"
		case segOne:
			part = "?"
		}
		tail = part + tail
		sg.tail = tail
	}
	p.segs = segs
	return p, nil
}

// match reports whether s matches the pattern. Policy variables are resolved
// through ec; when one is unknown it matches like `*` and unknown is set, so
// the caller can report the match as conditional.
func (p *pattern) match(s string, ec *evalCtx, unknown *bool) bool {
	if p.segs == nil {
		if p.exact {
			if p.fold {
				return strings.EqualFold(p.raw, s)
			}
			return p.raw == s
		}
		return glob(p.raw, s, p.fold)
	}
	return p.matchSegs(p.segs, s, ec, unknown)
}

func (p *pattern) matchSegs(segs []seg, s string, ec *evalCtx, unknown *bool) bool {
	for i := range segs {
		sg := &segs[i]
		switch sg.kind {
		case segLit:
			if !hasPrefixFold(s, sg.lit, p.fold) {
				return false
			}
			s = s[len(sg.lit):]
		case segOne:
			if s == "" {
				return false
			}
			s = s[1:]
		case segStar:
			if sg.tail != "" {
				return glob(sg.tail, s, p.fold)
			}
			rest := segs[i+1:]
			for k := 0; k <= len(s); k++ {
				if p.matchSegs(rest, s[k:], ec, unknown) {
					return true
				}
			}
			return false
		case segVar:
			val, state := ec.variable(sg.v)
			switch state {
			case keyKnown:
				if !hasPrefixFold(s, val, p.fold) {
					return false
				}
				s = s[len(val):]
			case keyAbsent:
				// AWS: a variable with no value and no default makes the
				// element not match.
				return false
			default:
				// Unknown until request time: match as a wildcard and say so.
				rest := segs[i+1:]
				for k := 0; k <= len(s); k++ {
					if p.matchSegs(rest, s[k:], ec, unknown) {
						*unknown = true
						return true
					}
				}
				return false
			}
		}
	}
	return s == ""
}

func hasPrefixFold(s, prefix string, fold bool) bool {
	if len(s) < len(prefix) {
		return false
	}
	if fold {
		return strings.EqualFold(s[:len(prefix)], prefix)
	}
	return s[:len(prefix)] == prefix
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// glob matches s against p where `*` matches any run of bytes and `?` one
// byte. It backtracks only to the last star, so it runs in O(len(p)*len(s))
// at worst and allocates nothing.
func glob(p, s string, fold bool) bool {
	px, sx := 0, 0
	starPx, starSx := -1, -1
	for px < len(p) || sx < len(s) {
		if px < len(p) {
			c := p[px]
			switch c {
			case '*':
				starPx, starSx = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			default:
				if sx < len(s) && (c == s[sx] || fold && lowerASCII(c) == lowerASCII(s[sx])) {
					px++
					sx++
					continue
				}
			}
		}
		if starPx >= 0 && starSx <= len(s) {
			px, sx = starPx+1, starSx
			starSx++
			continue
		}
		return false
	}
	return true
}

// serviceOf returns the service prefix of an action ("iam" for
// "iam:PassRole"), as written.
func serviceOf(action string) string {
	if i := strings.IndexByte(action, ':'); i >= 0 {
		return action[:i]
	}
	return action
}

// arnPart returns the n-th colon-separated field of an ARN (0: "arn",
// 1: partition, 2: service, 3: region, 4: account, 5: resource, which keeps
// its own colons). It returns "" when s has fewer fields.
func arnPart(s string, n int) string {
	for i := 0; i < n; i++ {
		j := strings.IndexByte(s, ':')
		if j < 0 {
			return ""
		}
		s = s[j+1:]
	}
	if n == 5 {
		return s
	}
	if j := strings.IndexByte(s, ':'); j >= 0 {
		return s[:j]
	}
	return s
}

// arnMatch matches an ARN against an ARN pattern the way the Arn* condition
// operators do: each of the six colon-delimited components separately, each
// with `*` and `?` wildcards, case-sensitively.
func arnMatch(pat, s string) bool {
	if strings.Count(pat, ":") < 5 {
		return glob(pat, s, false)
	}
	for i := 0; i < 6; i++ {
		if !glob(arnPart(pat, i), arnPart(s, i), false) {
			return false
		}
	}
	return true
}
