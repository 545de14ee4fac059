package plan_test

import (
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/parapet-sec/parapet/internal/plan"
)

// An approver signs a plan; before apply, the gateway verifies it against
// the allowed approvers' keys.
func ExampleVerify() {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	planJSON := []byte(`{"format_version":"1.2","terraform_version":"1.9.5","planned_values":{}}`)
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	env, _ := plan.Approve(plan.Approval{PlanJSON: planJSON, Approver: "alice", At: at, Validity: 4 * time.Hour}, key)

	allowed := []plan.PublicKey{{Name: "alice.pub", Key: key.Public().(ed25519.PublicKey)}}
	v, err := plan.Verify(plan.VerifyRequest{Envelope: env, PlanJSON: planJSON, Keys: allowed, Now: at.Add(time.Hour)})
	fmt.Println(v.Approver, v.ExpiresAt.Format(time.RFC3339), err)

	_, err = plan.Verify(plan.VerifyRequest{Envelope: env, PlanJSON: planJSON, Keys: allowed, Now: at.Add(5 * time.Hour)})
	fmt.Println(err)
	// Output:
	// alice 2026-11-27T13:00:00Z <nil>
	// verify: approval by alice expired at 2026-11-27T13:00:00Z
}
