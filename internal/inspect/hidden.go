package inspect

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// hiddenMarkup is the kind of a region hidden by HTML or Markdown.
const hiddenMarkup = "hidden markup"

// region is a half-open span of the normalised text.
type region struct {
	start, end int
	what       string
}

// markupRegions finds content that renders invisibly: HTML comments,
// elements styled out of sight, Markdown comments and image alt text. Each
// region is also recorded as a hidden run so the classifier sees it.
func markupRegions(nt *normText, bg *byGroup) []region {
	var out []region
	b := nt.b
	lastEnd := -1
	for _, m := range bg[gMarkup] {
		s := int(m.start)
		if s < lastEnd {
			continue
		}
		pat := string(b[m.start:m.end])
		var e int
		var what string
		switch {
		case pat == "<!--":
			what = "an HTML comment"
			e = indexFrom(b, s+4, "-->")
			if e < 0 {
				e = len(b)
			} else {
				e += 3
			}
		case strings.HasPrefix(pat, "[//]") || strings.HasPrefix(pat, "[comment]"):
			what = "a Markdown comment"
			e = indexFrom(b, s, "\n")
			if e < 0 {
				e = len(b)
			}
		default:
			what = "an element styled to be invisible (" + strings.TrimSpace(pat) + ")"
			// From the tag's start to its closing tag.
			if k := bytes.LastIndexByte(b[:s], '<'); k >= 0 && s-k < 400 {
				s = k
			}
			e = indexFrom(b, int(m.end), "</")
			if e < 0 || e-s > 4096 {
				e = min(len(b), s+4096)
			}
		}
		if e-s > 16<<10 {
			e = s + 16<<10
		}
		out = append(out, region{s, e, what})
		lastEnd = e
		if len(out) >= 64 {
			break
		}
	}
	// Markdown image alt text: ![alt](...) shows the alt text only when
	// the image fails to load.
	for _, m := range bg[gLink] {
		s := int(m.start)
		if b[s] != ']' {
			continue
		}
		k := bytes.LastIndexByte(b[max(0, s-300):s], '[')
		if k < 0 {
			continue
		}
		k += max(0, s-300)
		if k > 0 && b[k-1] == '!' && s-k > 12 {
			out = append(out, region{k, s, "Markdown image alt text"})
		}
	}
	for _, r := range out {
		os, _ := nt.origSpan(r.start, r.end)
		nt.addHidden(hiddenMarkup, os, os+1, "")
	}
	return out
}

func indexFrom(b []byte, from int, sep string) int {
	if from > len(b) {
		return -1
	}
	i := bytes.Index(b[from:], []byte(sep))
	if i < 0 {
		return -1
	}
	return from + i
}

// hiddenFindings reports invisible and disguised characters, and hidden
// markup that holds instructions. Content that merely hides (a tracking
// pixel's comment, a zero-width joiner in an emoji) is not reported unless
// it carries text or overlaps a rule hit.
func hiddenFindings(nt *normText, text string, hits []ruleHit, regions []region) []Finding {
	var out []Finding
	overlapsHit := func(os, oe int) bool {
		for _, h := range hits {
			if rules[h.rule].score < hiddenRuleMin {
				continue
			}
			hs, he := nt.origSpan(h.start, h.end)
			if hs < oe && os < he {
				return true
			}
		}
		return false
	}
	perKind := map[string]int{}
	for _, h := range nt.hidden {
		if perKind[h.kind] >= 8 {
			continue
		}
		var score float64
		var why string
		switch h.kind {
		case hiddenTag:
			if h.start >= 4 && strings.HasSuffix(text[:h.start], "\U0001F3F4") {
				continue // a subdivision flag emoji
			}
			if len(strings.TrimSpace(h.decoded)) < 3 {
				continue
			}
			score = 0.9
			why = fmt.Sprintf("invisible Unicode tag characters spell out %+q", clip(h.decoded, 80))
		case hiddenZeroWidth:
			if !splitsWord(text, h.start, h.end) {
				continue
			}
			h.start, h.end = wordAround(text, h.start, h.end)
			score = 0.55
			why = "zero-width characters split a word"
			if overlapsHit(h.start, h.end) {
				score = 0.9
				why = "zero-width characters split the words of an instruction"
			}
		case hiddenBidi:
			score = 0.5
			why = "bidirectional control characters reorder how the text displays"
			if overlapsHit(h.start, h.end) {
				score = 0.85
			}
		case hiddenHomoglyph:
			score = 0.55
			why = fmt.Sprintf("a word mixes Latin with look-alike letters: %+q", clip(text[h.start:h.end], 60))
			if overlapsHit(h.start, h.end) {
				score = 0.9
				why = fmt.Sprintf("look-alike letters disguise an instruction: %+q", clip(text[h.start:h.end], 60))
			}
		case hiddenCompat:
			if !overlapsHit(h.start, h.end) {
				continue
			}
			score = 0.75
			why = "fullwidth or stylised characters disguise an instruction"
		case hiddenVariation:
			if utf8.RuneCountInString(text[h.start:h.end]) < 8 {
				continue
			}
			score = 0.7
			why = "a long run of variation selectors can carry hidden bytes"
		default:
			continue
		}
		perKind[h.kind]++
		out = append(out, Finding{Category: CategoryHidden, Rule: "hidden." + ruleSuffix(h.kind), Start: h.start, End: h.end,
			Score: score, Explanation: why})
	}
	for _, r := range regions {
		os, oe := nt.origSpan(r.start, r.end)
		inside := false
		for _, h := range hits {
			if rules[h.rule].score >= hiddenRuleMin && h.start < r.end && r.start < h.end {
				inside = true
				break
			}
		}
		if !inside {
			continue
		}
		out = append(out, Finding{Category: CategoryHidden, Rule: "hidden.markup", Start: os, End: oe, Score: 0.9,
			Explanation: "instructions hidden in " + r.what + ": " + excerpt(text, os, oe)})
	}
	return out
}

