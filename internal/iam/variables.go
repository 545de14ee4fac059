package iam

import (
	"fmt"
	"strings"
)

// variable is a policy variable such as `${aws:username}` or
// `${aws:PrincipalTag/team, 'none'}`.
type variable struct {
	raw    string // as written, with ${}
	key    string // condition key, lower case
	def    string // default value
	hasDef bool
}

// parseVariables splits s into literal, wildcard and variable segments.
// `${*}`, `${?}` and `${$}` stand for the literal characters.
func parseVariables(s string, wild bool) ([]seg, error) {
	var segs []seg
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			segs = append(segs, seg{kind: segLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("policy variable in %q has no closing brace", s)
			}
			body := strings.TrimSpace(s[i+2 : i+end])
			raw := s[i : i+end+1]
			i += end
			switch body {
			case "*", "?", "$":
				lit.WriteString(body)
				continue
			}
			v := &variable{raw: raw}
			if k, d, ok := strings.Cut(body, ","); ok {
				d = strings.TrimSpace(d)
				if len(d) < 2 || d[0] != '\'' || d[len(d)-1] != '\'' {
					return nil, fmt.Errorf("policy variable %s: default value must be in single quotes", raw)
				}
				v.def, v.hasDef = d[1:len(d)-1], true
				body = strings.TrimSpace(k)
			}
			if body == "" {
				return nil, fmt.Errorf("empty policy variable in %q", s)
			}
			v.key = strings.ToLower(body)
			flush()
			segs = append(segs, seg{kind: segVar, v: v})
		case wild && c == '*':
			flush()
			segs = append(segs, seg{kind: segStar})
		case wild && c == '?':
			flush()
			segs = append(segs, seg{kind: segOne})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return segs, nil
}

// variable resolves v in the evaluation context: its value, or its default
// when the key is absent, or keyUnknown when only the request can tell.
func (ec *evalCtx) variable(v *variable) (string, keyState) {
	vals, st := ec.lookup(v.key)
	switch st {
	case keyKnown:
		if len(vals) > 0 {
			return vals[0], keyKnown
		}
		if v.hasDef {
			return v.def, keyKnown
		}
		return "", keyAbsent
	case keyAbsent:
		if v.hasDef {
			return v.def, keyKnown
		}
		return "", keyAbsent
	}
	return "", keyUnknown
}
