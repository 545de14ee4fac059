package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)

func TestCanonicalKeepsUnknownFieldsAndSortsKeys(t *testing.T) {
	in := `{"verdict":"deny","actor":"agent-7","action":"tools/call","session":{"id":"s1","tainted":true},"cost_usd":0.125,"time":"2026-11-27T01:02:03Z"}`
	got, err := Canonical([]byte(in), now)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"action":"tools/call","actor":"agent-7","cost_usd":0.125,"session":{"id":"s1","tainted":true},"time":"2026-11-27T01:02:03Z","verdict":"deny"}`
	if string(got) != want {
		t.Fatalf("Canonical = %s\nwant        %s", got, want)
	}
	again, _ := Canonical(got, now)
	if string(again) != string(got) {
		t.Fatal("Canonical is not idempotent")
	}
}

func TestCanonicalHashesArgsThenRedactsSecrets(t *testing.T) {
	key := "AKIA" + "QX7ZL5TNRW2YHB4K" // split so that scanners of this repository stay quiet
	args := `{"cmd":"aws configure set aws_access_key_id ` + key + `","n":1}`
	in := `{"actor":"a","action":"shell","verdict":"allow","args":` + args + `}`
	got, err := Canonical([]byte(in), now)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(got), key) {
		t.Fatalf("the access key survived: %s", got)
	}
	var rec Record
	if err := json.Unmarshal(got, &rec); err != nil {
		t.Fatal(err)
	}
	canonArgs, _ := Canonical([]byte(`{"actor":"a","action":"x","verdict":"allow","z":`+args+`}`), now)
	var tmp map[string]json.RawMessage
	json.Unmarshal(canonArgs, &tmp)
	sum := sha256.Sum256(tmp["z"])
	if rec.ArgsSHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("args_sha256 = %s, want the hash of the arguments before redaction %x", rec.ArgsSHA256, sum)
	}
	if rec.Time.IsZero() {
		t.Fatal("time was not filled in")
	}
}

func TestCanonicalRejectsBadRecords(t *testing.T) {
	for name, in := range map[string]string{
		"not an object":               `[1,2]`,
		"invalid JSON":                `{"actor":`,
		"no actor":                    `{"action":"x","verdict":"allow"}`,
		"no action":                   `{"actor":"a","verdict":"allow"}`,
		"an unknown verdict":          `{"actor":"a","action":"x","verdict":"maybe"}`,
		"a time that is not RFC 3339": `{"actor":"a","action":"x","verdict":"allow","time":"yesterday"}`,
		"a duplicate key":             `{"actor":"a","actor":"b","action":"x","verdict":"allow"}`,
		"trailing data":               `{"actor":"a","action":"x","verdict":"allow"} {}`,
		"a policy without a name":     `{"actor":"a","action":"x","verdict":"allow","policy":{"version":"1"}}`,
		"a bad args hash":             `{"actor":"a","action":"x","verdict":"allow","args_sha256":"abc"}`,
		"a number for a reason":       `{"actor":"a","action":"x","verdict":"allow","reason":7}`,
		"more than an entry holds":    `{"actor":"a","action":"x","verdict":"allow","reasoning":"` + strings.Repeat("x", MaxEntrySize) + `"}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Canonical([]byte(in), now); err == nil {
				t.Fatalf("Canonical(%.80s) succeeded", in)
			}
		})
	}
}

func TestRecordRoundTripsExtraFields(t *testing.T) {
	var r Record
	in := `{"actor":"a","action":"x","verdict":"allow","time":"2026-11-27T01:02:03Z","ticket":"SEC-42"}`
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	if string(r.Extra["ticket"]) != `"SEC-42"` {
		t.Fatalf("Extra = %v", r.Extra)
	}
	b, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := Canonical(b, now)
	want, _ := Canonical([]byte(in), now)
	if string(got) != string(want) {
		t.Fatalf("round trip %s, want %s", got, want)
	}
}

