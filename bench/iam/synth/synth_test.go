package synth

import (
	"encoding/json"
	"os"
	"testing"
)

func TestWriteProducesAuthorizationDetailsPerAccount(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Seed: 7, Accounts: 3, OUs: 2, Users: 30, Roles: 60, Policies: 90}
	f, err := Write(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Authz) != 3 {
		t.Fatalf("got %d files, want one per account", len(f.Authz))
	}
	var total struct{ users, roles, policies int }
	for _, name := range f.Authz {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			UserDetailList, RoleDetailList, GroupDetailList, Policies []json.RawMessage
		}
		if err := json.Unmarshal(data, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		total.users += len(d.UserDetailList)
		total.roles += len(d.RoleDetailList)
		total.policies += len(d.Policies)
	}
	if total.users != 30 || total.roles != 60 || total.policies != 90 {
		t.Errorf("generated %+v, want 30 users, 60 roles, 90 policies", total)
	}
	again, err := Write(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(f.Authz[0])
	b, _ := os.ReadFile(again.Authz[0])
	if string(a) != string(b) {
		t.Error("the same seed gave different output")
	}
}
