// Package plan signs and verifies approvals of Terraform plans, so that an
// agent may apply only a plan a human approved, unchanged and in time.
//
// An approval is a DSSE envelope (payload type application/vnd.in-toto+json)
// holding an in-toto Statement v1. Its subjects are the SHA-256 of the plan
// JSON in RFC 8785 canonical form (so reformatting the JSON does not matter,
// any change of content does) and, when given, of the binary plan file that
// `terraform apply` runs. Its predicate (type PredicateType) names the
// approver, when they approved and until when the approval holds. Keys are
// Ed25519, in PEM PKCS#8 or OpenSSH format.
package plan

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Media and statement types.
const (
	PayloadType   = "application/vnd.in-toto+json"
	StatementType = "https://in-toto.io/Statement/v1"
	// PredicateType identifies Parapet's plan approval predicate.
	PredicateType = "https://parapet.dev/attestation/terraform-plan-approval/v1"
)

// Subject names: the roles of the two digests an approval covers.
const (
	SubjectPlanJSON = "plan.json"
	SubjectPlanFile = "tfplan"
)

// DefaultValidity is how long an approval holds when no expiry is given.
const DefaultValidity = 24 * time.Hour

// maxClockSkew is how far in the future an approval's time may lie.
const maxClockSkew = 5 * time.Minute

// Envelope is a DSSE envelope.
type Envelope struct {
	PayloadType string      `json:"payloadType"`
	Payload     string      `json:"payload"` // base64 (standard, padded)
	Signatures  []Signature `json:"signatures"`
}

// Signature is one DSSE signature.
type Signature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"` // base64
}

// Statement is an in-toto Statement v1.
type Statement struct {
	Type          string    `json:"_type"`
	Subject       []Subject `json:"subject"`
	PredicateType string    `json:"predicateType"`
	Predicate     Predicate `json:"predicate"`
}

// Subject is an in-toto ResourceDescriptor with a digest.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// Predicate is what an approval says about the plan.
type Predicate struct {
	Approver   string `json:"approver"`
	ApprovedAt string `json:"approved_at"` // RFC 3339, UTC
	ExpiresAt  string `json:"expires_at"`  // RFC 3339, UTC
	// TerraformVersion is the plan's terraform_version, for reviewers.
	TerraformVersion string `json:"terraform_version,omitempty"`
}

// decodeBase64 reads base64 in any of the encodings DSSE allows readers
// to accept: standard or URL-safe, padded or not.
func decodeBase64(s string) ([]byte, error) {
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		var b []byte
		if b, err = enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, err
}

// PAE is DSSE's pre-authentication encoding, the bytes that are signed.
func PAE(payloadType string, payload []byte) []byte {
	return fmt.Appendf(nil, "DSSEv1 %d %s %d %s", len(payloadType), payloadType, len(payload), payload)
}

// PlanDigest returns the hex SHA-256 of the canonical (RFC 8785) form of
// plan JSON.
func PlanDigest(planJSON []byte) (string, error) {
	canon, err := Canonicalize(planJSON)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:]), nil
}

func fileDigest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Approval is what Approve signs and Verify checks.
type Approval struct {
	PlanJSON []byte // required
	PlanFile []byte // the binary plan file; nil when not covered
	Approver string
	// At is the approval time (default now) and Validity how long it holds
	// (default DefaultValidity).
	At       time.Time
	Validity time.Duration
}

// Approve signs an approval of a plan with key and returns the DSSE
// envelope as indented JSON.
func Approve(a Approval, key ed25519.PrivateKey) ([]byte, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("approve: not an Ed25519 private key")
	}
	if strings.TrimSpace(a.Approver) == "" {
		return nil, errors.New("approve: an approver name is required (--approver)")
	}
	digest, err := PlanDigest(a.PlanJSON)
	if err != nil {
		return nil, fmt.Errorf("approve: plan JSON: %w", err)
	}
	var meta struct {
		FormatVersion    string          `json:"format_version"`
		TerraformVersion string          `json:"terraform_version"`
		PlannedValues    json.RawMessage `json:"planned_values"`
		ResourceChanges  json.RawMessage `json:"resource_changes"`
	}
	_ = json.Unmarshal(a.PlanJSON, &meta)
	if meta.FormatVersion == "" || meta.PlannedValues == nil && meta.ResourceChanges == nil {
		return nil, errors.New("approve: not plan JSON (no format_version and planned_values); give `terraform show -json tfplan` output")
	}
	at := a.At
	if at.IsZero() {
		at = time.Now()
	}
	validity := a.Validity
	if validity == 0 {
		validity = DefaultValidity
	}
	if validity < 0 {
		return nil, errors.New("approve: validity must be positive")
	}
	st := Statement{
		Type:          StatementType,
		Subject:       []Subject{{Name: SubjectPlanJSON, Digest: map[string]string{"sha256": digest}}},
		PredicateType: PredicateType,
		Predicate: Predicate{
			Approver:         a.Approver,
			ApprovedAt:       at.UTC().Format(time.RFC3339),
			ExpiresAt:        at.Add(validity).UTC().Format(time.RFC3339),
			TerraformVersion: meta.TerraformVersion,
		},
	}
	if a.PlanFile != nil {
		st.Subject = append(st.Subject, Subject{Name: SubjectPlanFile, Digest: map[string]string{"sha256": fileDigest(a.PlanFile)}})
	}
	payload, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	pub := key.Public().(ed25519.PublicKey)
	env := Envelope{
		PayloadType: PayloadType,
		Payload:     base64.StdEncoding.EncodeToString(payload),
		Signatures:  []Signature{{KeyID: KeyID(pub), Sig: base64.StdEncoding.EncodeToString(ed25519.Sign(key, PAE(PayloadType, payload)))}},
	}
	return json.MarshalIndent(env, "", "  ")
}

