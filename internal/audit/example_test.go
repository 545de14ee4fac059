package audit_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/parapet-sec/parapet/internal/audit"
	"github.com/parapet-sec/parapet/internal/store"
)

// A producer such as the gateway opens the log, appends each decision and
// gets its index once it is durable; an auditor checks a signed checkpoint
// and an inclusion proof with the verifier key alone.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "audit-example")
	defer os.RemoveAll(dir)

	// Once, at setup: a store, a signing key kept apart from it, a log.
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "audit.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	skey, vkey, _ := audit.GenerateKey("audit.example.com/prod")
	if err := audit.WriteKeyFile(filepath.Join(dir, "keys", "audit.key"), skey); err != nil {
		log.Fatal(err)
	}
	if err := audit.Create(ctx, st, "audit.example.com/prod", vkey); err != nil {
		log.Fatal(err)
	}

	// The producer.
	verifier, _ := note.NewVerifier(vkey)
	l, err := audit.Open(ctx, st, verifier)
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	idx, err := l.Append(ctx, audit.Record{
		Time:    time.Date(2026, 11, 27, 10, 0, 5, 0, time.UTC),
		Actor:   "deploy-agent-7",
		Action:  "tools/call",
		Tool:    "kubectl/delete",
		Verdict: "deny",
		Reason:  "deleting a production deployment needs an approval",
		Policy:  &audit.Policy{Name: "parapet.builtin", Version: "1.0.0"},
	})
	if err != nil {
		log.Fatal(err) // no record, no action: the gateway denies
	}
	signer, _ := audit.LoadSigner(filepath.Join(dir, "keys", "audit.key"))
	signed, _ := l.Checkpoint(ctx, signer)

	// The auditor.
	cp, _, err := audit.OpenCheckpoint(signed, verifier)
	if err != nil {
		log.Fatal(err)
	}
	entry, _ := l.Entry(ctx, idx)
	proof, _ := l.InclusionProof(ctx, idx, cp.Size)
	fmt.Println("entry", idx, "of", cp.Size)
	fmt.Println("included:", audit.VerifyInclusion(idx, cp.Size, audit.LeafHash(entry), proof, cp.Hash) == nil)
	_, err = l.Verify(ctx, signed)
	fmt.Println("log verifies:", err == nil)
	fmt.Println(string(entry))
	// Output:
	// entry 0 of 1
	// included: true
	// log verifies: true
	// {"action":"tools/call","actor":"deploy-agent-7","policy":{"name":"parapet.builtin","version":"1.0.0"},"reason":"deleting a production deployment needs an approval","time":"2026-11-27T10:00:05Z","tool":"kubectl/delete","verdict":"deny"}
}
