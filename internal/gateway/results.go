package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// result is a tool's result on its way back to the agent: decoded, as an
// SDK client session returns it, or as an HTTP upstream sent it, so that a
// response the gateway did not need to change is passed on as it came
// instead of decoded and encoded again.
type result struct {
	dec *mcp.CallToolResult
	raw json.RawMessage // a JSON object; used when dec is nil
}

// decoded returns the result as the SDK's type.
func (r *result) decoded() (*mcp.CallToolResult, error) {
	if r == nil {
		return nil, nil
	}
	if r.dec != nil || r.raw == nil {
		return r.dec, nil
	}
	var res mcp.CallToolResult
	if err := res.UnmarshalJSON(r.raw); err != nil {
		return nil, err
	}
	return &res, nil
}

// slot is one text of a result that reaches the agent, and how to replace it.
type slot struct {
	text string
	set  func(string)
}

// part is a part of a result read whole as text (structured content,
// _meta): when anything in it is redacted it is dropped, rather than
// guessing which fields to keep.
type part struct {
	name string
	text string
	drop func()
}

// resultTexts is what inspection reads of a result and may change.
type resultTexts struct {
	slots []slot
	parts []part
	// build returns the result with the changes made through slots and
	// parts.
	build func() (*result, error)
}

// errInputRequired refuses results asking the agent's client for input
// (the stateless revision's input_required): the gateway would relay a
// server's sampling or elicitation request it has not inspected, and
// cannot carry the retry.
var errInputRequired = errors.New("the upstream asked for input (input_required), which the gateway does not relay")

// maxResultDepth is the nesting the SDK's decoder accepts; a raw result
// nested deeper is decoded, and so refused, as the SDK would.
const maxResultDepth = 1000

// texts lists the texts of r an agent sees: text content, the text and
// UTF-8 blob of embedded resources, the title, description and name of
// resource links, sampling blocks read whole, and, as parts, structured
// content and _meta. A result asking for input is refused.
func (r *result) texts() (*resultTexts, error) {
	if r.dec == nil && r.raw != nil {
		if rt, ok := rawTexts(r.raw); ok {
			return rt, nil
		}
		// Anything irregular (repeated keys, fields the SDK's types do
		// not have, unexpected shapes) is read the way the SDK reads it,
		// and sent on re-encoded.
		dec, err := r.decoded()
		if err != nil {
			return nil, err
		}
		r = &result{dec: dec}
	}
	if r.dec != nil && (r.dec.NeedsInput() || len(r.dec.InputRequests) > 0) {
		return nil, errInputRequired
	}
	return decodedTexts(r.dec), nil
}

// partText is every string of a JSON value (object keys included, in
// sorted order), one per line: what a model reading the value would read,
// without the escapes of its encoding.
func partText(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x)
			b.WriteByte('\n')
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				b.WriteString(k)
				b.WriteString(": ")
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case nil, bool, float64, json.Number:
		default:
			// A typed value: read it through its JSON form.
			raw, err := json.Marshal(x)
			if err != nil {
				return
			}
			var g any
			if json.Unmarshal(raw, &g) == nil {
				walk(g)
			}
		}
	}
	walk(v)
	return b.String()
}

func decodedTexts(res *mcp.CallToolResult) *resultTexts {
	rt := &resultTexts{}
	if res == nil {
		rt.build = func() (*result, error) { return &result{}, nil }
		return rt
	}
	out := *res
	out.Content = make([]mcp.Content, 0, len(res.Content))
	for _, c := range res.Content {
		switch x := c.(type) {
		case *mcp.TextContent:
			cp := *x
			rt.slots = append(rt.slots, slot{cp.Text, func(s string) { cp.Text = s }})
			out.Content = append(out.Content, &cp)
		case *mcp.EmbeddedResource:
			if x.Resource == nil {
				out.Content = append(out.Content, c)
				continue
			}
			rc := *x.Resource
			cp := *x
			cp.Resource = &rc
			if rc.Text != "" {
				rt.slots = append(rt.slots, slot{rc.Text, func(s string) { rc.Text = s }})
			}
			if len(rc.Blob) > 0 && utf8.Valid(rc.Blob) {
				// Text sent as a blob reaches the agent as text just the same.
				rt.slots = append(rt.slots, slot{string(rc.Blob), func(s string) { rc.Blob = []byte(s) }})
			}
			out.Content = append(out.Content, &cp)
		case *mcp.ResourceLink:
			cp := *x
			for _, f := range []*string{&cp.Title, &cp.Description, &cp.Name} {
				if *f != "" {
					f := f
					rt.slots = append(rt.slots, slot{*f, func(s string) { *f = s }})
				}
			}
			out.Content = append(out.Content, &cp)
		case *mcp.ToolUseContent, *mcp.ToolResultContent:
			// Sampling blocks have no place in a tool result, but what they
			// carry reaches the agent all the same: they are read whole and,
			// when anything in them is redacted, replaced by the redacted
			// text.
			i := len(out.Content)
			out.Content = append(out.Content, c)
			rt.slots = append(rt.slots, slot{partText(c), func(s string) { out.Content[i] = &mcp.TextContent{Text: s} }})
		default:
			out.Content = append(out.Content, c)
		}
	}
	if res.StructuredContent != nil {
		rt.parts = append(rt.parts, part{"structuredContent", partText(res.StructuredContent), func() { out.StructuredContent = nil }})
	}
	if len(res.Meta) > 0 {
		rt.parts = append(rt.parts, part{"_meta", partText(map[string]any(res.Meta)), func() { out.Meta = nil }})
	}
	rt.build = func() (*result, error) { return &result{dec: &out}, nil }
	return rt
}

