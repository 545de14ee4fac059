package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

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
	buf.Grow(len(raw) + 256) // the record, plus a filled-in time or hash
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
