package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh"
)

const agentPlan = "../../internal/collect/terraform/testdata/agent.plan.json"

func TestPlanApproveAndVerifyExitCodes(t *testing.T) {
	dir := t.TempDir()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	key := filepath.Join(dir, "alice.key")
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	keys := filepath.Join(dir, "approvers")
	os.Mkdir(keys, 0o755)
	sp, _ := ssh.NewPublicKey(pub)
	os.WriteFile(filepath.Join(keys, "alice.pub"), ssh.MarshalAuthorizedKey(sp), 0o644)

	data, err := os.ReadFile(agentPlan)
	if err != nil {
		t.Fatal(err)
	}
	plan := filepath.Join(dir, "plan.json")
	os.WriteFile(plan, data, 0o644)
	tfplan := filepath.Join(dir, "tfplan")
	os.WriteFile(tfplan, []byte("PK\x03\x04 plan"), 0o644)

	if code := run([]string{"plan", "approve", plan, "--planfile", tfplan, "--key", key, "--approver", "alice", "--expires", "1h"}); code != exitClean {
		t.Fatalf("approve exit %d", code)
	}
	if _, err := os.Stat(plan + ".approval.json"); err != nil {
		t.Fatalf("no envelope written: %v", err)
	}
	out := filepath.Join(dir, "verify.json")
	if code := run([]string{"plan", "verify", plan, "--planfile", tfplan, "--keys", keys, "--format", "json"}); code != exitClean {
		t.Fatalf("verify of an unchanged plan exit %d", code)
	}
	os.WriteFile(tfplan, []byte("PK\x03\x04 plaN"), 0o644)
	stdout := os.Stdout
	f, _ := os.Create(out)
	os.Stdout = f
	code := run([]string{"plan", "verify", plan, "--planfile", tfplan, "--keys", keys, "--format", "json"})
	os.Stdout = stdout
	f.Close()
	if code != exitFindings {
		t.Fatalf("verify of a changed plan file exit %d, want %d", code, exitFindings)
	}
	var res struct {
		Verified bool   `json:"verified"`
		Error    string `json:"error"`
	}
	b, _ := os.ReadFile(out)
	if err := json.Unmarshal(b, &res); err != nil || res.Verified || res.Error == "" {
		t.Errorf("verification JSON = %s (%v)", b, err)
	}
	if code := run([]string{"plan", "verify", plan, "--keys", filepath.Join(dir, "missing")}); code != exitUsage {
		t.Errorf("missing key folder exit %d, want %d", code, exitUsage)
	}
	if code := run([]string{"plan", "approve", plan}); code != exitUsage {
		t.Errorf("approve without --key exit %d, want %d", code, exitUsage)
	}
}
