// Package k8s reads Kubernetes objects into Parapet's inventory: the JSON
// that `kubectl get <kinds> -A -o json` prints (a List or single objects)
// and multi-document YAML or JSON manifests as `helm template` and
// `kustomize build` print them. Objects keep the file and line they came
// from, so checks on manifests can point at them. Secret values are never
// kept.
package k8s

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// Object is one Kubernetes object as read: the raw object (JSON types:
// map[string]any, []any, string, float64, bool, nil) and where it came from.
// Raw of a Secret keeps its data keys but never the values.
type Object struct {
	Raw  map[string]any
	File string
	Line int // 1-based line of the object's first line
}

// Kind returns the object's kind ("Deployment").
func (o Object) Kind() string { return str(o.Raw, "kind") }

// APIVersion returns the object's apiVersion ("apps/v1").
func (o Object) APIVersion() string { return str(o.Raw, "apiVersion") }

// Name returns metadata.name.
func (o Object) Name() string { return str(obj(o.Raw, "metadata"), "name") }

// Namespace returns metadata.namespace ("" for cluster-scoped objects and
// manifests that leave it to the namespace they are applied in).
func (o Object) Namespace() string { return str(obj(o.Raw, "metadata"), "namespace") }

// Source returns "file:line".
func (o Object) Source() string { return fmt.Sprintf("%s:%d", o.File, o.Line) }

// MaxFileSize bounds one input file; larger files are an error rather than
// an unbounded read.
const MaxFileSize = 256 << 20

// Read reads objects from files and folders (recursively: *.json, *.yaml,
// *.yml), files in name order. An error names the file and, for malformed
// content, the line.
func Read(paths ...string) ([]Object, error) {
	var out []Object
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		var files []string
		if info.IsDir() {
			err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() {
					if path != p && strings.HasPrefix(d.Name(), ".") {
						return filepath.SkipDir
					}
					return nil
				}
				switch strings.ToLower(filepath.Ext(path)) {
				case ".json", ".yaml", ".yml":
					files = append(files, path)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			sort.Strings(files)
		} else {
			files = []string{p}
		}
		for _, f := range files {
			objs, err := ReadFile(f)
			if err != nil {
				return nil, err
			}
			out = append(out, objs...)
		}
	}
	return out, nil
}

// ReadFile reads the objects of one file.
func ReadFile(path string) ([]Object, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, MaxFileSize)
	}
	return Parse(path, data)
}

// Parse reads the objects in data, JSON (one or more values, each an object,
// a List or an array of objects) or YAML (one or more documents separated by
// "---"). name is used in Object.File and in errors. Lists are flattened
// into their items; empty documents are skipped.
func Parse(name string, data []byte) ([]Object, error) {
	// A byte-order mark (PowerShell writes one) is on line 1; dropping it
	// changes no line number.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		return parseJSON(name, data)
	}
	return parseYAML(name, data)
}

// lineIndex turns byte offsets into 1-based lines in O(log n), so that a
// large List does not cost a scan from the start per item.
type lineIndex []int64 // offsets of each '\n'

func newLineIndex(data []byte) lineIndex {
	var idx lineIndex
	for i, c := range data {
		if c == '\n' {
			idx = append(idx, int64(i))
		}
	}
	return idx
}

func (l lineIndex) line(off int64) int {
	return 1 + sort.Search(len(l), func(i int) bool { return l[i] >= off })
}

