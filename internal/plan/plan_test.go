package plan

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"golang.org/x/crypto/ssh"
)

const planPath = "../collect/terraform/testdata/agent.plan.json"

// approver makes a key pair and writes it in the given format to dir.
func approver(t *testing.T, dir, name, format string) (ed25519.PrivateKey, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var privPEM, pubText []byte
	switch format {
	case "pem":
		der, _ := x509.MarshalPKCS8PrivateKey(priv)
		privPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		pder, _ := x509.MarshalPKIXPublicKey(pub)
		pubText = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder})
	case "openssh":
		blk, err := ssh.MarshalPrivateKey(priv, name+"@example")
		if err != nil {
			t.Fatal(err)
		}
		privPEM = pem.EncodeToMemory(blk)
		sp, _ := ssh.NewPublicKey(pub)
		pubText = ssh.MarshalAuthorizedKey(sp)
	}
	keyPath := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(keyPath, privPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	ext := ".pub"
	if format == "pem" {
		ext = ".pem"
	}
	if dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name+ext), pubText, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return priv, keyPath
}

func readPlan(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readPlanB(b *testing.B) []byte {
	b.Helper()
	data, err := os.ReadFile(planPath)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func TestApprovedPlansVerify(t *testing.T) {
	for _, format := range []string{"pem", "openssh"} {
		t.Run(format, func(t *testing.T) {
			keys := t.TempDir()
			_, keyPath := approver(t, keys, "alice", format)
			data, _ := os.ReadFile(keyPath)
			key, err := ParsePrivateKey(keyPath, data)
			if err != nil {
				t.Fatal(err)
			}
			planJSON, planFile := readPlan(t), []byte("PK\x03\x04 binary plan")
			now := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
			env, err := Approve(Approval{PlanJSON: planJSON, PlanFile: planFile, Approver: "alice", At: now, Validity: time.Hour}, key)
			if err != nil {
				t.Fatal(err)
			}
			allowed, err := LoadPublicKeys(keys)
			if err != nil {
				t.Fatal(err)
			}
			v, err := Verify(VerifyRequest{Envelope: env, PlanJSON: planJSON, PlanFile: planFile, Keys: allowed, Now: now.Add(30 * time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
			if v.Approver != "alice" || !v.PlanFile || v.KeyID != KeyID(key.Public().(ed25519.PublicKey)) || !v.ExpiresAt.Equal(now.Add(time.Hour)) {
				t.Errorf("verified = %+v", v)
			}
			// The same content reformatted is the same plan.
			var doc any
			json.Unmarshal(planJSON, &doc)
			pretty, _ := json.MarshalIndent(doc, "", "    ")
			if _, err := Verify(VerifyRequest{Envelope: env, PlanJSON: pretty, PlanFile: planFile, Keys: allowed, Now: now}); err != nil {
				t.Errorf("reformatted plan JSON failed: %v", err)
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	keys := t.TempDir()
	alice, _ := approver(t, keys, "alice", "openssh")
	mallory, _ := approver(t, "", "mallory", "pem")
	allowed, err := LoadPublicKeys(keys)
	if err != nil {
		t.Fatal(err)
	}
	planJSON, planFile := readPlan(t), []byte("PK\x03\x04 binary plan")
	now := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
	good, err := Approve(Approval{PlanJSON: planJSON, PlanFile: planFile, Approver: "alice", At: now, Validity: time.Hour}, alice)
	if err != nil {
		t.Fatal(err)
	}
	byMallory, _ := Approve(Approval{PlanJSON: planJSON, PlanFile: planFile, Approver: "alice", At: now, Validity: time.Hour}, mallory)
	noFile, _ := Approve(Approval{PlanJSON: planJSON, Approver: "alice", At: now, Validity: time.Hour}, alice)

	flip := func(b []byte, at int) []byte {
		c := bytes.Clone(b)
		c[at] ^= 0x01
		return c
	}
	// A byte of a string value inside the plan: "acme-agent" -> "acme-agenu".
	i := bytes.Index(planJSON, []byte(`"acme-agent"`)) + len(`"acme-agen`)
	var env Envelope
	json.Unmarshal(good, &env)
	env.Payload = strings.Replace(env.Payload, env.Payload[10:11], string(env.Payload[10]^1), 1)
	tampered, _ := json.Marshal(env)

	tests := []struct {
		name     string
		envelope []byte
		plan     []byte
		file     []byte
		now      time.Time
		want     string
	}{
		{"one changed byte in the plan JSON", good, flip(planJSON, i), planFile, now, "plan JSON changed since approval"},
		{"one changed byte in the plan file", good, planJSON, flip(planFile, 5), now, "plan file changed since approval"},
		{"an expired approval", good, planJSON, planFile, now.Add(time.Hour), "expired at 2026-11-27T02:00:00Z"},
		{"a key that is not an allowed approver's", byMallory, planJSON, planFile, now, "not among the 1 allowed approver keys"},
		{"an altered envelope", tampered, planJSON, planFile, now, "no signature verifies"},
		{"a missing plan file the approval covers", good, planJSON, nil, now, "covers a binary plan file"},
		{"a plan file the approval does not cover", noFile, planJSON, planFile, now, "does not cover a binary plan file"},
		{"an approval dated in the future", good, planJSON, planFile, now.Add(-time.Hour), "in the future"},
		{"plan JSON that is not JSON", good, []byte("{"), planFile, now, "plan JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify(VerifyRequest{Envelope: tt.envelope, PlanJSON: tt.plan, PlanFile: tt.file, Keys: allowed, Now: tt.now})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

// ed25519Verifier adapts a key to the securesystemslib DSSE verifier.
type ed25519Verifier struct{ pub ed25519.PublicKey }

func (v ed25519Verifier) Verify(_ context.Context, data, sig []byte) error {
	if !ed25519.Verify(v.pub, data, sig) {
		return errors.New("bad signature")
	}
	return nil
}
func (v ed25519Verifier) KeyID() (string, error)   { return KeyID(v.pub), nil }
func (v ed25519Verifier) Public() crypto.PublicKey { return v.pub }

func TestEnvelopeVerifiesWithAStandardDSSEVerifier(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	out, err := Approve(Approval{PlanJSON: readPlan(t), Approver: "alice"}, key)
	if err != nil {
		t.Fatal(err)
	}
	var env dsse.Envelope
	if err := json.Unmarshal(out, &env); err != nil {
		t.Fatal(err)
	}
	ev, err := dsse.NewEnvelopeVerifier(ed25519Verifier{key.Public().(ed25519.PublicKey)})
	if err != nil {
		t.Fatal(err)
	}
	accepted, payload, err := ev.VerifyAndDecode(context.Background(), &env)
	if err != nil || len(accepted) != 1 {
		t.Fatalf("standard verifier: %v (accepted %d)", err, len(accepted))
	}
	var st Statement
	if err := json.Unmarshal(payload, &st); err != nil || st.Type != StatementType || st.PredicateType != PredicateType {
		t.Errorf("statement = %+v, %v", st, err)
	}
	if !bytes.Equal(dsse.PAE(env.PayloadType, payload), PAE(env.PayloadType, payload)) {
		t.Error("PAE differs from the reference implementation's")
	}
	// And a different key does not verify.
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	ev2, _ := dsse.NewEnvelopeVerifier(ed25519Verifier{other})
	if _, err := ev2.Verify(context.Background(), &env); err == nil {
		t.Error("an envelope verified with another key")
	}
}

func TestKeyFilesThatAreNotEd25519AreRefused(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.pub"), []byte("ssh-ed25519 notbase64 x\n"), 0o644)
	if _, err := LoadPublicKeys(dir); err == nil || !strings.Contains(err.Error(), "bad.pub") {
		t.Errorf("error = %v, want it to name bad.pub", err)
	}
	if _, err := LoadPublicKeys(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no .pub or .pem") {
		t.Errorf("empty folder error = %v", err)
	}
	if _, err := ParsePrivateKey("k", []byte("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n")); err == nil || !strings.Contains(err.Error(), "not an Ed25519") {
		t.Errorf("RSA key error = %v", err)
	}
}

func TestVerifyFilesReadsTheApprovalBesideThePlan(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	os.Mkdir(keys, 0o755)
	key, _ := approver(t, keys, "alice", "openssh")
	planPath := filepath.Join(dir, "plan.json")
	os.WriteFile(planPath, readPlan(t), 0o644)
	if _, err := VerifyFiles(planPath, "", "", keys, time.Time{}); err == nil || !strings.Contains(err.Error(), "no approval") {
		t.Errorf("without an approval: %v", err)
	}
	env, err := Approve(Approval{PlanJSON: readPlan(t), Approver: "alice"}, key)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(ApprovalFile(planPath), env, 0o644)
	v, err := VerifyFiles(planPath, "", "", keys, time.Time{})
	if err != nil || v.Approver != "alice" {
		t.Errorf("VerifyFiles = %+v, %v", v, err)
	}
}
