package plan

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds nesting in documents given to Canonicalize.
const maxDepth = 512

// Canonicalize returns the RFC 8785 JSON Canonicalization Scheme (JCS) form
// of a JSON document: no whitespace, object members sorted by the UTF-16
// code units of their names, strings with the minimal escapes, and numbers
// as ECMAScript's Number.prototype.toString prints the IEEE 754 double
// they denote. Input must be I-JSON (RFC 7493): valid UTF-8, no duplicate
// member names, no lone surrogates, numbers within double range.
func Canonicalize(data []byte) ([]byte, error) {
	p := &jcsParser{data: data}
	p.space()
	var out bytes.Buffer
	out.Grow(len(data))
	if err := p.value(&out, 0); err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(data) {
		return nil, p.errorf("unexpected data after the document")
	}
	return out.Bytes(), nil
}

type jcsParser struct {
	data []byte
	pos  int
}

func (p *jcsParser) errorf(format string, args ...any) error {
	line := 1 + bytes.Count(p.data[:p.pos], []byte("\n"))
	col := p.pos - bytes.LastIndexByte(p.data[:p.pos], '\n')
	return fmt.Errorf("JSON line %d, column %d: %s", line, col, fmt.Sprintf(format, args...))
}

func (p *jcsParser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jcsParser) value(out *bytes.Buffer, depth int) error {
	if depth > maxDepth {
		return p.errorf("nested deeper than %d", maxDepth)
	}
	if p.pos >= len(p.data) {
		return p.errorf("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(out, depth)
	case c == '[':
		p.pos++
		out.WriteByte('[')
		p.space()
		if p.pos < len(p.data) && p.data[p.pos] == ']' {
			p.pos++
			out.WriteByte(']')
			return nil
		}
		for {
			p.space()
			if err := p.value(out, depth+1); err != nil {
				return err
			}
			p.space()
			if p.pos >= len(p.data) {
				return p.errorf("unexpected end of input in array")
			}
			if p.data[p.pos] == ']' {
				p.pos++
				out.WriteByte(']')
				return nil
			}
			if p.data[p.pos] != ',' {
				return p.errorf("want , or ] in array")
			}
			p.pos++
			out.WriteByte(',')
		}
	case c == '"':
		s, err := p.str()
		if err != nil {
			return err
		}
		writeString(out, s)
		return nil
	case c == 't':
		return p.literal(out, "true")
	case c == 'f':
		return p.literal(out, "false")
	case c == 'n':
		return p.literal(out, "null")
	case c == '-' || c >= '0' && c <= '9':
		return p.number(out)
	}
	return p.errorf("unexpected character %q", p.data[p.pos])
}

func (p *jcsParser) literal(out *bytes.Buffer, lit string) error {
	if !bytes.HasPrefix(p.data[p.pos:], []byte(lit)) {
		return p.errorf("invalid literal")
	}
	p.pos += len(lit)
	out.WriteString(lit)
	return nil
}

type member struct {
	key   string
	utf16 []uint16
	value []byte
}

func (p *jcsParser) object(out *bytes.Buffer, depth int) error {
	p.pos++ // {
	var members []member
	seen := map[string]bool{}
	p.space()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		out.WriteString("{}")
		return nil
	}
	for {
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return p.errorf("want a member name")
		}
		key, err := p.str()
		if err != nil {
			return err
		}
		if seen[key] {
			return p.errorf("duplicate member name %q", key)
		}
		seen[key] = true
		p.space()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return p.errorf("want : after member name")
		}
		p.pos++
		p.space()
		var v bytes.Buffer
		if err := p.value(&v, depth+1); err != nil {
			return err
		}
		members = append(members, member{key: key, utf16: utf16.Encode([]rune(key)), value: v.Bytes()})
		p.space()
		if p.pos >= len(p.data) {
			return p.errorf("unexpected end of input in object")
		}
		if p.data[p.pos] == '}' {
			p.pos++
			break
		}
		if p.data[p.pos] != ',' {
			return p.errorf("want , or } in object")
		}
		p.pos++
	}
	sort.Slice(members, func(i, j int) bool { return lessUTF16(members[i].utf16, members[j].utf16) })
	out.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			out.WriteByte(',')
		}
		writeString(out, m.key)
		out.WriteByte(':')
		out.Write(m.value)
	}
	out.WriteByte('}')
	return nil
}

