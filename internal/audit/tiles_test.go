package audit

import (
	"bytes"
	"context"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"

	"github.com/parapet-sec/parapet/internal/store/storetest"
)

func TestTilePathsFollowTheTlogTilesSpec(t *testing.T) {
	for _, c := range []struct {
		level, index uint64
		width        int
		want         string
	}{
		{0, 0, 256, "tile/0/000"},
		{1, 1234067, 256, "tile/1/x001/x234/067"},
		{0, 1000, 7, "tile/0/x001/000.p/7"},
		{2, 999, 1, "tile/2/999.p/1"},
	} {
		if got := TilePath(c.level, c.index, c.width); got != c.want {
			t.Errorf("TilePath(%d, %d, %d) = %s, want %s", c.level, c.index, c.width, got, c.want)
		}
		p := uint8(c.width % 256)
		if got := layout.TilePath(c.level, c.index, p); got != c.want {
			t.Errorf("tessera's layout.TilePath disagrees with the spec example: %s", got)
		}
		if got, want := EntriesPath(c.index, c.width), layout.EntriesPath(c.index, p); got != want {
			t.Errorf("EntriesPath(%d, %d) = %s, tessera says %s", c.index, c.width, got, want)
		}
	}
}

// TestTesseraClientReadsTheExport reads an export with transparency-dev's
// own tlog-tiles client and checks inclusion and consistency proofs built
// from it, before and after the log grows.
func TestTesseraClientReadsTheExport(t *testing.T) {
	ctx := context.Background()
	l, signer, _ := newTestLog(t, storetest.SQLite)
	dir := t.TempDir()
	v, err := note.NewVerifier(l.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	f := client.FileFetcher{Root: dir}
	var prevSize uint64
	var prevRoot []byte
	for round, n := range []int{700, 70000 - 700} {
		if testing.Short() && round > 0 {
			break
		}
		if round == 0 {
			appendN(t, l, 0, n)
		} else {
			appendRaw(t, l, numbered, n) // past a full level-1 tile, quickly
		}
		signed, err := l.Checkpoint(ctx, signer)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.ExportTiles(ctx, dir, signed); err != nil {
			t.Fatal(err)
		}
		cp, _, _, err := client.FetchCheckpoint(ctx, f.ReadCheckpoint, v, testOrigin)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Size != l.Size() {
			t.Fatalf("client read size %d, want %d", cp.Size, l.Size())
		}
		pb, err := client.NewProofBuilder(ctx, cp.Size, f.ReadTile)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range []uint64{0, 1, 255, 256, 511, 699, cp.Size / 2, cp.Size - 1} {
			if i >= cp.Size {
				continue
			}
			b, err := client.GetEntryBundle(ctx, f.ReadEntryBundle, i/256, cp.Size)
			if err != nil {
				t.Fatal(err)
			}
			entry := b.Entries[i%256]
			stored, err := l.Entry(ctx, i)
			if err != nil || !bytes.Equal(entry, stored) {
				t.Fatalf("entry %d from the export = %q, want %q (%v)", i, entry, stored, err)
			}
			pf, err := pb.InclusionProof(ctx, i)
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyInclusion(rfc6962.DefaultHasher, i, cp.Size, rfc6962.DefaultHasher.HashLeaf(entry), pf, cp.Hash); err != nil {
				t.Fatalf("inclusion of entry %d: %v", i, err)
			}
		}
		if prevSize > 0 {
			pf, err := pb.ConsistencyProof(ctx, prevSize, cp.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyConsistency(rfc6962.DefaultHasher, prevSize, cp.Size, pf, prevRoot, cp.Hash); err != nil {
				t.Fatalf("consistency %d -> %d: %v", prevSize, cp.Size, err)
			}
		}
		if _, err := VerifyTiles(ctx, dir, v, nil); err != nil {
			t.Fatal(err)
		}
		prevSize, prevRoot = cp.Size, cp.Hash
	}
}
