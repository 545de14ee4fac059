package audit

import (
	"context"
	"fmt"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/parapet-sec/parapet/internal/store"
	"github.com/parapet-sec/parapet/internal/store/storetest"
)

const testOrigin = "audit.example.com/test"

// newTestLog creates a log in a fresh store of kind k and returns it with
// its signer and the store's location.
func newTestLog(t testing.TB, k storetest.Kind) (*Log, note.Signer, string) {
	t.Helper()
	l, skey, loc := newTestLogKey(t, k)
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return l, signer, loc
}

// newTestLogKey is newTestLog returning the signing key's text.
func newTestLogKey(t testing.TB, k storetest.Kind) (*Log, string, string) {
	t.Helper()
	loc := k.New(t)
	st := storetest.Open(t, loc)
	skey, vkey, err := GenerateKey(testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := Create(ctx, st, testOrigin, vkey); err != nil {
		t.Fatal(err)
	}
	l, err := Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, skey, loc
}

// reopen opens the log at loc again in a new store handle.
func reopen(t testing.TB, loc string) *Log {
	t.Helper()
	st := storetest.Open(t, loc)
	l, err := Open(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// testRecord is a decision record numbered i.
func testRecord(i int) Record {
	return Record{
		Time:    time.Date(2026, 11, 27, 1, 0, 0, i*1000, time.UTC),
		Actor:   "arn:aws:sts::111122223333:assumed-role/deploy-agent/session-7",
		Action:  "tools/call",
		Tool:    "kubectl/apply",
		Args:    []byte(fmt.Sprintf(`{"n":%d,"manifest":"deployment.yaml"}`, i)),
		Verdict: "allow",
		Policy:  &Policy{Name: "parapet.builtin", Version: "1"},
	}
}

// appendN appends n test records and returns the size after.
func appendN(t testing.TB, l *Log, from, n int) {
	t.Helper()
	ctx := context.Background()
	rs := make([]*Receipt, n)
	for i := range n {
		r, err := l.Enqueue(testRecord(from + i))
		if err != nil {
			t.Fatal(err)
		}
		rs[i] = r
	}
	for _, r := range rs {
		if _, err := r.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// appendRaw commits raw entries in batches straight through the writer.
func appendRaw(t testing.TB, l *Log, entries func(i int) []byte, n int) {
	t.Helper()
	ctx := context.Background()
	const chunk = 50000
	for start := 0; start < n; start += chunk {
		rs := make([]*Receipt, 0, chunk)
		for i := start; i < min(n, start+chunk); i++ {
			r, err := l.enqueueData(ctx, entries(i))
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
		}
		for _, r := range rs {
			if _, err := r.Wait(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
}

var _ store.Store

func noteVerifier(vkey string) (note.Verifier, error) { return note.NewVerifier(vkey) }
func noteSigner(skey string) (note.Signer, error)     { return note.NewSigner(skey) }