func ruleSuffix(kind string) string {
	switch kind {
	case hiddenTag:
		return "tag-characters"
	case hiddenZeroWidth:
		return "zero-width"
	case hiddenBidi:
		return "bidi"
	case hiddenHomoglyph:
		return "homoglyph"
	case hiddenCompat:
		return "compatibility-characters"
	case hiddenVariation:
		return "variation-selectors"
	}
	return "markup"
}

// splitsWord reports whether text[s:e] sits between two letters.
func splitsWord(text string, s, e int) bool {
	if s == 0 || e >= len(text) {
		return false
	}
	r1, _ := utf8.DecodeLastRuneInString(text[:s])
	r2, _ := utf8.DecodeRuneInString(text[e:])
	return isLetterRune(r1) && isLetterRune(r2)
}

func isLetterRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f && unicode.IsLetter(r)
}

// wordAround widens [s, e) to the word it sits in.
func wordAround(text string, s, e int) (int, int) {
	for s > 0 && s-1 < len(text) && text[s-1] != ' ' && text[s-1] != '\n' {
		s--
	}
	for e < len(text) && text[e] != ' ' && text[e] != '\n' {
		e++
	}
	return s, e
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// linkFindings reports Markdown images and links, and HTML images and
// links, whose URL carries data out in its query or path: a long value,
// a template placeholder, or a parameter named for data. An image is worse
// than a link: a client renders it, and so fetches the URL, on its own.
func linkFindings(nt *normText, text string, bg *byGroup) []Finding {
	var out []Finding
	b := nt.b
	for k, m := range bg[gLink] {
		if k >= maxLinks {
			break
		}
		s := int(m.start)
		pat := string(b[m.start:m.end])
		u0 := s
		image := false
		switch {
		case strings.HasPrefix(pat, "]("):
			u0 = s + 2
			if k := bytes.LastIndexByte(b[max(0, s-300):s], '['); k >= 0 {
				k += max(0, s-300)
				image = k > 0 && b[k-1] == '!'
			}
		case pat == "<img":
			continue // its src= is matched on its own
		default:
			i := bytes.IndexAny(b[s:m.end], "=(")
			u0 = s + i + 1
			if u0 < len(b) && (b[u0] == '"' || b[u0] == '\'') {
				u0++
			}
			image = strings.HasPrefix(pat, "src") || strings.HasPrefix(pat, "url(") ||
				bytes.Contains(b[max(0, s-200):s], []byte("<img"))
		}
		u1 := u0
		for u1 < len(b) && u1-u0 < 4096 && !bytes.ContainsRune([]byte(" \n)\"'>"), rune(b[u1])) {
			u1++
		}
		os, oe := nt.origSpan(u0, u1)
		raw := text[os:oe]
		reason := exfilURL(raw)
		if reason == "" {
			continue
		}
		what, score := "link", 0.75
		if image {
			what, score = "image", 0.92
		}
		out = append(out, Finding{Category: CategoryExfiltration, Rule: "exfiltration." + what + "-url", Start: os, End: oe, Score: score,
			Explanation: fmt.Sprintf("%s URL can carry data out (%s): %s", what, reason, excerpt(text, os, oe))})
		if len(out) >= 16 {
			break
		}
	}
	return out
}

// hiddenRuleMin is the rule score from which a rule hit inside hidden or
// disguised content makes that content an instruction: weaker hits (an AI
// named beside "should") are common in honest comments.
const hiddenRuleMin = 0.6

// maxLinks bounds the links examined in one text.
const maxLinks = 256

// exfilParams are query parameter names that ask for data.
var exfilParams = map[string]bool{
	"data": true, "d": true, "q": true, "p": true, "secret": true, "key": true, "token": true,
	"password": true, "pwd": true, "info": true, "msg": true, "message": true, "chat": true,
	"history": true, "conversation": true, "summary": true, "content": true, "text": true,
	"payload": true, "leak": true, "exfil": true, "creds": true, "credentials": true, "x": true,
	"email": true, "memory": true, "context": true, "prompt": true, "c": true, "s": true,
}

// exfilURL says why a URL looks like it carries data out, or "".
func exfilURL(raw string) string {
	if strings.ContainsAny(raw, "{}$<[") || strings.Contains(raw, "%7b") || strings.Contains(strings.ToLower(raw), "%7b") {
		return "template placeholder in the URL"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" && !strings.HasPrefix(raw, "//") {
		return ""
	}
	for k, vs := range u.Query() {
		for _, v := range vs {
			if len(v) >= 40 {
				return fmt.Sprintf("%d-byte value in parameter %q", len(v), k)
			}
			if exfilParams[strings.ToLower(k)] && len(v) >= 12 {
				return fmt.Sprintf("parameter %q carries a value", k)
			}
			if upper := strings.ToUpper(v); upper == v && len(v) >= 6 && strings.ContainsAny(v, "_") {
				return fmt.Sprintf("parameter %q holds a placeholder", k)
			}
		}
	}
	// Data smuggled in a long path segment.
	for _, seg := range strings.Split(u.Path, "/") {
		if len(seg) >= 64 {
			return fmt.Sprintf("%d-byte path segment", len(seg))
		}
	}
	return ""
}

// encoded is a run of the original text that may be an encoded payload.
type encoded struct {
	start, end int
	kind       string // "base64", "hex", "url-encoding"
}

const maxEncodedCandidates = 32

// encodedCandidates finds runs that may be base64 (24+ bytes of the base64
// alphabet with letters of both cases and digits), hex (32+ hex digits) or
// URL encoding (three or more %XX escapes in one word).
func encodedCandidates(text string) []encoded {
	var out []encoded
	for i := 0; i < len(text) && len(out) < maxEncodedCandidates; {
		c := text[i]
		if encClass[c] == 0 {
			i++
			continue
		}
		// Short words are the common case: skip them in one tight loop.
		j := i
		for j < len(text) && encClass[text[j]]&encWord != 0 {
			j++
		}
		if j-i < 16 && (j >= len(text) || encClass[text[j]] == 0) {
			i = j + 1
			continue
		}
		j = i
		pct, hexOnly := 0, true
		for j < len(text) {
			c := text[j]
			if c == '%' && j+2 < len(text) && isHex(text[j+1]) && isHex(text[j+2]) {
				pct++
				j += 3
				continue
			}
			if c == '=' && j+1 < len(text) && isB64(text[j+1]) && pct == 0 {
				break // "key=value": padding only ends a payload
			}
			if !(isB64(c) || c == '=' || c == '-' || c == '_') {
				if pct > 0 && c > ' ' && c < 0x7f && c != '"' && c != '\'' && c != '<' && c != '>' {
					j++ // URL-encoded text keeps its punctuation
					continue
				}
				break
			}
			if !isHex(c) {
				hexOnly = false
			}
			j++
		}
		run := text[i:j]
		switch {
		case pct >= 3:
			out = append(out, encoded{i, j, "url-encoding"})
		case hexOnly && len(run) >= 32 && len(run)%2 == 0:
			out = append(out, encoded{i, j, "hex"})
		case len(run) >= 24 && mixedCase(run) && !strings.ContainsAny(run[:len(run)-2], "="):
			out = append(out, encoded{i, j, "base64"})
		}
		if j == i {
			j++
		}
		i = j
	}
	return out
}

// encClass marks bytes that can be part of an encoded payload; encWord
// those (letters, digits, + /) that never end one by themselves.
const (
	encAny  = 1
	encWord = 2
)

var encClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		if isB64(b) || b == '%' || b == '-' || b == '_' || b == '=' {
			t[c] = encAny
		}
		if isB64(b) {
			t[c] |= encWord
		}
	}
	return t
}()

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// decodeCandidate decodes a candidate and keeps it only when it decodes to
// text: valid UTF-8, mostly printable, with a space between words.
func decodeCandidate(s, kind string) (string, bool) {
	var dec []byte
	var err error
	switch kind {
	case "hex":
		dec, err = hex.DecodeString(s)
	case "url-encoding":
		var u string
		u, err = url.PathUnescape(s)
		dec = []byte(u)
	default:
		t := strings.TrimRight(s, "=")
		if strings.ContainsAny(t, "-_") {
			dec, err = base64.RawURLEncoding.DecodeString(t)
		} else {
			dec, err = base64.RawStdEncoding.DecodeString(t)
		}
	}
	if err != nil || len(dec) < 8 || !utf8.Valid(dec) {
		return "", false
	}
	printable, spaces := 0, 0
	for _, r := range string(dec) {
		if r == ' ' || r == '\n' {
			spaces++
		}
		if r >= ' ' || r == '\n' || r == '\t' || r == '\r' {
			printable++
		}
	}
	n := utf8.RuneCount(dec)
	if printable*10 < n*9 || spaces == 0 {
		return "", false
	}
	return string(dec), true
}
