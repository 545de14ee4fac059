package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

// decodeReference is the former decoder, built on encoding/json: the oracle
// parseJSON is checked against. It decodes one JSON value, keeping numbers as written and
// rejecting duplicate object keys and trailing data: a record that reads two
// ways to two readers has no place in an audit log.
func decodeReference(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("record: invalid JSON: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("record: data after the JSON value at byte %d", d.InputOffset())
	}
	if err := checkDuplicateKeys(raw); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	return v, nil
}

// checkDuplicateKeys scans JSON that is known to be valid and fails on the
// first object that names a key twice.
func checkDuplicateKeys(raw []byte) error {
	type frame struct {
		object bool
		keys   map[string]bool
		expect bool // the next string is a key
	}
	var stack []frame
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '{':
			stack = append(stack, frame{object: true, expect: true})
		case '[':
			stack = append(stack, frame{})
		case '}', ']':
			stack = stack[:len(stack)-1]
		case ',':
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].expect = true
			}
		case '"':
			j := i + 1
			escaped := false
			for ; raw[j] != '"'; j++ {
				if raw[j] == '\\' {
					escaped = true
					j++
				}
			}
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expect {
				key := string(raw[i+1 : j])
				if escaped {
					if err := json.Unmarshal(raw[i:j+1], &key); err != nil {
						return err
					}
				}
				f := &stack[n-1]
				if f.keys == nil {
					f.keys = map[string]bool{}
				}
				if f.keys[key] {
					return fmt.Errorf("duplicate key %q at byte %d", key, i)
				}
				f.keys[key] = true
				f.expect = false
			}
			i = j
		}
	}
	return nil
}

func TestParseJSONAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{"a":1,"b":[true,false,null,-0.5e-3,"x\u00e9\n"],"c":{}}`,
		`  [ ]  `, `"\ud83d\ude00"`, `{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `{"a" 1}`, `[1,]`, `01`, `-`, `1.`, `1e`,
		`{"a":"\x"}`, "\"\x01\"", `[1] [2]`, ``, `nul`, `{"k":"\ud800"}`, "\"\xff\"",
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	} {
		compareParsers(t, []byte(in))
	}
}

func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"actor":"a","n":[1,2.5,-3e+2],"s":"\u00e9\"","o":{"x":null}}`))
	f.Add([]byte(`{"a":1,"\u0061":2}`))
	f.Fuzz(func(t *testing.T, in []byte) { compareParsers(t, in) })
}

func compareParsers(t *testing.T, in []byte) {
	t.Helper()
	want, werr := decodeReference(in)
	got, gerr := parseJSON(in)
	switch {
	case werr != nil && gerr == nil:
		t.Fatalf("%q: parseJSON accepted what encoding/json refuses (%v)", in, werr)
	case werr == nil && gerr != nil:
		// Stricter is allowed only for duplicate keys that differ
		// before invalid UTF-8 is replaced.
		if !strings.Contains(gerr.Error(), "duplicate key") {
			t.Fatalf("%q: parseJSON refused what encoding/json accepts: %v", in, gerr)
		}
	case werr == nil && !reflect.DeepEqual(got, want):
		t.Fatalf("%q: parseJSON = %#v, encoding/json = %#v", in, got, want)
	}
}
