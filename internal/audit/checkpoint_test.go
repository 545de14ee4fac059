package audit_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/parapet-sec/parapet/internal/audit"
	"github.com/parapet-sec/parapet/internal/store"
)

// parseWithNoteOnly reads a signed checkpoint as an outside verifier would,
// with golang.org/x/mod/sumdb/note and the C2SP tlog-checkpoint text rules
// alone: origin line, decimal size, base64 root hash.
func parseWithNoteOnly(t *testing.T, signed []byte, verifiers ...note.Verifier) (origin string, size uint64, root []byte, n *note.Note) {
	t.Helper()
	n, err := note.Open(signed, note.VerifierList(verifiers...))
	if err != nil {
		t.Fatalf("note.Open: %v\n%s", err, signed)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		t.Fatalf("checkpoint body %q is not origin, size, root and a final newline", n.Text)
	}
	size, err = strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		t.Fatalf("size line %q: %v", lines[1], err)
	}
	root, err = base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		t.Fatalf("root line %q: %v", lines[2], err)
	}
	return lines[0], size, root, n
}

func TestCheckpointsAreSignedNotesInTheTlogCheckpointFormat(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const origin = "audit.example.com/prod"
	skey, vkey, err := audit.GenerateKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.Create(ctx, st, origin, vkey); err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	l, err := audit.Open(ctx, st, v)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := range 300 {
		if _, err := l.Append(ctx, audit.Record{Time: time.Unix(int64(i), 0), Actor: "agent-7", Action: "tools/call", Verdict: "deny"}); err != nil {
			t.Fatal(err)
		}
	}
	signed, err := l.Checkpoint(ctx, signer)
	if err != nil {
		t.Fatal(err)
	}
	gotOrigin, size, root, n := parseWithNoteOnly(t, signed, v)
	want, err := l.RootHash(ctx, 300)
	if err != nil {
		t.Fatal(err)
	}
	if gotOrigin != origin || size != 300 || !bytes.Equal(root, want) {
		t.Fatalf("checkpoint says %q %d %x, want %q 300 %x", gotOrigin, size, root, origin, want)
	}
	if len(n.Sigs) != 1 || n.Sigs[0].Name != origin {
		t.Fatalf("signatures %+v, want one by %q", n.Sigs, origin)
	}

	t.Run("a note signed by another key does not verify", func(t *testing.T) {
		_, otherV, _ := note.GenerateKey(rand.Reader, origin)
		ov, _ := note.NewVerifier(otherV)
		if _, err := note.Open(signed, note.VerifierList(ov)); err == nil {
			t.Fatal("checkpoint verified with the wrong key")
		}
	})

	t.Run("a witness cosignature is kept beside the log's signature", func(t *testing.T) {
		wskey, wvkey, _ := note.GenerateKey(rand.Reader, "witness.example.org")
		ws, _ := note.NewSigner(wskey)
		wv, _ := note.NewVerifier(wvkey)
		cosigned, err := note.Sign(&note.Note{Text: n.Text, Sigs: n.Sigs}, ws)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.AddCosignatures(ctx, cosigned); err != nil {
			t.Fatal(err)
		}
		latest, err := l.LatestCheckpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, _, _, n2 := parseWithNoteOnly(t, latest, v, wv)
		if len(n2.Sigs) != 2 {
			t.Fatalf("stored checkpoint has %d verified signatures, want the log's and the witness's", len(n2.Sigs))
		}
		// Signing again at the same size returns the cosigned note.
		again, err := l.Checkpoint(ctx, signer)
		if err != nil || !bytes.Equal(again, latest) {
			t.Fatalf("Checkpoint at an unchanged size = %q, %v; want the cosigned one", again, err)
		}
		if _, err := l.Verify(ctx, latest); err != nil {
			t.Fatal(err)
		}
	})
}

func TestParseCheckpointRejectsMalformedBodies(t *testing.T) {
	root := base64.StdEncoding.EncodeToString(make([]byte, 32))
	for name, body := range map[string]string{
		"no final newline":   "o\n1\n" + root,
		"missing root line":  "o\n1\n",
		"a signed size":      "o\n+1\n" + root + "\n",
		"a short root hash":  "o\n1\nAAAA\n",
		"an empty origin":    "\n1\n" + root + "\n",
		"an empty extension": "o\n1\n" + root + "\n\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := audit.ParseCheckpoint(body); err == nil {
				t.Fatalf("ParseCheckpoint(%q) succeeded", body)
			}
		})
	}
	c, err := audit.ParseCheckpoint("o\n7\n" + root + "\next one\n")
	if err != nil || c.Size != 7 || len(c.Extensions) != 1 || c.String() != "o\n7\n"+root+"\next one\n" {
		t.Fatalf("round trip: %+v, %v", c, err)
	}
}
