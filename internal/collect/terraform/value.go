package terraform

import (
	"encoding/json"
	"math/big"
	"regexp"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// Unknown marks a value Terraform only learns when the change is applied.
// A value that is the computed attribute of a resource of the configuration
// carries its origin: "<unknown:aws_security_group.web.id>".
const Unknown = "<unknown>"

var unknownMarker = regexp.MustCompile(`<unknown(?::[^<>]*)?>`)

// IsUnknown reports whether s holds an unknown part.
func IsUnknown(s string) bool { return strings.Contains(s, "<unknown") && unknownMarker.MatchString(s) }

// pureUnknown reports whether s is nothing but one unknown marker.
func pureUnknown(s string) bool {
	return strings.HasPrefix(s, "<unknown") && unknownMarker.FindString(s) == s
}

// unknownRef is the marker of the computed attribute attr of the resource at
// addr.
func unknownRef(ref string) string { return "<unknown:" + ref + ">" }

// refTarget returns the address and attribute of a value that is exactly the
// marker of a resource's computed attribute.
func refTarget(v any) (addr, attr string, ok bool) {
	s, isStr := v.(string)
	if !isStr || !strings.HasPrefix(s, "<unknown:") || !strings.HasSuffix(s, ">") || strings.Count(s, "<") != 1 {
		return "", "", false
	}
	ref := s[len("<unknown:") : len(s)-1]
	i := strings.LastIndexByte(ref, '.')
	if i < 0 || strings.HasSuffix(ref, "]") {
		return "", "", false
	}
	return ref[:i], ref[i+1:], true
}

// fromCty converts a cty value into JSON-like Go values; unknown values
// become the Unknown marker and sets become lists.
func fromCty(v cty.Value) any {
	v, _ = v.UnmarkDeep()
	if !v.IsKnown() {
		return Unknown
	}
	if v.IsNull() {
		return nil
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return v.AsString()
	case ty == cty.Number:
		f, _ := v.AsBigFloat().Float64()
		return f
	case ty == cty.Bool:
		return v.True()
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		out := make([]any, 0, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, fromCty(e))
		}
		return out
	case ty.IsMapType() || ty.IsObjectType():
		out := make(map[string]any, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			out[k.AsString()] = fromCty(e)
		}
		return out
	}
	return Unknown
}

// toCty converts JSON-like Go values into cty values; the Unknown marker
// stays a string, so that templates keep the known parts around it.
func toCty(v any) cty.Value {
	switch x := v.(type) {
	case nil:
		return cty.NullVal(cty.DynamicPseudoType)
	case string:
		return cty.StringVal(x)
	case bool:
		return cty.BoolVal(x)
	case float64:
		return cty.NumberVal(new(big.Float).SetFloat64(x))
	case int:
		return cty.NumberIntVal(int64(x))
	case []any:
		if len(x) == 0 {
			return cty.EmptyTupleVal
		}
		vs := make([]cty.Value, len(x))
		for i, e := range x {
			vs[i] = toCty(e)
		}
		return cty.TupleVal(vs)
	case []string:
		if len(x) == 0 {
			return cty.EmptyTupleVal
		}
		vs := make([]cty.Value, len(x))
		for i, e := range x {
			vs[i] = cty.StringVal(e)
		}
		return cty.TupleVal(vs)
	case map[string]any:
		if len(x) == 0 {
			return cty.EmptyObjectVal
		}
		vs := make(map[string]cty.Value, len(x))
		for k, e := range x {
			vs[k] = toCty(e)
		}
		return cty.ObjectVal(vs)
	}
	return cty.StringVal(Unknown)
}

// str returns v as a string when it is one.
func str(v any) string {
	s, _ := v.(string)
	return s
}

// strList returns the strings of a list value (or a single string).
func strList(v any) []string {
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil
		}
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// firstBlock returns the first object of a nested block list.
func firstBlock(v any) map[string]any {
	switch x := v.(type) {
	case []any:
		if len(x) > 0 {
			m, _ := x[0].(map[string]any)
			return m
		}
	case map[string]any:
		return x
	}
	return nil
}

// blocks returns the objects of a nested block list.
func blocks(v any) []map[string]any {
	var out []map[string]any
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
	case map[string]any:
		out = append(out, x)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonUnmarshal(s string, v any) error {
	return json.Unmarshal([]byte(s), v)
}
