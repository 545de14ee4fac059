package plan

import (
	"crypto/ed25519"
	"testing"
	"time"
)

// FuzzVerify: any envelope is refused or verified, never a panic, and never
// verified unless a real signature of the fixed key covers it.
func FuzzVerify(f *testing.F) {
	seed := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	planJSON := []byte(`{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[]}`)
	at := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
	good, err := Approve(Approval{PlanJSON: planJSON, Approver: "alice", At: at, Validity: time.Hour}, seed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"","sig":"AAAA"}]}`))
	f.Add([]byte(`{}`))
	keys := []PublicKey{{Name: "alice.pub", Key: seed.Public().(ed25519.PublicKey)}}
	f.Fuzz(func(t *testing.T, env []byte) {
		v, err := Verify(VerifyRequest{Envelope: env, PlanJSON: planJSON, Keys: keys, Now: at.Add(time.Minute)})
		if err == nil && (v == nil || v.Approver == "") {
			t.Fatalf("verified without an approver: %+v", v)
		}
	})
}

// FuzzParseKeys: key files from disk never panic the parsers.
func FuzzParseKeys(f *testing.F) {
	f.Add([]byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJ4ZXhhbXBsZWtleWJ5dGVzMDAwMDAwMDAwMDAwMDAw alice\n"))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParsePublicKey("k.pub", data)
		ParsePrivateKey("k", data)
	})
}

func BenchmarkCanonicalize(b *testing.B) {
	data := readPlanB(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Canonicalize(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures one full verification of the agent plan's
// approval: canonical digest, signature and expiry.
func BenchmarkVerify(b *testing.B) {
	data := readPlanB(b)
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	at := time.Now()
	env, err := Approve(Approval{PlanJSON: data, Approver: "alice", At: at}, key)
	if err != nil {
		b.Fatal(err)
	}
	keys := []PublicKey{{Name: "alice.pub", Key: key.Public().(ed25519.PublicKey)}}
	for b.Loop() {
		if _, err := Verify(VerifyRequest{Envelope: env, PlanJSON: data, Keys: keys, Now: at}); err != nil {
			b.Fatal(err)
		}
	}
}
