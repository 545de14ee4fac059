// Package iam is Parapet's AWS policy logic: it parses IAM policy documents,
// holds an estate of principals and policies (a Model: identity policies,
// permissions boundaries, trust and resource-based policies, SCPs and RCPs)
// and evaluates requests against it following AWS's documented policy
// evaluation logic, with a third answer, "allowed if <conditions>", where the
// request context is not known at analysis time.
//
// The package reads no files: internal/collect/aws builds a Model from
// exports and live APIs.
package iam

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Policy is one parsed IAM policy document.
type Policy struct {
	Version    string
	ID         string
	Statements []*Statement
	// Source names the policy for evidence: a managed policy ARN, or
	// "user/alice inline policy P", "SCP p-1234 (DenyLeaving)", ...
	Source string

	stmtObject bool // Statement was an object, not an array (for JSON paths)
}

// Statement is one statement of a policy document. Every list element is
// normalised to a slice (a single string in the document becomes a
// one-element slice). ParsePolicy compiles the matchers that Evaluate uses;
// a Statement changed by hand must be recompiled with Policy.Compile.
type Statement struct {
	Sid    string
	Effect string // "Allow" or "Deny"

	Action, NotAction     []string
	Resource, NotResource []string
	// Principal and NotPrincipal map the principal type ("AWS", "Service",
	// "Federated", "CanonicalUser") to its values; `"Principal": "*"` is
	// {"*": ["*"]}, which is not the same as {"AWS": ["*"]} in the document
	// but matches the same principals.
	Principal, NotPrincipal map[string][]string
	// Condition maps an operator ("StringEquals", "ForAnyValue:StringLike",
	// "DateLessThanIfExists", ...) to condition keys and their values.
	Condition map[string]map[string][]string

	Policy *Policy // the policy this statement belongs to, for evidence

	// Index is the statement's position in its policy, for JSON paths in
	// evidence (Statement[Index]).
	Index int

	c *compiled // matchers, built by Policy.Compile
}

// Allow reports whether the statement's effect is Allow.
func (s *Statement) Allow() bool { return s.Effect == "Allow" }

// String names the statement for humans: the policy source and the Sid or
// index.
func (s *Statement) String() string {
	src := "policy"
	if s.Policy != nil && s.Policy.Source != "" {
		src = s.Policy.Source
	}
	if s.Sid != "" {
		return fmt.Sprintf("%s statement %q", src, s.Sid)
	}
	return fmt.Sprintf("%s Statement[%d]", src, s.Index)
}

// PolicyError is a problem in a policy document: Path is the JSON path of the
// element at fault (for example `Statement[2].Condition.StringEquals`).
type PolicyError struct {
	Path string
	Msg  string
}

// Error returns the path and the message.
func (e *PolicyError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func perr(path, format string, args ...any) error {
	return &PolicyError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// ParsePolicy parses an IAM policy document: a JSON object, a JSON string
// holding the document (as some exports nest it), or the URL-encoded form
// that IAM APIs return. Statement may be an object or an array; every list
// element may be a string or an array of strings. Unknown elements and
// condition operators are errors naming their JSON path.
func ParsePolicy(data []byte) (*Policy, error) {
	return parsePolicy(data, 0)
}

func parsePolicy(data []byte, depth int) (*Policy, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, perr("", "empty policy document")
	}
	if depth > 2 {
		return nil, perr("", "policy document nested in strings too deeply")
	}
	switch data[0] {
	case '{':
	case '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, jsonErr(data, err)
		}
		return parsePolicy([]byte(s), depth+1)
	case '%':
		s, err := url.PathUnescape(string(data))
		if err != nil {
			return nil, perr("", "URL-encoded policy document: %v", err)
		}
		return parsePolicy([]byte(s), depth+1)
	default:
		return nil, perr("", "policy document is not a JSON object (starts with %q)", data[0])
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, jsonErr(data, err)
	}
	if dec.More() {
		return nil, perr("", "trailing data after the policy document")
	}
	return policyFromJSON(doc)
}

// PolicyFromJSON builds a Policy from a document already decoded by
// encoding/json (into any, with or without UseNumber), as exports embed it.
// A string value is parsed as an encoded document.
func PolicyFromJSON(doc any) (*Policy, error) {
	if s, ok := doc.(string); ok {
		return ParsePolicy([]byte(s))
	}
	return policyFromJSON(doc)
}

func jsonErr(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, se.Offset)
		return perr("", "line %d column %d: %v", line, col, se)
	}
	if strings.Contains(err.Error(), "unexpected EOF") {
		return perr("", "truncated JSON")
	}
	return perr("", "%v", err)
}

func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col := 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

func policyFromJSON(doc any) (*Policy, error) {
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, perr("", "policy document is %s, not an object", jsonKind(doc))
	}
	p := &Policy{}
	var stmts any
	haveStmts := false
	for _, k := range sortedKeys(obj) {
		v := obj[k]
		switch k {
		case "Version":
			s, ok := v.(string)
			if !ok {
				return nil, perr("Version", "is %s, not a string", jsonKind(v))
			}
			p.Version = s
		case "Id":
			s, ok := v.(string)
			if !ok {
				return nil, perr("Id", "is %s, not a string", jsonKind(v))
			}
			p.ID = s
		case "Statement":
			stmts, haveStmts = v, true
		default:
			return nil, perr(k, "unknown policy element")
		}
	}
	if !haveStmts {
		return nil, perr("Statement", "missing")
	}
	switch st := stmts.(type) {
	case map[string]any:
		s, err := statementFromJSON(st, "Statement")
		if err != nil {
			return nil, err
		}
		p.Statements = []*Statement{s}
		p.stmtObject = true
	case []any:
		for i, e := range st {
			path := fmt.Sprintf("Statement[%d]", i)
			m, ok := e.(map[string]any)
			if !ok {
				return nil, perr(path, "is %s, not an object", jsonKind(e))
			}
			s, err := statementFromJSON(m, path)
			if err != nil {
				return nil, err
			}
			s.Index = i
			p.Statements = append(p.Statements, s)
		}
	default:
		return nil, perr("Statement", "is %s, not an object or array", jsonKind(stmts))
	}
	if err := p.Compile(); err != nil {
		return nil, err
	}
	return p, nil
}