// parseJSON reads a stream of JSON values in one pass: each an object, a
// List (its items flattened, each with its own line) or an array of them.
func parseJSON(name string, data []byte) ([]Object, error) {
	r := &jsonReader{name: name, data: data, lines: newLineIndex(data), dec: json.NewDecoder(bytes.NewReader(data))}
	var out []Object
	for {
		start := skipSpace(data, r.dec.InputOffset())
		if start >= int64(len(data)) {
			return out, nil
		}
		objs, err := r.value(start, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
}

// jsonReader walks a JSON stream with one decoder, so offsets in its errors
// are offsets in data.
type jsonReader struct {
	name  string
	data  []byte
	lines lineIndex
	dec   *json.Decoder
}

func (r *jsonReader) fail(err error) error { return jsonError(r.name, r.data, err, 0) }

// value reads the value at offset start: an object (or List), an array of
// them, or null.
func (r *jsonReader) value(start int64, depth int) ([]Object, error) {
	if depth > 64 {
		return nil, fmt.Errorf("%s:%d: arrays nested too deeply", r.name, r.lines.line(start))
	}
	switch r.data[start] {
	case '{':
		return r.object(start)
	case '[':
		if _, err := r.dec.Token(); err != nil {
			return nil, r.fail(err)
		}
		var out []Object
		for r.dec.More() {
			off := skipSpaceComma(r.data, r.dec.InputOffset())
			objs, err := r.value(off, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, objs...)
		}
		if _, err := r.dec.Token(); err != nil {
			return nil, r.fail(err)
		}
		return out, nil
	}
	var v any
	if err := r.dec.Decode(&v); err != nil {
		return nil, r.fail(err)
	}
	if v == nil {
		return nil, nil
	}
	return nil, fmt.Errorf("%s:%d: JSON value is not an object", r.name, r.lines.line(start))
}

// listItem is one element of an "items" array, with where it starts.
type listItem struct {
	v    any
	line int
}

// object reads an object token by token so that the elements of an "items"
// array are decoded once, each with its line; kubectl writes "kind": "List"
// after the items, so whether they are a List's is known only at the end.
func (r *jsonReader) object(start int64) ([]Object, error) {
	if _, err := r.dec.Token(); err != nil { // {
		return nil, r.fail(err)
	}
	m := map[string]any{}
	var items []listItem
	itemsArray := false
	for r.dec.More() {
		tok, err := r.dec.Token()
		if err != nil {
			return nil, r.fail(err)
		}
		key, _ := tok.(string)
		off := skipSpaceColon(r.data, r.dec.InputOffset())
		if key == "items" && off < int64(len(r.data)) && r.data[off] == '[' {
			if _, err := r.dec.Token(); err != nil {
				return nil, r.fail(err)
			}
			itemsArray, items = true, nil
			for r.dec.More() {
				ioff := skipSpaceComma(r.data, r.dec.InputOffset())
				var v any
				if err := r.dec.Decode(&v); err != nil {
					return nil, r.fail(err)
				}
				items = append(items, listItem{v: v, line: r.lines.line(ioff)})
			}
			if _, err := r.dec.Token(); err != nil {
				return nil, r.fail(err)
			}
			continue
		}
		var v any
		if err := r.dec.Decode(&v); err != nil {
			return nil, r.fail(err)
		}
		m[key] = v
	}
	if _, err := r.dec.Token(); err != nil { // }
		return nil, r.fail(err)
	}
	line := r.lines.line(start)
	if itemsArray {
		all := make([]any, len(items))
		for i, it := range items {
			all[i] = it.v
		}
		m["items"] = all
	}
	if !isList(m) {
		o, err := newObject(r.name, line, m, "")
		if err != nil {
			return nil, err
		}
		return []Object{o}, nil
	}
	var out []Object
	kind := itemKind(m)
	for _, it := range items {
		objs, err := listObjects(r.name, it.line, it.v, kind, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// listObjects turns one List item into objects; an item that is itself a
// List gives its items, at the item's line.
func listObjects(name string, line int, v any, kind string, depth int) ([]Object, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s:%d: list item is not an object", name, line)
	}
	if kind == "" && isList(m) && depth < 16 {
		var out []Object
		for _, it := range list(m, "items") {
			objs, err := listObjects(name, line, it, itemKind(m), depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, objs...)
		}
		return out, nil
	}
	o, err := newObject(name, line, m, kind)
	if err != nil {
		return nil, err
	}
	return []Object{o}, nil
}

func skipSpace(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n", data[off]) >= 0 {
		off++
	}
	return off
}

func skipSpaceComma(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
		off++
	}
	return off
}

func skipSpaceColon(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n:", data[off]) >= 0 {
		off++
	}
	return off
}

func jsonError(name string, data []byte, err error, start int64) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		l, c := inventory.LineCol(data, start+se.Offset)
		return fmt.Errorf("%s:%d:%d: %v", name, l, c, se)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		l, _ := inventory.LineCol(data, start)
		return fmt.Errorf("%s:%d: truncated JSON value", name, l)
	}
	l, _ := inventory.LineCol(data, start)
	return fmt.Errorf("%s:%d: %v", name, l, err)
}

// isList reports whether m is a List (kind "List" or "<Kind>List" with an
// items array).
func isList(m map[string]any) bool {
	k, _ := m["kind"].(string)
	_, hasItems := m["items"].([]any)
	return hasItems && strings.HasSuffix(k, "List")
}

// itemKind is the kind of a typed list's items ("PodList" -> "Pod"); the API
// server leaves kind out of items, kubectl's "List" keeps it.
func itemKind(m map[string]any) string {
	k, _ := m["kind"].(string)
	if k == "List" {
		return ""
	}
	return strings.TrimSuffix(k, "List")
}

// newObject validates the minimum an object needs and scrubs secret values.
func newObject(file string, line int, m map[string]any, kind string) (Object, error) {
	if kind != "" {
		if _, ok := m["kind"]; !ok {
			m["kind"] = kind
		}
	}
	if _, ok := m["kind"].(string); !ok {
		return Object{}, fmt.Errorf("%s:%d: object has no kind", file, line)
	}
	if md, ok := m["metadata"]; ok {
		if _, ok := md.(map[string]any); !ok {
			return Object{}, fmt.Errorf("%s:%d: metadata is not an object", file, line)
		}
	}
	scrub(m)
	return Object{Raw: m, File: file, Line: line}, nil
}

