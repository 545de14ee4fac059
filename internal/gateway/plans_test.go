package gateway

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlanArgumentsCannotMakeTheGatewayReadAnything(t *testing.T) {
	dir := t.TempDir()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(pub)
	os.WriteFile(filepath.Join(dir, "alice.pem"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)
	big := filepath.Join(t.TempDir(), "big.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(maxPlanFileSize + 1) // sparse: no disk used
	f.Close()
	cases := []struct {
		name string
		args map[string]any
		want string
	}{
		{"a plan path naming a device is refused", map[string]any{"plan": "/dev/zero"}, "not a regular file"},
		{"a plan file path naming a device is refused", map[string]any{"plan_json": "{}", "approval_envelope": "{}", "planfile": "/dev/zero"}, "not a regular file"},
		{"an approval path naming a device is refused", map[string]any{"plan_json": "{}", "approval": "/dev/zero"}, "not a regular file"},
		{"a plan larger than any plan is refused", map[string]any{"plan": big}, "larger than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := PlanKeys{Dir: dir}.VerifyPlan(context.Background(), c.args)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}
