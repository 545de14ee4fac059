package plan

import (
	"fmt"
	"os"
	"time"
)

// ApprovalFile is where `parapet plan approve` writes the approval of the
// plan JSON at planJSON unless told otherwise.
func ApprovalFile(planJSON string) string { return planJSON + ".approval.json" }

// VerifyFiles is Verify over files, for callers that hold paths (the
// gateway before an agent's `terraform apply`): the plan JSON, the binary
// plan file ("" when the approval covers none), the envelope ("" for
// ApprovalFile(planJSON)) and the folder of allowed approvers' keys. now
// zero means time.Now. Every error names the file or the check that failed.
func VerifyFiles(planJSON, planFile, envelope, keysDir string, now time.Time) (*Verified, error) {
	keys, err := LoadPublicKeys(keysDir)
	if err != nil {
		return nil, err
	}
	pj, err := os.ReadFile(planJSON)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	var pf []byte
	if planFile != "" {
		if pf, err = os.ReadFile(planFile); err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
	}
	if envelope == "" {
		envelope = ApprovalFile(planJSON)
	}
	env, err := os.ReadFile(envelope)
	if err != nil {
		return nil, fmt.Errorf("verify: no approval: %w", err)
	}
	v, err := Verify(VerifyRequest{Envelope: env, PlanJSON: pj, PlanFile: pf, Keys: keys, Now: now})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", planJSON, err)
	}
	return v, nil
}