func lessUTF16(a, b []uint16) bool {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

// str reads a JSON string, rejecting invalid UTF-8 and lone surrogates.
func (p *jcsParser) str() (string, error) {
	p.pos++ // "
	var sb strings.Builder
	for {
		if p.pos >= len(p.data) {
			return "", p.errorf("unterminated string")
		}
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return sb.String(), nil
		case c == '\\':
			if p.pos+1 >= len(p.data) {
				return "", p.errorf("unterminated escape")
			}
			e := p.data[p.pos+1]
			p.pos += 2
			switch e {
			case '"', '\\', '/':
				sb.WriteByte(e)
			case 'b':
				sb.WriteByte('\b')
			case 'f':
				sb.WriteByte('\f')
			case 'n':
				sb.WriteByte('\n')
			case 'r':
				sb.WriteByte('\r')
			case 't':
				sb.WriteByte('\t')
			case 'u':
				r, err := p.hex4()
				if err != nil {
					return "", err
				}
				if utf16.IsSurrogate(r) {
					if r >= 0xDC00 || !bytes.HasPrefix(p.data[p.pos:], []byte(`\u`)) {
						return "", p.errorf("lone surrogate \\u%04x", r)
					}
					p.pos += 2
					r2, err := p.hex4()
					if err != nil {
						return "", err
					}
					if r2 < 0xDC00 || r2 > 0xDFFF {
						return "", p.errorf("lone surrogate \\u%04x", r)
					}
					r = utf16.DecodeRune(r, r2)
				}
				sb.WriteRune(r)
			default:
				return "", p.errorf("invalid escape \\%c", e)
			}
		case c < 0x20:
			return "", p.errorf("control character in string")
		case c < utf8.RuneSelf:
			sb.WriteByte(c)
			p.pos++
		default:
			r, n := utf8.DecodeRune(p.data[p.pos:])
			if r == utf8.RuneError && n <= 1 {
				return "", p.errorf("invalid UTF-8")
			}
			sb.WriteString(string(p.data[p.pos : p.pos+n]))
			p.pos += n
		}
	}
}

func (p *jcsParser) hex4() (rune, error) {
	if p.pos+4 > len(p.data) {
		return 0, p.errorf("short \\u escape")
	}
	v, err := strconv.ParseUint(string(p.data[p.pos:p.pos+4]), 16, 16)
	if err != nil {
		return 0, p.errorf("invalid \\u escape")
	}
	p.pos += 4
	return rune(v), nil
}

// writeString writes s with the escapes RFC 8785 prescribes: \" \\ \b \f
// \n \r \t, other control characters as \u00xx, everything else as is.
func writeString(out *bytes.Buffer, s string) {
	out.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			out.WriteString(`\"`)
		case '\\':
			out.WriteString(`\\`)
		case '\b':
			out.WriteString(`\b`)
		case '\f':
			out.WriteString(`\f`)
		case '\n':
			out.WriteString(`\n`)
		case '\r':
			out.WriteString(`\r`)
		case '\t':
			out.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(out, `\u%04x`, r)
			} else {
				out.WriteRune(r)
			}
		}
	}
	out.WriteByte('"')
}

var errNumber = errors.New("invalid number")

func (p *jcsParser) number(out *bytes.Buffer) error {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	intStart := p.pos
	if n := digits(); n == 0 || n > 1 && p.data[intStart] == '0' {
		return p.errorf("%v", errNumber)
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return p.errorf("%v", errNumber)
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return p.errorf("%v", errNumber)
		}
	}
	f, err := strconv.ParseFloat(string(p.data[start:p.pos]), 64)
	if err != nil || math.IsInf(f, 0) {
		return p.errorf("number %s is outside IEEE 754 double range", p.data[start:p.pos])
	}
	out.WriteString(FormatNumber(f))
	return nil
}

// FormatNumber prints a double as ECMAScript's Number.prototype.toString
// does (ECMA-262, Number::toString), which RFC 8785 adopts: the shortest
// digits that round-trip, without exponent for 1e-7 < |f| < 1e21.
func FormatNumber(f float64) string {
	if f == 0 {
		return "0" // and -0
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "null" // not produced by Canonicalize; JSON has no such values
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	// Shortest round-trip digits and exponent: d.ddde±x.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	k := len(digits)
	n := x + 1 // the decimal point sits after n digits
	var s string
	switch {
	case k <= n && n <= 21:
		s = digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		s = digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		s = "0." + strings.Repeat("0", -n) + digits
	default:
		es := "+"
		if n-1 < 0 {
			es = "-"
		}
		ex := n - 1
		if ex < 0 {
			ex = -ex
		}
		if k == 1 {
			s = digits + "e" + es + strconv.Itoa(ex)
		} else {
			s = digits[:1] + "." + digits[1:] + "e" + es + strconv.Itoa(ex)
		}
	}
	return sign + s
}