func statementFromJSON(m map[string]any, path string) (*Statement, error) {
	s := &Statement{}
	var err error
	for _, k := range sortedKeys(m) {
		v := m[k]
		kp := path + "." + k
		switch k {
		case "Sid":
			str, ok := v.(string)
			if !ok {
				return nil, perr(kp, "is %s, not a string", jsonKind(v))
			}
			s.Sid = str
		case "Effect":
			str, ok := v.(string)
			if !ok {
				return nil, perr(kp, "is %s, not a string", jsonKind(v))
			}
			if str != "Allow" && str != "Deny" {
				return nil, perr(kp, "is %q, want \"Allow\" or \"Deny\"", str)
			}
			s.Effect = str
		case "Action":
			s.Action, err = stringList(v, kp)
		case "NotAction":
			s.NotAction, err = stringList(v, kp)
		case "Resource":
			s.Resource, err = stringList(v, kp)
		case "NotResource":
			s.NotResource, err = stringList(v, kp)
		case "Principal":
			s.Principal, err = principalMap(v, kp)
		case "NotPrincipal":
			s.NotPrincipal, err = principalMap(v, kp)
		case "Condition":
			s.Condition, err = conditionMap(v, kp)
		default:
			return nil, perr(kp, "unknown statement element")
		}
		if err != nil {
			return nil, err
		}
	}
	if s.Effect == "" {
		return nil, perr(path+".Effect", "missing")
	}
	if (s.Action == nil) == (s.NotAction == nil) {
		return nil, perr(path, "needs exactly one of Action and NotAction")
	}
	if s.Resource != nil && s.NotResource != nil {
		return nil, perr(path, "has both Resource and NotResource")
	}
	if s.Principal != nil && s.NotPrincipal != nil {
		return nil, perr(path, "has both Principal and NotPrincipal")
	}
	return s, nil
}

// stringList reads a policy list element: a string or an array of strings.
// Numbers and booleans (legal in condition values) become their JSON text.
func stringList(v any, path string) ([]string, error) {
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case json.Number:
		return []string{x.String()}, nil
	case float64:
		return []string{strconv.FormatFloat(x, 'f', -1, 64)}, nil
	case bool:
		return []string{strconv.FormatBool(x)}, nil
	case []any:
		out := make([]string, 0, len(x))
		for i, e := range x {
			ep := fmt.Sprintf("%s[%d]", path, i)
			switch y := e.(type) {
			case string:
				out = append(out, y)
			case json.Number:
				out = append(out, y.String())
			case float64:
				out = append(out, strconv.FormatFloat(y, 'f', -1, 64))
			case bool:
				out = append(out, strconv.FormatBool(y))
			default:
				return nil, perr(ep, "is %s, not a string", jsonKind(e))
			}
		}
		return out, nil
	}
	return nil, perr(path, "is %s, not a string or array of strings", jsonKind(v))
}

var principalTypes = map[string]bool{"AWS": true, "Service": true, "Federated": true, "CanonicalUser": true}

func principalMap(v any, path string) (map[string][]string, error) {
	switch x := v.(type) {
	case string:
		if x != "*" {
			return nil, perr(path, "is %q; a string principal must be \"*\"", x)
		}
		return map[string][]string{"*": {"*"}}, nil
	case map[string]any:
		out := make(map[string][]string, len(x))
		for _, k := range sortedKeys(x) {
			if !principalTypes[k] {
				return nil, perr(path+"."+k, "unknown principal type (want AWS, Service, Federated or CanonicalUser)")
			}
			l, err := stringList(x[k], path+"."+k)
			if err != nil {
				return nil, err
			}
			out[k] = l
		}
		return out, nil
	}
	return nil, perr(path, "is %s, not \"*\" or an object", jsonKind(v))
}

func conditionMap(v any, path string) (map[string]map[string][]string, error) {
	x, ok := v.(map[string]any)
	if !ok {
		return nil, perr(path, "is %s, not an object", jsonKind(v))
	}
	out := make(map[string]map[string][]string, len(x))
	for _, op := range sortedKeys(x) {
		op1 := path + "." + op
		if _, err := parseOperator(op); err != nil {
			return nil, perr(op1, "%v", err)
		}
		keys, ok := x[op].(map[string]any)
		if !ok {
			return nil, perr(op1, "is %s, not an object of condition keys", jsonKind(x[op]))
		}
		km := make(map[string][]string, len(keys))
		for _, k := range sortedKeys(keys) {
			l, err := stringList(keys[k], op1+"."+k)
			if err != nil {
				return nil, err
			}
			km[k] = l
		}
		out[op] = km
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// Compile builds the matchers of every statement, links statements to the
// policy, and validates condition values. ParsePolicy calls it; call it
// again after changing a Policy or its Statements by hand.
func (p *Policy) Compile() error {
	for i, s := range p.Statements {
		s.Policy = p
		path := fmt.Sprintf("Statement[%d]", i)
		if p.stmtObject && len(p.Statements) == 1 {
			path = "Statement"
		}
		c, err := compileStatement(s, path)
		if err != nil {
			return err
		}
		s.c = c
	}
	return nil
}
