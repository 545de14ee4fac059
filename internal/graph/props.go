package graph

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// The props the analyses read, in one place. Collectors write them; the
// names follow docs/inventory.md.

// prop returns the first of keys present in n's props.
func prop(n *inventory.Node, keys ...string) (any, bool) {
	for _, k := range keys {
		if v, ok := n.Props[k]; ok && v != nil {
			return v, true
		}
	}
	return nil, false
}

func propString(n *inventory.Node, keys ...string) string {
	v, ok := prop(n, keys...)
	if !ok {
		return ""
	}
	switch t := v.(type) {
	case string:
		return t
	case fmt.Stringer:
		return t.String()
	}
	return fmt.Sprint(v)
}

func propBool(n *inventory.Node, keys ...string) (bool, bool) {
	v, ok := prop(n, keys...)
	if !ok {
		return false, false
	}
	switch t := v.(type) {
	case bool:
		return t, true
	case string:
		b, err := strconv.ParseBool(t)
		return b, err == nil
	}
	return false, false
}

func propInt(n *inventory.Node, keys ...string) (int, bool) {
	v, ok := prop(n, keys...)
	if !ok {
		return 0, false
	}
	switch t := v.(type) {
	case int:
		return t, true
	case int32:
		return int(t), true
	case int64:
		return int(t), true
	case float64:
		return int(t), true
	case json.Number:
		i, err := t.Int64()
		return int(i), err == nil
	case string:
		i, err := strconv.Atoi(t)
		return i, err == nil
	}
	return 0, false
}

// asMap and asSlice read decoded JSON values (props may come from a decoded
// snapshot or be built in Go).
func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asSlice(v any) []any {
	switch t := v.(type) {
	case []any:
		return t
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out
	case []map[string]any:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out
	}
	return nil
}

func asStrings(v any) []string {
	var out []string
	switch t := v.(type) {
	case string:
		return []string{t}
	case []string:
		return t
	}
	for _, x := range asSlice(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// imds describes an instance's metadata service settings: whether IMDSv1
// (token optional) is allowed and the PUT response hop limit. It reads the
// AWS collector's props (imds_enabled, imdsv1_allowed, imds_hop_limit), or
// the EC2 MetadataOptions shape under props "metadata_options".
func imds(n *inventory.Node) (v1 bool, hops int, known bool) {
	if allowed, ok := propBool(n, "imdsv1_allowed"); ok {
		if on, ok := propBool(n, "imds_enabled"); ok && !on {
			return false, 0, true
		}
		hops = 1
		if h, ok := propInt(n, "imds_hop_limit"); ok {
			hops = h
		}
		return allowed, hops, true
	}
	mo := asMap(n.Props["metadata_options"])
	if mo == nil {
		mo = asMap(n.Props["MetadataOptions"])
	}
	get := func(k, flat string) any {
		if mo != nil {
			if v, ok := mo[k]; ok {
				return v
			}
		}
		return n.Props[flat]
	}
	tokens, _ := get("HttpTokens", "http_tokens").(string)
	endpoint, _ := get("HttpEndpoint", "http_endpoint").(string)
	if strings.EqualFold(endpoint, "disabled") {
		return false, 0, true
	}
	hops = 1
	tmp := &inventory.Node{Props: map[string]any{"h": get("HttpPutResponseHopLimit", "http_put_response_hop_limit")}}
	if h, ok := propInt(tmp, "h"); ok {
		hops = h
	}
	if tokens == "" {
		return false, hops, false
	}
	return strings.EqualFold(tokens, "optional"), hops, true
}