// scrub removes values that must never be kept: a Secret's data and
// stringData values (keys stay, with empty values), a kubeconfig's users
// (tokens, client keys, passwords) and the last-applied-configuration
// annotation, which repeats them.
func scrub(m map[string]any) {
	if m["kind"] == "Config" {
		delete(m, "users")
	}
	if m["kind"] == "Secret" {
		for _, field := range []string{"data", "stringData"} {
			if d, ok := m[field].(map[string]any); ok {
				for k := range d {
					d[k] = ""
				}
			}
		}
	}
	if md, ok := m["metadata"].(map[string]any); ok {
		if ann, ok := md["annotations"].(map[string]any); ok {
			delete(ann, "kubectl.kubernetes.io/last-applied-configuration")
		}
	}
}

// maxYAMLNodes bounds the nodes one YAML document may expand to, aliases
// included, so that alias bombs fail instead of exhausting memory.
const maxYAMLNodes = 2_000_000

func parseYAML(name string, data []byte) ([]Object, error) {
	var out []Object
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		budget := maxYAMLNodes
		v, err := yamlValue(root, &budget, 0)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, root.Line, err)
		}
		objs, err := yamlObjects(name, root, v)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
}

func yamlObjects(name string, n *yaml.Node, v any) ([]Object, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		if isList(t) {
			items := yamlItemsNode(n)
			kind := itemKind(t)
			var out []Object
			for i, it := range t["items"].([]any) {
				line := n.Line
				if items != nil && i < len(items.Content) {
					line = items.Content[i].Line
				}
				m, ok := it.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%s:%d: list item is not an object", name, line)
				}
				o, err := newObject(name, line, m, kind)
				if err != nil {
					return nil, err
				}
				out = append(out, o)
			}
			return out, nil
		}
		o, err := newObject(name, n.Line, t, "")
		if err != nil {
			return nil, err
		}
		return []Object{o}, nil
	case []any:
		var out []Object
		for i, it := range t {
			objs, err := yamlObjects(name, resolveAlias(n).Content[i], it)
			if err != nil {
				return nil, err
			}
			out = append(out, objs...)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s:%d: document is not an object", name, n.Line)
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// yamlItemsNode finds the "items" sequence of a mapping node, for lines.
func yamlItemsNode(n *yaml.Node) *yaml.Node {
	n = resolveAlias(n)
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "items" {
			if s := resolveAlias(n.Content[i+1]); s.Kind == yaml.SequenceNode {
				return s
			}
		}
	}
	return nil
}

// yamlValue converts a YAML node to the types encoding/json produces, the
// way Kubernetes reads YAML (numbers as float64, timestamps as strings).
func yamlValue(n *yaml.Node, budget *int, depth int) (any, error) {
	*budget--
	if *budget < 0 {
		return nil, errors.New("document expands to too many nodes (alias bomb?)")
	}
	if depth > 1000 {
		return nil, errors.New("document nested too deeply")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlValue(n.Content[0], budget, depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, errors.New("unknown alias")
		}
		return yamlValue(n.Alias, budget, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c, budget, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, vn := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" || (k.Value == "<<" && k.Tag != "!!str") {
				v, err := yamlValue(vn, budget, depth+1)
				if err != nil {
					return nil, err
				}
				merges := []any{v}
				if l, ok := v.([]any); ok {
					merges = l
				}
				for _, mv := range merges {
					mm, ok := mv.(map[string]any)
					if !ok {
						return nil, fmt.Errorf("line %d: merge value is not a mapping", vn.Line)
					}
					for mk, x := range mm {
						if _, exists := out[mk]; !exists {
							out[mk] = x
						}
					}
				}
				continue
			}
			kr := resolveAlias(k)
			if kr.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: mapping key is not a scalar", k.Line)
			}
			v, err := yamlValue(vn, budget, depth+1)
			if err != nil {
				return nil, err
			}
			out[kr.Value] = v
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, fmt.Errorf("line %d: %v", n.Line, err)
			}
			return b, nil
		case "!!int", "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				return nil, fmt.Errorf("line %d: %v", n.Line, err)
			}
			return f, nil
		default:
			return n.Value, nil
		}
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// str returns m[key] as a string, or "".
func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// obj returns m[key] as an object, or nil.
func obj(m map[string]any, key string) map[string]any {
	o, _ := m[key].(map[string]any)
	return o
}

// list returns m[key] as a list, or nil.
func list(m map[string]any, key string) []any {
	l, _ := m[key].([]any)
	return l
}

// boolean returns m[key] as a bool and whether it was set.
func boolean(m map[string]any, key string) (value, set bool) {
	b, ok := m[key].(bool)
	return b, ok
}

// strMap returns m[key] as a map of strings (labels, annotations).
func strMap(m map[string]any, key string) map[string]string {
	o := obj(m, key)
	if len(o) == 0 {
		return nil
	}
	out := make(map[string]string, len(o))
	for k, v := range o {
		switch t := v.(type) {
		case string:
			out[k] = t
		default:
			out[k] = fmt.Sprint(t)
		}
	}
	return out
}
