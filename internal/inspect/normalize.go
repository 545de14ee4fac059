package inspect

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Kinds of hidden or disguised characters the normaliser reports.
const (
	hiddenZeroWidth = "zero-width characters"
	hiddenBidi      = "bidirectional control characters"
	hiddenTag       = "Unicode tag characters"
	hiddenVariation = "variation selectors"
	hiddenHomoglyph = "homoglyphs"
	hiddenCompat    = "compatibility characters"
)

// hiddenRun is a stretch of the original text holding characters that
// render as nothing or as something else than they are.
type hiddenRun struct {
	kind       string
	start, end int    // byte offsets in the original text
	decoded    string // for tag characters: the ASCII they encode
}

// normText is the normalised view of a text that rules and the classifier
// read: NFKC, lower case, invisible characters removed, tag characters
// decoded to the ASCII they smuggle, homoglyphs mapped to Latin, runs of
// blanks collapsed to one space (one newline when the run holds a line
// break, JSON's \n escapes included). It starts with a newline so that
// line-start patterns match on the first line. off maps every byte of b to
// the offset in the original text it came from.
type normText struct {
	b      []byte
	off    []int32
	hidden []hiddenRun
}

// origSpan maps a half-open span of b to the original text.
func (nt *normText) origSpan(s, e int) (int, int) {
	if s < 0 {
		s = 0
	}
	if e > len(nt.b) {
		e = len(nt.b)
	}
	if e <= s {
		o := int(nt.off[s])
		return o, o
	}
	return int(nt.off[s]), int(nt.off[e-1]) + endWidth(nt, e-1)
}

// endWidth is how many original bytes the normalised byte at k stands for,
// so a span that ends at k ends after the whole original character.
func endWidth(nt *normText, k int) int {
	w := int(nt.off[len(nt.b)]) - int(nt.off[k])
	for j := k + 1; j < len(nt.b); j++ {
		if nt.off[j] != nt.off[k] {
			w = int(nt.off[j]) - int(nt.off[k])
			break
		}
	}
	return w
}

