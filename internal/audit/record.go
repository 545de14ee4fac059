package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parapet-sec/parapet/internal/inspect"
	"github.com/parapet-sec/parapet/internal/store"
)

// Record is one decision, as the gateway, the admission controller, the CI
// gate or any other producer logs it. docs/audit.md documents the JSON form.
// Fields a producer adds beyond these are kept in Extra and logged as given.
type Record struct {
	// Time is when the decision was made; Append fills in the current time
	// when it is zero.
	Time time.Time `json:"time"`
	// Actor is the identity that acted: an agent, a role session ARN, a
	// Kubernetes user.
	Actor string `json:"actor"`
	// OnBehalfOf is the person or service the actor worked for, if known.
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
	// Action is what was attempted, e.g. "tools/call", "s3:DeleteBucket".
	Action string `json:"action"`
	// Tool names the MCP server and tool, or the API, that was called.
	Tool string `json:"tool,omitempty"`
	// Args are the call's arguments with secrets redacted.
	Args json.RawMessage `json:"args,omitempty"`
	// ArgsSHA256 is the hex SHA-256 of the arguments before redaction, so
	// a holder of the original can prove what was sent.
	ArgsSHA256 string `json:"args_sha256,omitempty"`
	// Verdict is the decision: allow, deny, approve (sent to a human) or
	// redact.
	Verdict string `json:"verdict"`
	// Reason says why, in the policy's words.
	Reason string `json:"reason,omitempty"`
	// Policy names the policy and its version.
	Policy *Policy `json:"policy,omitempty"`
	// Approver is the human who approved, for approved actions.
	Approver string `json:"approver,omitempty"`
	// Reasoning is the agent's stated reasoning, where it gave one.
	Reasoning string `json:"reasoning,omitempty"`
	// Extra holds the fields a producer sent beyond the documented ones.
	Extra map[string]json.RawMessage `json:"-"`
}

// Policy identifies the policy that decided.
type Policy struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// Verdicts a record may carry.
var verdicts = map[string]bool{"allow": true, "deny": true, "approve": true, "redact": true}

// MaxEntrySize is the largest record, in canonical JSON bytes, the log
// accepts: the tlog-tiles entry bundle prefixes each entry with a 16-bit
// length.
const MaxEntrySize = store.MaxEntrySize

// MarshalJSON encodes the record with its extra fields.
func (r Record) MarshalJSON() ([]byte, error) {
	type plain Record
	b, err := json.Marshal(plain(r))
	if err != nil {
		return nil, err
	}
	if len(r.Extra) == 0 {
		return b, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range r.Extra {
		if _, ok := m[k]; ok {
			return nil, fmt.Errorf("record: extra field %q shadows a documented field", k)
		}
		m[k] = v
	}
	return json.Marshal(m)
}

// UnmarshalJSON decodes a record and keeps unknown fields in Extra.
func (r *Record) UnmarshalJSON(b []byte) error {
	type plain Record
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	for _, k := range documentedFields {
		delete(m, k)
	}
	if len(m) > 0 {
		p.Extra = m
	}
	*r = Record(p)
	return nil
}

var documentedFields = []string{"time", "actor", "on_behalf_of", "action", "tool", "args", "args_sha256", "verdict", "reason", "policy", "approver", "reasoning"}

// Canonical checks a decision record given as JSON and returns the bytes the
// log stores and hashes: the record with secrets in its args redacted,
// args_sha256 filled in from the arguments as received when the producer did
// not give it, time filled in with now when absent, and then encoded with
// sorted keys, no insignificant space and no HTML escaping. Fields beyond the
// documented ones are kept.
func Canonical(raw []byte, now time.Time) ([]byte, error) {
	v, err := decodeStrict(raw)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("record is not a JSON object")
	}
	return canonicalObject(obj, len(raw), now)
}

// canonical is Canonical(r.MarshalJSON(), now) without the round trips
// through JSON: the record's fields go straight into the object Canonical
// would have decoded (TestRecordCanonicalMatchesMarshalled holds the two to
// the same bytes).
func (r Record) canonical(now time.Time) ([]byte, error) {
	obj := make(map[string]any, 12+len(r.Extra))
	if r.Time.Year() < 0 || r.Time.Year() > 9999 {
		return nil, errors.New("record: field \"time\": year outside of range [0,9999]")
	}
	size := 0
	put := func(k, v string, always bool) {
		if v != "" || always {
			v = validUTF8(v)
			obj[k] = v
			size += len(k) + len(v) + 6
		}
	}
	put("time", r.Time.Format(time.RFC3339Nano), true)
	put("actor", r.Actor, true)
	put("on_behalf_of", r.OnBehalfOf, false)
	put("action", r.Action, true)
	put("tool", r.Tool, false)
	put("args_sha256", r.ArgsSHA256, false)
	put("verdict", r.Verdict, true)
	put("reason", r.Reason, false)
	put("approver", r.Approver, false)
	put("reasoning", r.Reasoning, false)
	if len(r.Args) > 0 {
		v, err := parseJSON(r.Args)
		if err != nil {
			return nil, fmt.Errorf("record: field \"args\": %w", err)
		}
		obj["args"] = v
		size += len(r.Args)
	}
	if r.Policy != nil {
		pm := map[string]any{"name": validUTF8(r.Policy.Name)}
		if r.Policy.Version != "" {
			pm["version"] = validUTF8(r.Policy.Version)
		}
		obj["policy"] = pm
	}
	for k := range r.Extra {
		if _, ok := obj[k]; ok {
			return nil, fmt.Errorf("record: extra field %q shadows a documented field", k)
		}
	}
	for k, raw := range r.Extra {
		var v any // a nil json.RawMessage is null
		if raw != nil {
			var err error
			if v, err = parseJSON(raw); err != nil {
				return nil, fmt.Errorf("record: field %q: %w", k, err)
			}
		}
		vk := validUTF8(k)
		if _, ok := obj[vk]; ok {
			return nil, fmt.Errorf("record: field %q given twice", vk)
		}
		obj[vk] = v
		size += len(k) + len(raw)
	}
	return canonicalObject(obj, size, now)
}