// The fields of a result and of its content the SDK's types carry: a raw
// result with any other is decoded, which drops it, rather than passed on
// with a field no one inspected.
var (
	resultFields   = fieldSet("content", "structuredContent", "isError", "_meta", "resultType")
	resourceFields = fieldSet("uri", "mimeType", "text", "blob", "_meta")
	contentFields  = map[string]map[string]bool{
		"text":          fieldSet("type", "text", "annotations", "_meta"),
		"image":         fieldSet("type", "data", "mimeType", "annotations", "_meta"),
		"audio":         fieldSet("type", "data", "mimeType", "annotations", "_meta"),
		"resource_link": fieldSet("type", "uri", "name", "title", "description", "mimeType", "size", "icons", "annotations", "_meta"),
		"resource":      fieldSet("type", "resource", "annotations", "_meta"),
	}
)

func fieldSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func onlyFields(o *object, allowed map[string]bool) bool {
	for _, k := range o.keys {
		if !allowed[k] {
			return false
		}
	}
	return true
}

// rawTexts reads the texts of a result as sent. It reports false for
// anything it does not read exactly as the SDK would, which then decodes it.
func rawTexts(raw json.RawMessage) (*resultTexts, bool) {
	if nestedDeeper(raw, maxResultDepth) {
		return nil, false
	}
	top, err := parseObject(raw)
	if err != nil || !onlyFields(top, resultFields) {
		return nil, false
	}
	if v, ok := top.get("resultType"); ok && string(v) != `"complete"` {
		return nil, false
	}
	rt := &resultTexts{}
	changed := false
	var items []*object
	if c, ok := top.get("content"); ok && !bytes.Equal(c, []byte("null")) {
		list, err := splitArray(c)
		if err != nil {
			return nil, false
		}
		items = make([]*object, len(list))
		for i, item := range list {
			o, err := parseObject(item)
			if err != nil {
				return nil, false
			}
			items[i] = o
			var typ string
			if !o.getString("type", &typ) || !onlyFields(o, contentFields[typ]) {
				// Sampling blocks, types the SDK refuses, unknown fields:
				// its decoder decides.
				return nil, false
			}
			var fields []string
			switch typ {
			case "text":
				fields = []string{"text"}
			case "resource_link":
				fields = []string{"title", "description", "name"}
			case "resource":
				res, ok := o.get("resource")
				if !ok {
					continue
				}
				ro, err := parseObject(res)
				if err != nil || !onlyFields(ro, resourceFields) {
					return nil, false
				}
				var text, blob string
				if !ro.getString("text", &text) || !ro.getString("blob", &blob) {
					return nil, false
				}
				if text != "" {
					rt.slots = append(rt.slots, slot{text, func(s string) {
						ro.setString("text", s)
						o.set("resource", ro.encode())
						changed = true
					}})
				}
				if blob != "" {
					b, err := base64.StdEncoding.DecodeString(blob)
					if err != nil {
						return nil, false
					}
					if utf8.Valid(b) {
						rt.slots = append(rt.slots, slot{string(b), func(s string) {
							ro.setString("blob", base64.StdEncoding.EncodeToString([]byte(s)))
							o.set("resource", ro.encode())
							changed = true
						}})
					}
				}
				continue
			}
			for _, f := range fields {
				var s string
				if !o.getString(f, &s) {
					return nil, false
				}
				if s == "" {
					continue
				}
				f := f
				rt.slots = append(rt.slots, slot{s, func(v string) {
					o.setString(f, v)
					changed = true
				}})
			}
		}
	}
	for _, name := range []string{"structuredContent", "_meta"} {
		v, ok := top.get(name)
		if !ok || bytes.Equal(v, []byte("null")) {
			continue
		}
		var g any
		if err := json.Unmarshal(v, &g); err != nil {
			return nil, false
		}
		name := name
		rt.parts = append(rt.parts, part{name, partText(g), func() {
			top.del(name)
			changed = true
		}})
	}
	rt.build = func() (*result, error) {
		if !changed {
			return &result{raw: raw}, nil
		}
		list := make([]byte, 0, len(raw))
		list = append(list, '[')
		for i, o := range items {
			if i > 0 {
				list = append(list, ',')
			}
			list = append(list, o.encode()...)
		}
		list = append(list, ']')
		if items != nil {
			top.set("content", list)
		}
		return &result{raw: top.encode()}, nil
	}
	return rt, true
}

