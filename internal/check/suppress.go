package check

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/parapet-sec/parapet/internal/inventory"
	"github.com/parapet-sec/parapet/internal/policy"
)

// inlineIgnore is a `parapet:ignore CHECK-ID reason` comment.
type inlineIgnore struct {
	Check  string
	Reason string
	File   string
	Line   int
}

// ignoreComment matches the directive inside a YAML (#) or HCL (#, //, /*)
// comment.
var ignoreComment = regexp.MustCompile(`(?:#|//|/\*)\s*parapet:ignore(?:\s+(\S+))?(?:\s+(.*?))?\s*(?:\*/)?\s*$`)

// scanIgnores returns the ignore directives on lines [from, to] of data
// (1-based, inclusive; to <= 0 means the end). A directive without a check
// id or a reason is an error naming the line.
func scanIgnores(file string, data []byte, from, to int) ([]inlineIgnore, error) {
	var out []inlineIgnore
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if n < from {
			continue
		}
		if to > 0 && n > to {
			break
		}
		line := sc.Text()
		if !strings.Contains(line, "parapet:ignore") {
			continue
		}
		m := ignoreComment.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if m[1] == "" || strings.TrimSpace(m[2]) == "" {
			return nil, fmt.Errorf("%s:%d: parapet:ignore needs a check id and a reason: # parapet:ignore CHECK-ID why it is accepted", file, n)
		}
		if err := policy.ValidatePattern(m[1]); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, n, err)
		}
		out = append(out, inlineIgnore{Check: m[1], Reason: strings.TrimSpace(m[2]), File: file, Line: n})
	}
	return out, sc.Err()
}

// ignoreKey identifies a resource in one file: an inline ignore applies to
// the object it is written in, not to a namesake in another file.
func ignoreKey(file, id string) string { return file + "\x00" + id }

// suppress marks the findings an inline ignore or a config suppression
// accepts, and returns the config suppressions that have expired at now.
// An expired suppression suppresses nothing.
func suppress(fs []inventory.Finding, inline map[string][]inlineIgnore, cfg []Suppression, now time.Time) []Suppression {
	var expired []Suppression
	for _, s := range cfg {
		if s.Expired(now) {
			expired = append(expired, s)
		}
	}
	for i := range fs {
		f := &fs[i]
		if f.Suppressed != nil {
			continue
		}
		file := ""
		if f.Location != nil {
			file = f.Location.File
		}
		for _, r := range f.Resources {
			for _, ig := range inline[ignoreKey(file, r)] {
				if policy.MatchID(ig.Check, f.Check) {
					f.Suppressed = &inventory.Suppression{Reason: ig.Reason, Source: fmt.Sprintf("%s:%d", ig.File, ig.Line)}
					break
				}
			}
			if f.Suppressed != nil {
				break
			}
		}
		if f.Suppressed != nil {
			continue
		}
		for _, s := range cfg {
			if s.Expired(now) || !policy.MatchID(s.Check, f.Check) || !s.matchesResource(f) {
				continue
			}
			f.Suppressed = &inventory.Suppression{
				Reason: s.Reason, Owner: s.Owner, Expires: s.Expires,
				Source: fmt.Sprintf("%s:%d", s.File, s.Line),
			}
			break
		}
	}
	return expired
}

// matchesResource reports whether the suppression's resource pattern
// matches one of the finding's resources or its file.
func (s Suppression) matchesResource(f *inventory.Finding) bool {
	if s.Resource == "" || s.Resource == "*" {
		return true
	}
	for _, r := range f.Resources {
		if wildcard(s.Resource, r) {
			return true
		}
	}
	return f.Location != nil && wildcard(s.Resource, f.Location.File)
}

// wildcard matches s against pattern p where * matches any run of
// characters, slashes included.
func wildcard(p, s string) bool {
	parts := strings.Split(p, "*")
	if len(parts) == 1 {
		return p == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}