// normalize builds the normalised view of text into nt, reusing its
// buffers.
func normalize(nt *normText, text string) {
	if want := len(text) + len(text)/8 + 16; cap(nt.b) < want {
		nt.b = make([]byte, 0, want)
		nt.off = make([]int32, 0, want)
	}
	nt.b = append(nt.b[:0], '\n')
	nt.off = append(nt.off[:0], 0)
	nt.hidden = nt.hidden[:0]
	var seg []byte
	// Mixed-script words for homoglyph reports: tracked only once a word
	// holds a look-alike letter, so plain text pays nothing for it.
	wordStart, confusable := -1, false
	endWord := func(at int) {
		if !confusable {
			return
		}
		for k := wordStart; k < at; k++ {
			if c := text[k] | 0x20; c >= 'a' && c <= 'z' {
				nt.addHidden(hiddenHomoglyph, wordStart, at, "")
				break
			}
		}
		wordStart, confusable = -1, false
	}
	sawConfusable := func(at int) {
		if confusable {
			return
		}
		confusable = true
		wordStart = at
		for wordStart > 0 {
			r, n := utf8.DecodeLastRuneInString(text[:wordStart])
			if !unicode.IsLetter(r) {
				break
			}
			wordStart -= n
		}
	}
	emit := func(c byte, at int) {
		nt.b = append(nt.b, c)
		nt.off = append(nt.off, int32(at))
	}
	// blank adds a space or newline unless one is already last; a newline
	// replaces a last space, keeping where the blank run started.
	blank := func(c byte, at int) {
		last := &nt.b[len(nt.b)-1]
		switch {
		case *last == '\n':
		case *last == ' ':
			if c == '\n' {
				*last = '\n'
			}
		default:
			nt.b = append(nt.b, c)
			nt.off = append(nt.off, int32(at))
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		if k := asciiKind[c]; k != 0 || c == ' ' {
			// Fast path: a run of printable ASCII and single spaces.
			b, off := nt.b, nt.off
			j := i
			for ; j < len(text); j++ {
				c := text[j]
				switch asciiKind[c] {
				case kLower, kDigit:
				case kUpper:
					c += 'a' - 'A'
				case kPunct:
					if confusable {
						nt.b, nt.off = b, off
						endWord(j)
					}
				default:
					if c != ' ' {
						goto done
					}
					if confusable {
						nt.b, nt.off = b, off
						endWord(j)
					}
					if last := b[len(b)-1]; last == ' ' || last == '\n' {
						continue
					}
				}
				b = append(b, c)
				off = append(off, int32(j))
			}
		done:
			nt.b, nt.off = b, off
			i = j
			continue
		}
		if c < utf8.RuneSelf {
			switch {
			case c >= 'A' && c <= 'Z':
				emit(c+'a'-'A', i)
			case c >= 'a' && c <= 'z':
				emit(c, i)
			case c == ' ' || c == '\t' || c == '\f' || c == '\v':
				endWord(i)
				blank(' ', i)
			case c == '\n' || c == '\r':
				endWord(i)
				blank('\n', i)
			case c == '\\' && i+1 < len(text) && (text[i+1] == 'n' || text[i+1] == 'r' || text[i+1] == 't'):
				endWord(i)
				if text[i+1] == 't' {
					blank(' ', i)
				} else {
					blank('\n', i)
				}
				i += 2
				continue
			case c < ' ' || c == 0x7f:
				endWord(i)
				blank(' ', i)
			default:
				if !(c >= '0' && c <= '9') {
					endWord(i)
				}
				emit(c, i)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r >= 0xE0000 && r <= 0xE007F:
			// Tag characters: invisible, and a channel for ASCII.
			start := i
			var dec []byte
			for i < len(text) {
				r, size = utf8.DecodeRuneInString(text[i:])
				if r < 0xE0000 || r > 0xE007F {
					break
				}
				if a := byte(r - 0xE0000); a >= ' ' && a < 0x7f {
					dec = append(dec, a)
					if a >= 'A' && a <= 'Z' {
						a += 'a' - 'A'
					}
					if a == ' ' {
						blank(' ', i)
					} else {
						emit(a, i)
					}
				}
				i += size
			}
			nt.addHidden(hiddenTag, start, i, string(dec))
			continue
		case isZeroWidth(r):
			nt.addHidden(hiddenZeroWidth, i, i+size, "")
			i += size
			continue
		case isBidi(r):
			endWord(i)
			nt.addHidden(hiddenBidi, i, i+size, "")
			i += size
			continue
		case r >= 0xFE00 && r <= 0xFE0F || r >= 0xE0100 && r <= 0xE01EF:
			nt.addHidden(hiddenVariation, i, i+size, "")
			i += size
			continue
		case r == utf8.RuneError && size == 1:
			endWord(i)
			blank(' ', i)
			i++
			continue
		case r == 0x2028 || r == 0x2029 || r == 0x85:
			endWord(i)
			blank('\n', i)
			i += size
			continue
		case unicode.IsSpace(r):
			endWord(i)
			blank(' ', i)
			i += size
			continue
		}
		// Most letters of most scripts pass through unchanged: a table says
		// which, so prose in Chinese or French costs little more than ASCII.
		if r < 0x10000 && plainRune(r) {
			if j := i + size; j >= len(text) || text[j] < utf8.RuneSelf || nextStartsSegment(text[j:]) {
				if !unicode.IsLetter(r) {
					endWord(i)
				}
				for k := i; k < j; k++ {
					emit(text[k], i)
				}
				i = j
				continue
			}
		}
		// One normalisation segment: the character and its combining marks.
		j := i + size
		if j < len(text) && text[j] >= utf8.RuneSelf {
			j = i + norm.NFKC.NextBoundaryInString(text[i:], true)
			if j <= i {
				j = i + size
			}
		}
		src := text[i:j]
		seg = norm.NFKC.AppendString(seg[:0], src)
		if string(seg) != src {
			nt.addHidden(hiddenCompat, i, j, "")
		}
		for k := 0; k < len(seg); {
			r, n := utf8.DecodeRune(seg[k:])
			k += n
			if r < utf8.RuneSelf {
				// NFKC turned a compatibility character into ASCII
				// (fullwidth or mathematical letters, ligatures).
				c := byte(r)
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				if c == ' ' {
					blank(' ', i)
					continue
				}
				emit(c, i)
				continue
			}
			if unicode.Is(unicode.Mn, r) {
				continue // accents do not change the word
			}
			r = unicode.ToLower(r)
			if a, ok := confusables[r]; ok {
				sawConfusable(i)
				emit(a, i)
				continue
			}
			if !unicode.IsLetter(r) {
				endWord(i)
			}
			var buf [utf8.UTFMax]byte
			w := utf8.EncodeRune(buf[:], r)
			for x := 0; x < w; x++ {
				emit(buf[x], i)
			}
		}
		i = j
	}
	endWord(len(text))
	nt.off = append(nt.off, int32(len(text)))
}

// ASCII byte kinds for the fast path; 0 sends a byte to the slow path.
const (
	kSlow = iota
	kLower
	kUpper
	kDigit
	kPunct
)

var asciiKind = func() (t [256]uint8) {
	for c := '!'; c <= '~'; c++ {
		switch {
		case c >= 'a' && c <= 'z':
			t[c] = kLower
		case c >= 'A' && c <= 'Z':
			t[c] = kUpper
		case c >= '0' && c <= '9':
			t[c] = kDigit
		case c == '\\':
		default:
			t[c] = kPunct
		}
	}
	return t
}()

// addHidden records a hidden run, merging it with the previous run of the
// same kind when they touch.
func (nt *normText) addHidden(kind string, start, end int, decoded string) {
	if n := len(nt.hidden); n > 0 {
		h := &nt.hidden[n-1]
		if h.kind == kind && h.end >= start-1 && decoded == "" && h.decoded == "" {
			h.end = end
			return
		}
	}
	if len(nt.hidden) >= maxHiddenRuns {
		return
	}
	nt.hidden = append(nt.hidden, hiddenRun{kind: kind, start: start, end: end, decoded: decoded})
}

// maxHiddenRuns bounds the hidden-character reports of one text.
const maxHiddenRuns = 256

func isZeroWidth(r rune) bool {
	switch r {
	case 0x200B, 0x200C, 0x200D, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF,
		0x180E, 0x00AD, 0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x17B4, 0x17B5:
		return true
	}
	return false
}

func isBidi(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 ||
		r == 0x200E || r == 0x200F || r == 0x061C
}

// confusables maps lower-case Cyrillic, Greek and other letters that look
// like Latin letters to the Latin letter they imitate. Upper case is
// lowered before the lookup. After NFKC, fullwidth and mathematical letters
// are already ASCII.
var confusables = map[rune]byte{
	// Cyrillic
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p',
	'с': 'c', 'т': 't', 'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i', 'ї': 'i', 'ј': 'j', 'һ': 'h',
	'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'ɡ': 'g', 'ӏ': 'l', 'ո': 'n', 'ս': 'u', 'ց': 'g', 'օ': 'o',
	// Greek
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p',
	'τ': 't', 'υ': 'u', 'χ': 'x', 'ζ': 'z', 'μ': 'u', 'γ': 'y', 'ϲ': 'c', 'ϳ': 'j',
	// Latin lookalikes outside ASCII
	'ı': 'i', 'ℓ': 'l', 'ǀ': 'l', 'ɑ': 'a', 'ɩ': 'i', 'ʋ': 'u', 'ꭰ': 'd',
}

// Tables over the Basic Multilingual Plane, built on first use: plain runes
// pass normalisation unchanged (NFKC-stable on their own, lower case, no
// look-alike, not invisible, a starter that composes with nothing), and
// segment starters always begin a new normalisation segment.
var (
	runeTablesOnce sync.Once
	plainBits      [1 << 16 / 64]uint64
	starterBits    [1 << 16 / 64]uint64
)

func buildRuneTables() {
	var buf [utf8.UTFMax]byte
	for r := rune(0x80); r < 0x10000; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		n := utf8.EncodeRune(buf[:], r)
		p := norm.NFKC.Properties(buf[:n])
		if p.BoundaryBefore() {
			starterBits[r>>6] |= 1 << (r & 63)
		}
		if !p.BoundaryBefore() || !p.BoundaryAfter() || p.CCC() != 0 || !norm.NFKC.IsNormal(buf[:n]) {
			continue
		}
		if _, ok := confusables[unicode.ToLower(r)]; ok || unicode.ToLower(r) != r || unicode.Is(unicode.Mn, r) ||
			unicode.IsSpace(r) || isZeroWidth(r) || isBidi(r) || r >= 0xFE00 && r <= 0xFE0F || r == 0x2028 || r == 0x2029 ||
			r >= 0x1100 && r <= 0x11FF || r >= 0xAC00 && r <= 0xD7A3 || r == utf8.RuneError {
			continue
		}
		plainBits[r>>6] |= 1 << (r & 63)
	}
}

func plainRune(r rune) bool {
	runeTablesOnce.Do(buildRuneTables)
	return plainBits[r>>6]&(1<<(r&63)) != 0
}

// nextStartsSegment reports whether the rune at the start of s begins a
// new normalisation segment (no combining mark or composing jamo).
func nextStartsSegment(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	if r >= 0x10000 {
		return false // let the slow path decide
	}
	return starterBits[r>>6]&(1<<(r&63)) != 0
}