// nestedDeeper reports whether valid JSON nests deeper than max.
func nestedDeeper(data []byte, max int) bool {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			end, err := stringEnd(data, i)
			if err != nil {
				return true
			}
			i = end - 1
		case '{', '[':
			if depth++; depth > max {
				return true
			}
		case '}', ']':
			depth--
		}
	}
	return false
}

// object is a JSON object read strictly (no key twice), its keys in order.
type object struct {
	keys []string
	vals []json.RawMessage
}

var errIrregular = errors.New("irregular JSON object")

// parseObject splits a JSON object into its keys and values. data must be
// valid JSON (results are, having been read by encoding/json on arrival);
// a repeated key, or anything but one object, fails.
func parseObject(data []byte) (*object, error) {
	o := &object{}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, errIrregular
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		if skipSpace(data, i+1) != len(data) {
			return nil, errIrregular
		}
		return o, nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return nil, errIrregular
		}
		end, err := skipValue(data, i)
		if err != nil {
			return nil, err
		}
		k, err := unquote(data[i:end])
		if err != nil {
			return nil, err
		}
		if _, dup := o.get(k); dup {
			return nil, errIrregular
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return nil, errIrregular
		}
		i = skipSpace(data, i+1)
		end, err = skipValue(data, i)
		if err != nil {
			return nil, err
		}
		o.keys = append(o.keys, k)
		o.vals = append(o.vals, data[i:end:end])
		i = skipSpace(data, end)
		if i >= len(data) {
			return nil, errIrregular
		}
		if data[i] == '}' {
			break
		}
		if data[i] != ',' {
			return nil, errIrregular
		}
		i = skipSpace(data, i+1)
	}
	if skipSpace(data, i+1) != len(data) {
		return nil, errIrregular
	}
	return o, nil
}

