// Package inventory is Parapet's one model of what exists: nodes (accounts,
// identities, compute, data stores, AI agents, models and tools) and the edges
// between them, collected from any source (AWS, Kubernetes, Terraform) into a
// Snapshot that every analyzer reads. It also defines Finding, the shape every
// analyzer reports.
//
// A Snapshot is deterministic: the same input gives byte-identical JSON.
package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
)

// SchemaSnapshot is the version of the snapshot JSON encoding. It changes
// only when the encoding changes in a way an old reader would misread.
const SchemaSnapshot = "parapet.snapshot/v1"

// InternetID is the ID of the single node standing for the public internet.
const InternetID = "internet"

// Node is one thing in the estate. ID is stable across runs: an ARN, a
// k8s://<cluster>/<namespace>/<kind>/<name> URI, tf://<address>, or InternetID.
type Node struct {
	ID          string            `json:"id"`
	Kind        string            `json:"kind"`
	Provider    string            `json:"provider,omitempty"`
	Account     string            `json:"account,omitempty"`
	Region      string            `json:"region,omitempty"`
	Name        string            `json:"name,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Props       map[string]any    `json:"props,omitempty"`
	Sensitivity Sensitivity       `json:"sensitivity,omitempty"`
	// Source says where the node was read from (a file, and a JSON path or
	// line where known), so findings can point users at it.
	Source string `json:"source,omitempty"`
}

// Edge is a directed relation between two nodes. Props carry the evidence:
// the policy statements, rules or fields that create the edge.
type Edge struct {
	From  string         `json:"from"`
	To    string         `json:"to"`
	Kind  string         `json:"kind"`
	Props map[string]any `json:"props,omitempty"`
}

// Sensitivity ranks how much harm exposure of a node's data would do.
type Sensitivity string

// Sensitivity levels, from none to the highest.
const (
	SensitivityNone     Sensitivity = ""
	SensitivityLow      Sensitivity = "low"
	SensitivityMedium   Sensitivity = "medium"
	SensitivityHigh     Sensitivity = "high"
	SensitivityCritical Sensitivity = "critical"
)

// Rank orders sensitivities: 0 for none up to 4 for critical.
func (s Sensitivity) Rank() int {
	switch s {
	case SensitivityLow:
		return 1
	case SensitivityMedium:
		return 2
	case SensitivityHigh:
		return 3
	case SensitivityCritical:
		return 4
	}
	return 0
}

// Snapshot is a whole inventory: nodes and edges from one or many sources.
// Build it with Add and Connect; Nodes and Edges are kept sorted by Normalize
// so that encoding is deterministic.
type Snapshot struct {
	Schema string  `json:"schema"`
	Nodes  []*Node `json:"nodes"`
	Edges  []*Edge `json:"edges"`

	index map[string]*Node
}

// New returns an empty snapshot.
func New() *Snapshot {
	return &Snapshot{Schema: SchemaSnapshot, index: map[string]*Node{}}
}

// Add inserts n, or merges it into the node with the same ID already present:
// empty fields are filled and tags and props are unioned, existing values
// winning. It returns the node held by the snapshot.
func (s *Snapshot) Add(n *Node) *Node {
	if s.index == nil {
		s.reindex()
	}
	old, ok := s.index[n.ID]
	if !ok {
		s.Nodes = append(s.Nodes, n)
		s.index[n.ID] = n
		return n
	}
	if old.Kind == "" {
		old.Kind = n.Kind
	}
	if old.Provider == "" {
		old.Provider = n.Provider
	}
	if old.Account == "" {
		old.Account = n.Account
	}
	if old.Region == "" {
		old.Region = n.Region
	}
	if old.Name == "" {
		old.Name = n.Name
	}
	if old.Source == "" {
		old.Source = n.Source
	}
	if n.Sensitivity.Rank() > old.Sensitivity.Rank() {
		old.Sensitivity = n.Sensitivity
	}
	for k, v := range n.Tags {
		if old.Tags == nil {
			old.Tags = map[string]string{}
		}
		if _, ok := old.Tags[k]; !ok {
			old.Tags[k] = v
		}
	}
	for k, v := range n.Props {
		if old.Props == nil {
			old.Props = map[string]any{}
		}
		if _, ok := old.Props[k]; !ok {
			old.Props[k] = v
		}
	}
	return old
}

// Node returns the node with the given ID, or nil.
func (s *Snapshot) Node(id string) *Node {
	if s.index == nil {
		s.reindex()
	}
	return s.index[id]
}

// Connect adds an edge. Duplicate edges (same from, to and kind) are merged by
// Normalize.
func (s *Snapshot) Connect(from, to, kind string, props map[string]any) *Edge {
	e := &Edge{From: from, To: to, Kind: kind, Props: props}
	s.Edges = append(s.Edges, e)
	return e
}

// Merge adds every node and edge of o to s.
func (s *Snapshot) Merge(o *Snapshot) {
	for _, n := range o.Nodes {
		s.Add(n)
	}
	s.Edges = append(s.Edges, o.Edges...)
}

func (s *Snapshot) reindex() {
	s.index = make(map[string]*Node, len(s.Nodes))
	for _, n := range s.Nodes {
		s.index[n.ID] = n
	}
}

// Normalize sorts nodes by ID and edges by (from, to, kind), and merges
// duplicate edges, so that encoding is deterministic.
func (s *Snapshot) Normalize() {
	if s.Schema == "" {
		s.Schema = SchemaSnapshot
	}
	sort.Slice(s.Nodes, func(i, j int) bool { return s.Nodes[i].ID < s.Nodes[j].ID })
	sort.SliceStable(s.Edges, func(i, j int) bool {
		a, b := s.Edges[i], s.Edges[j]
		if a.From != b.From {
			return a.From < b.From
		}
		if a.To != b.To {
			return a.To < b.To
		}
		return a.Kind < b.Kind
	})
	out := s.Edges[:0]
	for _, e := range s.Edges {
		if n := len(out); n > 0 {
			p := out[n-1]
			if p.From == e.From && p.To == e.To && p.Kind == e.Kind {
				for k, v := range e.Props {
					if p.Props == nil {
						p.Props = map[string]any{}
					}
					if _, ok := p.Props[k]; !ok {
						p.Props[k] = v
					}
				}
				continue
			}
		}
		out = append(out, e)
	}
	s.Edges = out
	s.reindex()
}

// Encode writes the snapshot as indented, deterministic JSON.
func (s *Snapshot) Encode(w io.Writer) error {
	s.Normalize()
	if s.Nodes == nil {
		s.Nodes = []*Node{}
	}
	if s.Edges == nil {
		s.Edges = []*Edge{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(s)
}

// Decode reads a snapshot written by Encode. name is used in errors.
func Decode(r io.Reader, name string) (*Snapshot, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var s Snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&s); err != nil {
		return nil, JSONError(name, data, err)
	}
	if s.Schema != SchemaSnapshot {
		return nil, fmt.Errorf("%s: schema %q is not %q", name, s.Schema, SchemaSnapshot)
	}
	s.reindex()
	return &s, nil
}

// JSONError describes an error from decoding the JSON of the file name for
// a user: a syntax or type error with its line and column
// ("name:3:7: ..."), a truncated or empty file as such. It wraps err.
func JSONError(name string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		l, c := LineCol(data, se.Offset)
		return fmt.Errorf("%s:%d:%d: %w", name, l, c, err)
	case errors.As(err, &te):
		l, c := LineCol(data, te.Offset)
		field := ""
		if te.Field != "" {
			field = "field " + te.Field + ": "
		}
		return &decodeError{msg: fmt.Sprintf("%s:%d:%d: %sgot a JSON %s, want %s", name, l, c, field, te.Value, jsonKind(te.Type)), err: err}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("%s: empty or truncated JSON (the file ends inside a value): %w", name, err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// decodeError is a user-facing decoding message that still unwraps to the
// decoder's error, whose text names Go types a user never sees.
type decodeError struct {
	msg string
	err error
}

func (e *decodeError) Error() string { return e.msg }
func (e *decodeError) Unwrap() error { return e.err }

// jsonKind names, in JSON's words, the value a Go type decodes from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another value"
}

// LineCol converts a byte offset in data to a 1-based line and column.
func LineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line = 1 + bytes.Count(data[:off], []byte("\n"))
	col = int(off) - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}