func FuzzCanonical(f *testing.F) {
	f.Add([]byte(`{"actor":"a","action":"x","verdict":"allow","args":{"k":[1,"two",null,true]}}`))
	f.Add([]byte(`{"actor":"\u00e9\n","action":"<x>","verdict":"deny","n":1e400}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Canonical(in, now)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("Canonical gave invalid JSON %q", out)
		}
		again, err := Canonical(out, now)
		if err != nil || string(again) != string(out) {
			t.Fatalf("not idempotent: %q -> %q (%v)", out, again, err)
		}
	})
}

// canonicalBoth returns a record's stored form made directly and made the
// long way, through MarshalJSON and Canonical.
func canonicalBoth(r Record, now time.Time) (direct, marshalled []byte, derr, merr error) {
	direct, derr = r.canonical(now)
	raw, err := r.MarshalJSON()
	if err != nil {
		return direct, nil, derr, err
	}
	marshalled, merr = Canonical(raw, now)
	return direct, marshalled, derr, merr
}

func TestRecordCanonicalMatchesMarshalled(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	at := time.Date(2026, 12, 7, 9, 59, 58, 123456789, time.FixedZone("CET", 3600))
	base := Record{Time: at, Actor: "agent-7", Action: "tools/call", Verdict: "allow"}
	with := func(f func(r *Record)) Record {
		r := base
		r.Extra = map[string]json.RawMessage{}
		f(&r)
		return r
	}
	cases := map[string]Record{
		"minimal": base,
		"every field": with(func(r *Record) {
			*r = Record{Time: at, Actor: "a", OnBehalfOf: "bob@example.com", Action: "tools/call", Tool: "fs.read_file", Args: json.RawMessage(`{"path":"/x","n":1e3,"deep":[1,{"b":null,"a":true}]}`), Verdict: "deny", Reason: "no", Policy: &Policy{Name: "p", Version: "v1"}, Approver: "carol", Reasoning: "because"}
		}),
		"secret in args": with(func(r *Record) {
			r.Args = json.RawMessage(`{"env":"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","AKIAIOSFODNN7EXAMPLE":1}`)
		}),
		"given hash":     with(func(r *Record) { r.Args = json.RawMessage(`{}`); r.ArgsSHA256 = strings.Repeat("ab", 32) }),
		"bad hash":       with(func(r *Record) { r.ArgsSHA256 = "xyz" }),
		"html and lines": with(func(r *Record) { r.Reason = "<b>&amp;</b>\u2028\u2029\n\t\"\\" }),
		"invalid utf-8":  with(func(r *Record) { r.Reason = "a\xffb\xc3(c\xe2\x82"; r.Extra["k\xfe"] = json.RawMessage(`"v"`) }),
		"extras": with(func(r *Record) {
			r.Extra["session"] = json.RawMessage(` "s-1" `)
			r.Extra["checks"] = json.RawMessage(`["B","A"]`)
			r.Extra["n"] = json.RawMessage(`-0.5e-7`)
		}),
		"extra null":                   with(func(r *Record) { r.Extra["gone"] = nil }),
		"extra empty":                  with(func(r *Record) { r.Extra["gone"] = json.RawMessage{} }),
		"extra shadows":                with(func(r *Record) { r.Extra["actor"] = json.RawMessage(`"x"`) }),
		"extra fills an omitted field": with(func(r *Record) { r.Extra["reason"] = json.RawMessage(`"from extra"`) }),
		"extra fills with a number":    with(func(r *Record) { r.Extra["reason"] = json.RawMessage(`7`) }),
		"extra duplicate keys":         with(func(r *Record) { r.Extra["d"] = json.RawMessage(`{"a":1,"a":2}`) }),
		"extra invalid":                with(func(r *Record) { r.Extra["d"] = json.RawMessage(`{`) }),
		"args invalid":                 with(func(r *Record) { r.Args = json.RawMessage(`[1,]`) }),
		"bad verdict":                  with(func(r *Record) { r.Verdict = "maybe" }),
		"no actor":                     with(func(r *Record) { r.Actor = "" }),
		"policy without name":          with(func(r *Record) { r.Policy = &Policy{Version: "v"} }),
		"year 10000":                   with(func(r *Record) { r.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }),
		"too big":                      with(func(r *Record) { r.Reasoning = strings.Repeat("x", MaxEntrySize) }),
	}
	for name, r := range cases {
		d, m, derr, merr := canonicalBoth(r, now)
		if (derr != nil) != (merr != nil) {
			t.Errorf("%s: direct error %v, marshalled error %v", name, derr, merr)
			continue
		}
		if !bytes.Equal(d, m) {
			t.Errorf("%s:\ndirect     %s\nmarshalled %s", name, d, m)
		}
	}
}

func FuzzRecordCanonical(f *testing.F) {
	f.Add("agent", "tools/call", "allow", "why <&>", `{"a":1}`, "k", `"v"`, int64(0))
	f.Add("a\xff", "x", "deny", "", ``, "actor", `1`, int64(-1))
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, actor, action, verdict, reason, args, key, extra string, nanos int64) {
		r := Record{Actor: actor, Action: action, Verdict: verdict, Reason: reason, Args: json.RawMessage(args),
			Time: now.Add(time.Duration(nanos)), Extra: map[string]json.RawMessage{key: json.RawMessage(extra)}}
		if args == "" {
			r.Args = nil
		}
		d, m, derr, merr := canonicalBoth(r, now)
		if (derr != nil) != (merr != nil) || !bytes.Equal(d, m) {
			t.Errorf("direct %s (%v)\nmarshalled %s (%v)", d, derr, m, merr)
		}
	})
}

// BenchmarkRecordCanonical times a gateway decision record's stored form,
// made directly (as Enqueue and Append do) and through MarshalJSON and
// Canonical (as before).
//
//	go test -run '^$' -bench RecordCanonical ./internal/audit
func BenchmarkRecordCanonical(b *testing.B) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	r := Record{Time: now, Actor: "agent-7", Action: "tools/call", Tool: "web.report", Args: json.RawMessage(`{"url":"https://example.com/build/1234","format":"text"}`),
		Verdict: "allow", Policy: &Policy{Name: "parapet-gateway", Version: "sha256:0f1e2d3c"},
		Extra: map[string]json.RawMessage{"session": json.RawMessage(`"3f9a1c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"`), "latency_ms": json.RawMessage(`1.25`),
			"findings": json.RawMessage(`[]`), "upstream": json.RawMessage(`"web"`)}}
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.canonical(now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("marshalled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			raw, err := r.MarshalJSON()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := Canonical(raw, now); err != nil {
				b.Fatal(err)
			}
		}
	})
}
