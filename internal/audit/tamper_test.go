package audit

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/parapet-sec/parapet/internal/store"
	"github.com/parapet-sec/parapet/internal/store/storetest"
)

// wantTamperAt checks that err is a TamperError located at entry want.
func wantTamperAt(t *testing.T, err error, want uint64) {
	t.Helper()
	var te *TamperError
	if !errors.As(err, &te) {
		t.Fatalf("verification gave %v, want a TamperError at entry %d", err, want)
	}
	if !te.Located || te.Entry != want {
		t.Fatalf("verification located %v, want entry %d", te, want)
	}
	t.Logf("detected: %v", te)
}

func flipped(b []byte, at int) []byte {
	c := bytes.Clone(b)
	c[at] ^= 0x01
	return c
}

func TestTamperingWithTheStoreIsDetectedAndLocated(t *testing.T) {
	storetest.Run(t, func(t *testing.T, k storetest.Kind) {
		ctx := context.Background()
		// setup builds a log of 600 entries with checkpoints at 300 and
		// 600 and returns its location and the newest checkpoint.
		setup := func(t *testing.T) (string, []byte) {
			l, signer, loc := newTestLog(t, k)
			appendN(t, l, 0, 300)
			if _, err := l.Checkpoint(ctx, signer); err != nil {
				t.Fatal(err)
			}
			appendN(t, l, 300, 300)
			cp, err := l.Checkpoint(ctx, signer)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.Verify(ctx, cp); err != nil {
				t.Fatalf("untouched log: %v", err)
			}
			l.Close()
			return loc, cp
		}
		// rewrite replaces entry bundle idx (entries 256*idx to
		// 256*idx+255) with what change makes of its entries: the row of
		// a full bundle, or the open bundle's fragments.
		rewrite := func(t *testing.T, loc string, idx uint64, change func([][]byte) [][]byte) {
			var es [][]byte
			err := reopen(t, loc).Entries(ctx, idx*256, idx*256+256, func(_ uint64, d []byte) error {
				es = append(es, bytes.Clone(d))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			b, err := store.AppendBundle(nil, change(es)...)
			if err != nil {
				t.Fatal(err)
			}
			if (idx+1)*256 > 600 { // the open bundle, kept as fragments
				storetest.Exec(t, loc, `DELETE FROM audit_open WHERE idx >= $1`, int64(idx*256))
				storetest.Exec(t, loc, `INSERT INTO audit_open (idx, data) VALUES ($1, $2)`, int64(idx*256), b)
				return
			}
			storetest.Exec(t, loc, `UPDATE audit_bundles SET data = $1 WHERE idx = $2`, b, int64(idx))
		}
		verify := func(t *testing.T, loc string, trusted []byte) error {
			_, err := reopen(t, loc).Verify(ctx, trusted)
			return err
		}

		t.Run("a flipped byte in an entry", func(t *testing.T) {
			loc, _ := setup(t)
			rewrite(t, loc, 1, func(es [][]byte) [][]byte {
				es[417-256] = flipped(es[417-256], 20)
				return es
			})
			wantTamperAt(t, verify(t, loc, nil), 417)
		})
		t.Run("a deleted entry", func(t *testing.T) {
			loc, _ := setup(t)
			rewrite(t, loc, 1, func(es [][]byte) [][]byte { return append(es[:417-256:417-256], es[417-256+1:]...) })
			wantTamperAt(t, verify(t, loc, nil), 417)
		})
		t.Run("two entries swapped", func(t *testing.T) {
			loc, _ := setup(t)
			rewrite(t, loc, 0, func(es [][]byte) [][]byte {
				es[100], es[101] = es[101], es[100]
				return es
			})
			wantTamperAt(t, verify(t, loc, nil), 100)
		})
		t.Run("the last entries cut off", func(t *testing.T) {
			loc, _ := setup(t)
			rewrite(t, loc, 2, func(es [][]byte) [][]byte { return es[:550-512] })
			wantTamperAt(t, verify(t, loc, nil), 550)
		})
		t.Run("a truncation that also rolls back the size, tiles and checkpoints", func(t *testing.T) {
			loc, trusted := setup(t)
			// The attacker keeps entries 256 to 299 as the open bundle's.
			var kept [][]byte
			if err := reopen(t, loc).Entries(ctx, 256, 300, func(_ uint64, d []byte) error {
				kept = append(kept, bytes.Clone(d))
				return nil
			}); err != nil || len(kept) != 44 {
				t.Fatalf("read entries 256-299: %d, %v", len(kept), err)
			}
			storetest.Exec(t, loc, `DELETE FROM audit_bundles WHERE idx >= 1`)
			storetest.Exec(t, loc, `DELETE FROM audit_open WHERE idx >= 300`)
			fragment, err := store.AppendBundle(nil, kept...)
			if err != nil {
				t.Fatal(err)
			}
			storetest.Exec(t, loc, `INSERT INTO audit_open (idx, data) VALUES (256, $1)`, fragment)
			storetest.Exec(t, loc, `DELETE FROM audit_checkpoints WHERE size > 300`)
			storetest.Exec(t, loc, `UPDATE audit_meta SET size = 300`)
			// In a tree of 300, tile 0/1 holds 44 hashes and tile 1/0 one.
			l := reopen(t, loc)
			for _, c := range []struct {
				level, index uint64
				width        int
			}{{0, 1, 44}, {1, 0, 1}} {
				tl, err := l.st.Tile(ctx, c.level, c.index)
				if err != nil {
					t.Fatal(err)
				}
				dt, _ := decodeTile(tl)
				storetest.Exec(t, loc, `UPDATE audit_tiles SET width = $1, hashes = $2 WHERE level = $3 AND idx = $4`,
					c.width, dt.truncate(c.width).encode().Hashes, int64(c.level), int64(c.index))
			}
			if err := verify(t, loc, nil); err != nil {
				t.Fatalf("without an outside checkpoint the rollback is invisible, yet verify said %v", err)
			}
			wantTamperAt(t, verify(t, loc, trusted), 300)
		})
		t.Run("a flipped byte in a stored tile", func(t *testing.T) {
			loc, _ := setup(t)
			l := reopen(t, loc)
			tl, err := l.st.Tile(ctx, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			storetest.Exec(t, loc, `UPDATE audit_tiles SET hashes = $1 WHERE level = 0 AND idx = 1`, flipped(tl.Hashes, 5*hashSize+3))
			wantTamperAt(t, verify(t, loc, nil), 256+5)
		})
		t.Run("a forged checkpoint", func(t *testing.T) {
			loc, cp := setup(t)
			storetest.Exec(t, loc, `UPDATE audit_checkpoints SET note = $1 WHERE size = 600`, bytes.Replace(cp, []byte("\n600\n"), []byte("\n601\n"), 1))
			if err := verify(t, loc, nil); err == nil {
				t.Fatal("a checkpoint with a broken signature verified")
			}
		})
	})
}

func TestTamperingWithATilesExportIsDetectedAndLocated(t *testing.T) {
	ctx := context.Background()
	l, signer, _ := newTestLog(t, storetest.SQLite)
	v, _ := note.NewVerifier(l.VerifierKey())
	clean := t.TempDir()
	appendN(t, l, 0, 300)
	old, err := l.Checkpoint(ctx, signer)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.ExportTiles(ctx, clean, old); err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 300, 300)
	cp, err := l.Checkpoint(ctx, signer)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.ExportTiles(ctx, clean, cp); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyTiles(ctx, clean, v, old); err != nil {
		t.Fatalf("untouched export: %v", err)
	}
	// Bundle 1 holds entries 256 to 511.
	bundle1 := filepath.Join("tile", "entries", "001")
	// edit copies the export, changes one file and verifies the copy.
	edit := func(t *testing.T, rel string, change func([]byte) []byte, trusted []byte) error {
		dir := t.TempDir()
		if err := os.CopyFS(dir, os.DirFS(clean)); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, rel)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if nb := change(b); nb == nil {
			os.Remove(p)
		} else if err := os.WriteFile(p, nb, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = VerifyTiles(ctx, dir, v, trusted)
		return err
	}
	rebundle := func(change func([][]byte) [][]byte) func([]byte) []byte {
		return func(b []byte) []byte {
			es, err := store.SplitBundle(b)
			if err != nil {
				t.Fatal(err)
			}
			var out []byte
			for _, e := range change(es) {
				out = binary.BigEndian.AppendUint16(out, uint16(len(e)))
				out = append(out, e...)
			}
			return out
		}
	}

	t.Run("a flipped byte in an entry", func(t *testing.T) {
		err := edit(t, bundle1, rebundle(func(es [][]byte) [][]byte {
			es[44] = flipped(es[44], 10)
			return es
		}), nil)
		wantTamperAt(t, err, 300)
	})
	t.Run("a deleted entry", func(t *testing.T) {
		err := edit(t, bundle1, rebundle(func(es [][]byte) [][]byte {
			return append(es[:44:44], es[45:]...)
		}), nil)
		wantTamperAt(t, err, 300)
	})
	t.Run("two entries swapped", func(t *testing.T) {
		err := edit(t, bundle1, rebundle(func(es [][]byte) [][]byte {
			es[44], es[45] = es[45], es[44]
			return es
		}), nil)
		wantTamperAt(t, err, 300)
	})
	t.Run("a bundle cut short inside an entry", func(t *testing.T) {
		err := edit(t, bundle1, func(b []byte) []byte { return b[:len(b)-5] }, nil)
		wantTamperAt(t, err, 511)
	})
	t.Run("the last bundle removed", func(t *testing.T) {
		err := edit(t, filepath.Join("tile", "entries", "002.p", "88"), func([]byte) []byte { return nil }, nil)
		wantTamperAt(t, err, 512)
	})
	t.Run("the checkpoint rolled back to an older signed one", func(t *testing.T) {
		err := edit(t, "checkpoint", func([]byte) []byte { return old }, cp)
		wantTamperAt(t, err, 300)
	})
	t.Run("a flipped byte in a hash tile", func(t *testing.T) {
		err := edit(t, filepath.Join("tile", "0", "001"), func(b []byte) []byte { return flipped(b, 7*hashSize) }, nil)
		wantTamperAt(t, err, 256+7)
	})
	t.Run("a checkpoint with a broken signature", func(t *testing.T) {
		err := edit(t, "checkpoint", func(b []byte) []byte { return bytes.Replace(b, []byte("\n600\n"), []byte("\n601\n"), 1) }, nil)
		if err == nil {
			t.Fatal("verified")
		}
	})
}
