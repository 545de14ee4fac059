package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// canonicalArgs checks raw tool-call arguments and returns them re-encoded
// (object keys sorted, numbers as written, strings as decoded). The gateway
// forwards these bytes upstream, so the upstream runs exactly what policy,
// the guards and an approval's hash saw. Objects with a key given twice,
// also when the two differ only in case, are refused: JSON parsers disagree
// on which one wins (and encoding/json matches struct fields ignoring case),
// so the policy could see one value and the tool run with the other.
func canonicalArgs(raw json.RawMessage) (json.RawMessage, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		return json.RawMessage("{}"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	v, err := decodeStrict(dec, "arguments", 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the arguments object")
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("arguments are a %T, not an object", v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// foldKey maps keys that Unicode simple case folding makes equal (as
// bytes.EqualFold and encoding/json's field matching do) to one string.
func foldKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}

// maxArgsDepth bounds nesting in arguments.
const maxArgsDepth = 64

func decodeStrict(dec *json.Decoder, path string, depth int) (any, error) {
	if depth > maxArgsDepth {
		return nil, fmt.Errorf("%s: nested more than %d deep", path, maxArgsDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch d := tok.(type) {
	case json.Delim:
		switch d {
		case '{':
			m := map[string]any{}
			seen := map[string]string{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				if strings.ContainsAny(k, "\u017f\u212a") {
					// ſ and the Kelvin sign K read as s and k to decoders
					// matching keys without regard to case (Go's
					// encoding/json among them), but not to policy.
					return nil, fmt.Errorf("%s: key %q has a character that case-insensitive decoders read as an ASCII letter", path, k)
				}
				if prev, ok := seen[foldKey(k)]; ok {
					return nil, fmt.Errorf("%s: key %q is given twice (as %q and %q); which one a tool reads is undefined", path, k, prev, k)
				}
				seen[foldKey(k)] = k
				if m[k], err = decodeStrict(dec, path+"."+k, depth+1); err != nil {
					return nil, err
				}
			}
			_, err := dec.Token()
			return m, err
		case '[':
			a := []any{}
			for i := 0; dec.More(); i++ {
				e, err := decodeStrict(dec, fmt.Sprintf("%s[%d]", path, i), depth+1)
				if err != nil {
					return nil, err
				}
				a = append(a, e)
			}
			_, err := dec.Token()
			return a, err
		}
		return nil, fmt.Errorf("%s: unexpected %v", path, d)
	}
	return tok, nil
}