// validUTF8 replaces each byte of s that is not part of valid UTF-8 with
// U+FFFD, as encoding/json does.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// canonicalObject is Canonical for a record already decoded into obj;
// size is about its length in bytes.
func canonicalObject(obj map[string]any, size int, now time.Time) ([]byte, error) {
	for _, f := range []string{"actor", "action", "verdict"} {
		s, ok := obj[f].(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("record: field %q is required and must be a non-empty string", f)
		}
	}
	if verdict := obj["verdict"].(string); !verdicts[verdict] {
		return nil, fmt.Errorf("record: field \"verdict\": %q is not one of allow, deny, approve, redact", verdict)
	}
	for _, f := range []string{"time", "on_behalf_of", "tool", "args_sha256", "reason", "approver", "reasoning"} {
		if x, ok := obj[f]; ok {
			if _, ok := x.(string); !ok {
				return nil, fmt.Errorf("record: field %q must be a string", f)
			}
		}
	}
	if t, ok := obj["time"].(string); ok {
		if _, err := time.Parse(time.RFC3339Nano, t); err != nil {
			return nil, fmt.Errorf("record: field \"time\": %q is not an RFC 3339 time", t)
		}
	} else {
		obj["time"] = now.UTC().Format(time.RFC3339Nano)
	}
	if p, ok := obj["policy"]; ok {
		pm, ok := p.(map[string]any)
		if !ok {
			return nil, errors.New(`record: field "policy" must be an object with "name" and "version"`)
		}
		if n, ok := pm["name"].(string); !ok || n == "" {
			return nil, errors.New(`record: field "policy.name" is required and must be a string`)
		}
		if v, ok := pm["version"]; ok {
			if _, ok := v.(string); !ok {
				return nil, errors.New(`record: field "policy.version" must be a string`)
			}
		}
	}
	if h, ok := obj["args_sha256"].(string); ok {
		if b, err := hex.DecodeString(h); err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("record: field \"args_sha256\": %q is not a hex SHA-256", h)
		}
	}
	if args, ok := obj["args"]; ok {
		if _, given := obj["args_sha256"]; !given {
			b, err := encodeCanonical(args)
			if err != nil {
				return nil, fmt.Errorf("record: field \"args\": %w", err)
			}
			sum := sha256.Sum256(b)
			obj["args_sha256"] = hex.EncodeToString(sum[:])
		}
		obj["args"] = redact(args)
	}
	var buf bytes.Buffer
	buf.Grow(size + 256) // the record, plus a filled-in time or hash
	if err := writeCanonical(&buf, obj); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if len(b) > MaxEntrySize {
		return nil, fmt.Errorf("record: %d bytes, more than the %d a log entry holds", len(b), MaxEntrySize)
	}
	return b, nil
}

// redact replaces secrets in every string of v, keys included, with the
// markers of inspect.Redact.
func redact(v any) any {
	switch x := v.(type) {
	case string:
		return inspect.Redact(x)
	case []any:
		for i := range x {
			x[i] = redact(x[i])
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[inspect.Redact(k)] = redact(e)
		}
		return out
	}
	return v
}

// decodeStrict decodes one JSON value, keeping numbers as written and
// rejecting duplicate object keys and trailing data: a record that reads two
// ways to two readers has no place in an audit log.
func decodeStrict(raw []byte) (any, error) {
	v, err := parseJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	return v, nil
}

// encodeCanonical writes v with sorted keys, no spaces and no HTML escaping.
func encodeCanonical(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeCanonical(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeCanonical(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			if err := writeCanonical(buf, x[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeCanonical(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case string:
		writeString(buf, x)
	case json.Number:
		if !json.Valid([]byte(x)) {
			return fmt.Errorf("invalid number %q", string(x))
		}
		buf.WriteString(string(x))
	case bool:
		if x {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case nil:
		buf.WriteString("null")
	default:
		return fmt.Errorf("unexpected JSON value of type %T", v)
	}
	return nil
}

func writeString(buf *bytes.Buffer, s string) {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		buf.WriteByte('"')
		buf.WriteString(s)
		buf.WriteByte('"')
		return
	}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // cannot fail for a string
	buf.Truncate(buf.Len() - 1)
}