// splitArray splits a JSON array into its elements.
func splitArray(data []byte) ([]json.RawMessage, error) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return nil, errIrregular
	}
	var out []json.RawMessage
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return out, nil
	}
	for {
		end, err := skipValue(data, i)
		if err != nil {
			return nil, err
		}
		out = append(out, data[i:end:end])
		i = skipSpace(data, end)
		if i >= len(data) {
			return nil, errIrregular
		}
		if data[i] == ']' {
			return out, nil
		}
		if data[i] != ',' {
			return nil, errIrregular
		}
		i = skipSpace(data, i+1)
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the JSON value starting at i.
func skipValue(data []byte, i int) (int, error) {
	if i >= len(data) {
		return 0, errIrregular
	}
	switch data[i] {
	case '"':
		return stringEnd(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end, err := skipValue(data, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errIrregular
	}
	j := i
	for j < len(data) && data[j] != ',' && data[j] != '}' && data[j] != ']' && data[j] != ' ' && data[j] != '\t' && data[j] != '\n' && data[j] != '\r' {
		j++
	}
	if j == i {
		return 0, errIrregular
	}
	return j, nil
}

// stringEnd returns the end of the string literal starting at i: the
// first quote not escaped, that is, not preceded by an odd number of
// backslashes.
func stringEnd(data []byte, i int) (int, error) {
	for j := i + 1; ; {
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			return 0, errIrregular
		}
		j += k
		n := 0
		for b := j - 1; b > i && data[b] == '\\'; b-- {
			n++
		}
		if n%2 == 0 {
			return j + 1, nil
		}
		j++
	}
}

// unquote decodes a JSON string literal as encoding/json does. The common
// case (valid UTF-8, no \u escapes) is decoded here; the rest by
// encoding/json.
func unquote(lit []byte) (string, error) {
	if len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' {
		return "", errIrregular
	}
	body := lit[1 : len(lit)-1]
	if utf8.Valid(body) {
		if out, ok := unescape(body); ok {
			return out, nil
		}
	}
	var s string
	if err := json.Unmarshal(lit, &s); err != nil {
		return "", errIrregular
	}
	return s, nil
}

// unescape decodes the body of a string literal holding only single
// character escapes; it reports false for anything else.
func unescape(body []byte) (string, bool) {
	i := bytes.IndexByte(body, '\\')
	if i < 0 {
		for _, c := range body {
			if c < 0x20 {
				return "", false
			}
		}
		return string(body), true
	}
	var out strings.Builder // its String does not copy
	out.Grow(len(body))
	for len(body) > 0 {
		i := bytes.IndexByte(body, '\\')
		if i < 0 {
			i = len(body)
		}
		for _, c := range body[:i] {
			if c < 0x20 {
				return "", false
			}
		}
		out.Write(body[:i])
		if i == len(body) {
			break
		}
		if i+1 >= len(body) {
			return "", false
		}
		switch e := body[i+1]; e {
		case '"', '\\', '/':
			out.WriteByte(e)
		case 'b':
			out.WriteByte('\b')
		case 'f':
			out.WriteByte('\f')
		case 'n':
			out.WriteByte('\n')
		case 'r':
			out.WriteByte('\r')
		case 't':
			out.WriteByte('\t')
		default:
			return "", false
		}
		body = body[i+2:]
	}
	return out.String(), true
}

func (o *object) get(k string) (json.RawMessage, bool) {
	for i, key := range o.keys {
		if key == k {
			return o.vals[i], true
		}
	}
	return nil, false
}

// getString reads a string field into s; an absent or null field leaves s
// empty. It reports false when the field is there and not a string.
func (o *object) getString(k string, s *string) bool {
	v, ok := o.get(k)
	if !ok || bytes.Equal(v, []byte("null")) {
		return true
	}
	if len(v) == 0 || v[0] != '"' {
		return false
	}
	str, err := unquote(v)
	*s = str
	return err == nil
}

func (o *object) set(k string, v json.RawMessage) {
	for i, key := range o.keys {
		if key == k {
			o.vals[i] = v
			return
		}
	}
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

func (o *object) setString(k, s string) {
	b, _ := json.Marshal(s)
	o.set(k, b)
}

func (o *object) del(k string) {
	for i, key := range o.keys {
		if key == k {
			o.keys = append(o.keys[:i], o.keys[i+1:]...)
			o.vals = append(o.vals[:i], o.vals[i+1:]...)
			return
		}
	}
}

// encode writes the object back; values are written as they were read.
func (o *object) encode() []byte {
	n := 2
	for i := range o.keys {
		n += len(o.keys[i]) + len(o.vals[i]) + 4
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, k := range o.keys {
		if i > 0 {
			b = append(b, ',')
		}
		kb, _ := json.Marshal(k)
		b = append(b, kb...)
		b = append(b, ':')
		b = append(b, o.vals[i]...)
	}
	return append(b, '}')
}

// encodeResult writes a result for a JSON-RPC response. Under the
// stateless revision a result is marked complete and names the server in
// its _meta, as the SDK's server does.
func encodeResult(r *result, stateless bool) ([]byte, error) {
	// Results asking for input never get here (result.texts refuses them).
	if r != nil && r.dec == nil && r.raw != nil {
		if o, err := parseObject(r.raw); err == nil {
			if v, ok := o.get("content"); !ok || bytes.Equal(v, []byte("null")) {
				o.set("content", json.RawMessage("[]")) // as the SDK sends it: never null
			} else if !stateless {
				return r.raw, nil
			}
			if !stateless {
				return o.encode(), nil
			}
			if out, ok := completeRaw(o); ok {
				return out, nil
			}
		}
	}
	res, err := r.decoded()
	if err != nil {
		return nil, err
	}
	if res == nil {
		res = &mcp.CallToolResult{}
	}
	if res.Content == nil {
		cp := *res
		cp.Content = []mcp.Content{} // as the SDK sends it: never null
		res = &cp
	}
	if stateless {
		res = completed(res)
	}
	return json.Marshal(res)
}

// completeRaw marks a raw result complete and names the server in its
// _meta; it reports false for a _meta it cannot read, left to the SDK's
// encoder.
func completeRaw(o *object) ([]byte, bool) {
	meta := &object{}
	if v, ok := o.get("_meta"); ok && !bytes.Equal(v, []byte("null")) {
		m, err := parseObject(v)
		if err != nil {
			return nil, false
		}
		meta = m
	}
	if _, ok := meta.get(metaServerInfo); !ok {
		info, _ := json.Marshal(serverImpl)
		meta.set(metaServerInfo, info)
	}
	o.set("resultType", json.RawMessage(`"complete"`))
	o.set("_meta", meta.encode())
	return o.encode(), true
}