// Verified describes an approval that passed Verify.
type Verified struct {
	Approver   string
	KeyID      string
	KeyName    string // the allowed key's file
	ApprovedAt time.Time
	ExpiresAt  time.Time
	PlanFile   bool // the approval covers the binary plan file too
}

// VerifyRequest is what Verify checks.
type VerifyRequest struct {
	Envelope []byte
	PlanJSON []byte
	// PlanFile is the binary plan file about to be applied, or nil. An
	// approval that covers a plan file is only accepted with it.
	PlanFile []byte
	// Keys are the allowed approvers' public keys.
	Keys []PublicKey
	// Now is the time of the check (default time.Now()).
	Now time.Time
}

// Verify passes only an unchanged, unexpired plan signed by an allowed
// approver. It fails closed: every error says what did not hold.
func Verify(r VerifyRequest) (*Verified, error) {
	if len(r.Keys) == 0 {
		return nil, errors.New("verify: no allowed approver keys")
	}
	var env Envelope
	if err := json.Unmarshal(r.Envelope, &env); err != nil {
		return nil, fmt.Errorf("verify: envelope is not DSSE JSON: %w", err)
	}
	if env.PayloadType != PayloadType {
		return nil, fmt.Errorf("verify: envelope payloadType %q, want %q", env.PayloadType, PayloadType)
	}
	payload, err := decodeBase64(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("verify: envelope payload is not base64: %w", err)
	}
	if len(env.Signatures) == 0 {
		return nil, errors.New("verify: envelope has no signature")
	}
	pae := PAE(env.PayloadType, payload)
	var signer *PublicKey
	var seen []string
	for _, s := range env.Signatures {
		sig, err := decodeBase64(s.Sig)
		if err != nil {
			continue
		}
		for i := range r.Keys {
			k := &r.Keys[i]
			id := KeyID(k.Key)
			if s.KeyID != "" && s.KeyID != id {
				continue
			}
			if ed25519.Verify(k.Key, pae, sig) {
				signer = k
				break
			}
		}
		if signer != nil {
			break
		}
		seen = append(seen, s.KeyID)
	}
	if signer == nil {
		for _, id := range seen {
			known := false
			for _, k := range r.Keys {
				known = known || KeyID(k.Key) == id
			}
			if id != "" && !known {
				return nil, fmt.Errorf("verify: signed by key %s, which is not among the %d allowed approver keys", id, len(r.Keys))
			}
		}
		return nil, errors.New("verify: no signature verifies with an allowed approver key (the envelope was altered or signed by another key)")
	}
	var st Statement
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("verify: statement: %w", err)
	}
	if st.Type != StatementType {
		return nil, fmt.Errorf("verify: statement _type %q, want %q", st.Type, StatementType)
	}
	if st.PredicateType != PredicateType {
		return nil, fmt.Errorf("verify: predicateType %q, want %q", st.PredicateType, PredicateType)
	}
	want := map[string]string{}
	for _, s := range st.Subject {
		if _, dup := want[s.Name]; dup {
			return nil, fmt.Errorf("verify: subject %q appears twice", s.Name)
		}
		want[s.Name] = s.Digest["sha256"]
	}
	approved, ok := want[SubjectPlanJSON]
	if !ok || approved == "" {
		return nil, errors.New("verify: approval has no plan JSON subject")
	}
	got, err := PlanDigest(r.PlanJSON)
	if err != nil {
		return nil, fmt.Errorf("verify: plan JSON: %w", err)
	}
	if got != approved {
		return nil, fmt.Errorf("verify: plan JSON changed since approval: sha256 %s, approved %s", got, approved)
	}
	v := &Verified{Approver: st.Predicate.Approver, KeyID: KeyID(signer.Key), KeyName: signer.Name}
	if fileWant, covers := want[SubjectPlanFile]; covers {
		if r.PlanFile == nil {
			return nil, errors.New("verify: the approval covers a binary plan file; give the plan file that will be applied")
		}
		if got := fileDigest(r.PlanFile); got != fileWant {
			return nil, fmt.Errorf("verify: plan file changed since approval: sha256 %s, approved %s", got, fileWant)
		}
		v.PlanFile = true
	} else if r.PlanFile != nil {
		return nil, errors.New("verify: the approval does not cover a binary plan file; approve it with --planfile")
	}
	now := r.Now
	if now.IsZero() {
		now = time.Now()
	}
	if v.ApprovedAt, err = time.Parse(time.RFC3339, st.Predicate.ApprovedAt); err != nil {
		return nil, fmt.Errorf("verify: approved_at: %w", err)
	}
	if v.ExpiresAt, err = time.Parse(time.RFC3339, st.Predicate.ExpiresAt); err != nil {
		return nil, fmt.Errorf("verify: expires_at: %w", err)
	}
	if !now.Before(v.ExpiresAt) {
		return nil, fmt.Errorf("verify: approval by %s expired at %s", v.Approver, v.ExpiresAt.Format(time.RFC3339))
	}
	if v.ApprovedAt.After(now.Add(maxClockSkew)) {
		return nil, fmt.Errorf("verify: approval is dated %s, in the future", v.ApprovedAt.Format(time.RFC3339))
	}
	return v, nil
}
