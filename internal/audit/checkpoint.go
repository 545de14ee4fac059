package audit

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// Checkpoint is the body of a C2SP tlog-checkpoint: the log's origin, its
// size, its root hash and optional extension lines.
type Checkpoint struct {
	Origin     string
	Size       uint64
	Hash       []byte
	Extensions []string
}

// String returns the checkpoint body, the text a note signs.
func (c Checkpoint) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Hash))
	for _, e := range c.Extensions {
		b.WriteString(e)
		b.WriteByte('\n')
	}
	return b.String()
}

// ParseCheckpoint parses a checkpoint body.
func ParseCheckpoint(text string) (Checkpoint, error) {
	var c Checkpoint
	if !strings.HasSuffix(text, "\n") {
		return c, errors.New("checkpoint: body does not end in a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return c, fmt.Errorf("checkpoint: %d lines, want origin, size and root hash", len(lines))
	}
	c.Origin = lines[0]
	if c.Origin == "" {
		return c, errors.New("checkpoint: line 1: empty origin")
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return c, fmt.Errorf("checkpoint: line 2: tree size %q is not a decimal number", lines[1])
	}
	c.Size = size
	h, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(h) != hashSize {
		return c, fmt.Errorf("checkpoint: line 3: root hash %q is not base64 of %d bytes", lines[2], hashSize)
	}
	c.Hash = h
	for i, e := range lines[3:] {
		if e == "" {
			return c, fmt.Errorf("checkpoint: line %d: empty extension line", i+4)
		}
	}
	c.Extensions = lines[3:]
	return c, nil
}

// OpenCheckpoint verifies a signed checkpoint note with v and parses it.
// Signatures by other keys (witness cosignatures) are allowed and kept in
// the returned note's UnverifiedSigs.
func OpenCheckpoint(signed []byte, v note.Verifier) (Checkpoint, *note.Note, error) {
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, nil, fmt.Errorf("checkpoint: %w", err)
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil {
		return c, nil, err
	}
	return c, n, nil
}

// Checkpoint signs a checkpoint over every durable entry, stores it and
// returns the signed note. The signer must hold the key the log was created
// with. When a checkpoint for the same tree is already stored it is
// returned as it is, with any cosignatures it has gathered.
func (l *Log) Checkpoint(ctx context.Context, s note.Signer) ([]byte, error) {
	if s.Name() != l.verifier.Name() || s.KeyHash() != l.verifier.KeyHash() {
		return nil, fmt.Errorf("audit log: signing key %s+%08x is not the log's key %s+%08x", s.Name(), s.KeyHash(), l.verifier.Name(), l.verifier.KeyHash())
	}
	if _, err := l.Refresh(ctx); err != nil {
		return nil, err
	}
	tr := l.current()
	root, err := hashReader{st: l.st, tr: tr, cache: l.cache}.root(ctx, tr.size)
	if err != nil {
		return nil, err
	}
	body := Checkpoint{Origin: l.meta.Origin, Size: tr.size, Hash: root}.String()
	stored, err := l.st.Checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range stored {
		if c.Size == tr.size {
			if n, err := note.Open(c.Note, note.VerifierList(l.verifier)); err == nil && n.Text == body {
				return c.Note, nil
			}
		}
	}
	signed, err := note.Sign(&note.Note{Text: body}, s)
	if err != nil {
		return nil, fmt.Errorf("audit log: sign checkpoint: %w", err)
	}
	if err := l.st.PutCheckpoint(ctx, tr.size, signed); err != nil {
		return nil, err
	}
	return signed, nil
}

// LatestCheckpoint returns the stored checkpoint of the largest tree, or
// nil when none has been signed yet.
func (l *Log) LatestCheckpoint(ctx context.Context) ([]byte, error) {
	cs, err := l.st.Checkpoints(ctx)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	return cs[len(cs)-1].Note, nil
}

// AddCosignatures merges the signatures of a checkpoint note that witnesses
// cosigned into the stored checkpoint with the same text. The note must
// still carry the log's own valid signature; the other signature lines are
// kept as they are, for a verifier that knows the witnesses' keys.
func (l *Log) AddCosignatures(ctx context.Context, signed []byte) error {
	c, n, err := OpenCheckpoint(signed, l.verifier)
	if err != nil {
		return err
	}
	stored, err := l.st.Checkpoints(ctx)
	if err != nil {
		return err
	}
	for _, sc := range stored {
		if sc.Size != c.Size {
			continue
		}
		old, err := note.Open(sc.Note, note.VerifierList(l.verifier))
		if err != nil {
			return fmt.Errorf("audit log: stored checkpoint %d: %w", sc.Size, err)
		}
		if old.Text != n.Text {
			return fmt.Errorf("audit log: cosigned checkpoint of size %d differs from the stored one", c.Size)
		}
		merged := mergeSigs(old, n)
		return l.st.PutCheckpoint(ctx, c.Size, merged)
	}
	return fmt.Errorf("audit log: no stored checkpoint of size %d to add cosignatures to", c.Size)
}

// mergeSigs writes a note with the text of a and the union of both notes'
// signature lines, a's first.
func mergeSigs(a, b *note.Note) []byte {
	var buf bytes.Buffer
	buf.WriteString(a.Text)
	buf.WriteString("\n")
	seen := map[string]bool{}
	for _, list := range [][]note.Signature{a.Sigs, a.UnverifiedSigs, b.Sigs, b.UnverifiedSigs} {
		for _, s := range list {
			line := "— " + s.Name + " " + s.Base64 + "\n"
			if !seen[line] {
				seen[line] = true
				buf.WriteString(line)
			}
		}
	}
	return buf.Bytes()
}
