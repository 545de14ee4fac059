package gateway

import "bytes"

// validJSON reports whether data is one valid JSON value, as json.Valid
// does, several times faster on the long strings tool results are made of:
// the gateway checks every upstream response before passing it on as sent.
func validJSON(data []byte) bool {
	v := validator{data: data}
	v.space()
	if !v.value(0) {
		return false
	}
	v.space()
	return v.i == len(data)
}

type validator struct {
	data []byte
	i    int
}

// maxDepth bounds nesting, as encoding/json's scanner does: at most 10000
// objects and arrays open at once.
const maxDepth = 10000

func (v *validator) space() {
	for v.i < len(v.data) {
		switch v.data[v.i] {
		case ' ', '\t', '\n', '\r':
			v.i++
		default:
			return
		}
	}
}

func (v *validator) value(depth int) bool {
	if v.i >= len(v.data) {
		return false
	}
	switch c := v.data[v.i]; {
	case c == '{':
		if depth+1 > maxDepth {
			return false
		}
		v.i++
		return v.members('}', func() bool {
			if v.i >= len(v.data) || v.data[v.i] != '"' || !v.str() {
				return false
			}
			v.space()
			if v.i >= len(v.data) || v.data[v.i] != ':' {
				return false
			}
			v.i++
			v.space()
			return v.value(depth + 1)
		})
	case c == '[':
		if depth+1 > maxDepth {
			return false
		}
		v.i++
		return v.members(']', func() bool { return v.value(depth + 1) })
	case c == '"':
		return v.str()
	case c == '-' || c >= '0' && c <= '9':
		return v.number()
	case c == 't':
		return v.literal("true")
	case c == 'f':
		return v.literal("false")
	case c == 'n':
		return v.literal("null")
	}
	return false
}

// members checks the comma-separated members of an object or array after
// its opening bracket, each with member, through the closing bracket.
func (v *validator) members(closing byte, member func() bool) bool {
	v.space()
	if v.i < len(v.data) && v.data[v.i] == closing {
		v.i++
		return true
	}
	for {
		if !member() {
			return false
		}
		v.space()
		if v.i >= len(v.data) {
			return false
		}
		if v.data[v.i] == closing {
			v.i++
			return true
		}
		if v.data[v.i] != ',' {
			return false
		}
		v.i++
		v.space()
	}
}

func (v *validator) literal(lit string) bool {
	if bytes.HasPrefix(v.data[v.i:], []byte(lit)) {
		v.i += len(lit)
		return true
	}
	return false
}

// str checks a string literal: no control characters, only JSON's escapes.
// Invalid UTF-8 is valid JSON to encoding/json (it decodes to U+FFFD), so it
// is here too.
func (v *validator) str() bool {
	d := v.data
	i := v.i + 1
	for {
		// Skip the plain run: everything but quote, backslash and control
		// characters.
		for i < len(d) {
			if c := d[i]; c == '"' || c == '\\' || c < 0x20 {
				break
			}
			i++
		}
		if i >= len(d) {
			return false
		}
		switch c := d[i]; {
		case c == '"':
			v.i = i + 1
			return true
		case c < 0x20:
			return false
		}
		// A backslash.
		if i+1 >= len(d) {
			return false
		}
		switch d[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			if i+6 > len(d) {
				return false
			}
			for _, h := range d[i+2 : i+6] {
				if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
					return false
				}
			}
			i += 6
		default:
			return false
		}
	}
}

// number checks JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (v *validator) number() bool {
	d := v.data
	i := v.i
	if d[i] == '-' {
		i++
	}
	if i >= len(d) {
		return false
	}
	switch {
	case d[i] == '0':
		i++
	case d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		i++
		start := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		start := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	v.i = i
	return true
}
