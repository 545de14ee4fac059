package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/parapet-sec/parapet/internal/audit"
	"github.com/parapet-sec/parapet/internal/audit/trail"
	"github.com/parapet-sec/parapet/internal/store"
)

func newAuditCmd() *cobra.Command {
	var loc string
	var creating bool // set by init: the one command that may create a store
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Keep a tamper-evident, signed log of decisions and prove what it holds",
		Long: `The audit log is an append-only RFC 6962 Merkle tree of decision records,
with checkpoints signed as notes (C2SP tlog-checkpoint, Ed25519), inclusion
and consistency proofs, and export as static C2SP tlog-tiles. The signing key
lives in its own file, never in the store. See docs/audit.md.`,
	}
	cmd.PersistentFlags().StringVar(&loc, "store", defaultAuditStore(), "the log's store: sqlite:PATH or postgres://...")
	open := func(ctx context.Context) (store.Store, error) {
		// Only init may create a SQLite file; the other commands would
		// leave an empty one behind at a mistyped path.
		if !creating && !strings.Contains(loc, "://") {
			path := strings.TrimPrefix(loc, "sqlite:")
			if _, err := os.Stat(path); err != nil {
				return nil, withCode(exitUsage, fmt.Errorf("no audit log at %s (run `parapet audit init`, or give --store)", path))
			}
		}
		st, err := store.Open(ctx, loc)
		if err != nil {
			return nil, withCode(exitUsage, err)
		}
		return st, nil
	}
	cmd.AddCommand(
		newAuditInitCmd(open, &loc, &creating),
		newAuditAppendCmd(open),
		newAuditCheckpointCmd(open),
		newAuditVerifyCmd(open),
		newAuditProveCmd(open),
		newAuditTailCmd(open),
		newAuditExportCmd(open),
		newAuditTimelineCmd(open, &loc),
	)
	return cmd
}

type storeOpener func(context.Context) (store.Store, error)

// defaultAuditStore is a SQLite file in the user's data directory
// ($XDG_DATA_HOME/parapet/audit.db, by default ~/.local/share/...).
func defaultAuditStore() string {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "sqlite:audit.db"
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return "sqlite:" + filepath.Join(dir, "parapet", "audit.db")
}

// defaultAuditKey is the signing key's file, in the user's configuration
// directory: apart from the store, so that whoever holds the log's data
// does not hold the key that signs it.
func defaultAuditKey() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "audit-signing.key"
	}
	return filepath.Join(dir, "parapet", "audit-signing.key")
}

// openLog opens the log in the store; the store is closed with the log.
func openLog(ctx context.Context, open storeOpener, v note.Verifier) (*audit.Log, func(), error) {
	st, err := open(ctx)
	if err != nil {
		return nil, nil, err
	}
	l, err := audit.Open(ctx, st, v)
	if err != nil {
		st.Close()
		if errors.Is(err, store.ErrNotInitialized) {
			return nil, nil, withCode(exitUsage, err)
		}
		return nil, nil, err
	}
	return l, func() { l.Close(); st.Close() }, nil
}

func newAuditInitCmd(open storeOpener, loc *string, creating *bool) *cobra.Command {
	var name, keyPath string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a log and its signing key, and print the verifier key",
		Long: `init records a new, empty log in the store and writes its Ed25519 signing
key to a new file of mode 0600 (never overwriting one). It prints the
verifier key, <name>+<hex key id>+<base64 key>: give it to auditors, who
check checkpoints and exports with it. The store keeps only this verifier key.`,
		Example: `  parapet audit init --name audit.example.com/prod --key /etc/parapet/audit.key`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			*creating = true
			if name == "" {
				host, _ := os.Hostname()
				name = "parapet.audit/" + host
			}
			st, err := open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			if _, err := st.Meta(ctx); err == nil {
				return withCode(exitUsage, fmt.Errorf("store %s: %w", *loc, store.ErrExists))
			} else if !errors.Is(err, store.ErrNotInitialized) {
				return err
			}
			skey, vkey, err := audit.GenerateKey(name)
			if err != nil {
				return withCode(exitUsage, err)
			}
			if err := audit.WriteKeyFile(keyPath, skey); err != nil {
				return withCode(exitUsage, err)
			}
			if err := audit.Create(ctx, st, name, vkey); err != nil {
				os.Remove(keyPath)
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "created log %q; signing key in %s (keep it apart from the store)\n", name, keyPath)
			fmt.Fprintln(cmd.OutOrStdout(), vkey)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the log's origin, the first line of its checkpoints (default parapet.audit/HOSTNAME)")
	cmd.Flags().StringVar(&keyPath, "key", defaultAuditKey(), "where to write the signing key")
	return cmd
}

func newAuditAppendCmd(open storeOpener) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "append < records.jsonl",
		Short: "Append decision records, one JSON object a line, from standard input",
		Long: `append reads decision records as JSON lines (see docs/audit.md for the
fields) and appends them in order; each is durable before the command
reports it. At the first malformed line it stops: the records before that
line are appended, nothing from it on, and the error names the line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			l, done, err := openLog(ctx, open, nil)
			if err != nil {
				return err
			}
			defer done()
			first, n, err := l.AppendLines(ctx, cmd.InOrStdin())
			var le *audit.LineError
			if errors.As(err, &le) {
				err = withCode(exitUsage, fmt.Errorf("stdin:%d: %w (records before this line are appended, none from it on)", le.Line, le.Err))
			}
			if n > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "appended %s: entries %d to %d\n", count(n, "record", "records"), first, first+uint64(n)-1)
			} else if err == nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "appended no records")
			}
			return err
		},
	}
	return cmd
}

func newAuditCheckpointCmd(open storeOpener) *cobra.Command {
	var keyPath, cosigned string
	cmd := &cobra.Command{
		Use:   "checkpoint",
		Short: "Sign a checkpoint over every durable entry and print it",
		Long: `checkpoint signs a checkpoint over every durable entry with the log's key,
stores it and prints it. With --cosigned FILE it instead takes a checkpoint
that witnesses have cosigned (their signature lines added to the note),
checks the log's own signature on it and keeps the witness lines with the
stored checkpoint, so that exports publish them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if cosigned != "" {
				b, err := os.ReadFile(cosigned)
				if err != nil {
					return withCode(exitUsage, err)
				}
				l, done, err := openLog(ctx, open, nil)
				if err != nil {
					return err
				}
				defer done()
				if err := l.AddCosignatures(ctx, b); err != nil {
					return withCode(exitUsage, fmt.Errorf("%s: %w", cosigned, err))
				}
				signed, err := l.LatestCheckpoint(ctx)
				if err != nil {
					return err
				}
				_, err = cmd.OutOrStdout().Write(signed)
				return err
			}
			_, done, signed, err := signCheckpoint(ctx, open, keyPath)
			if err != nil {
				return err
			}
			defer done()
			_, err = cmd.OutOrStdout().Write(signed)
			return err
		},
	}
	cmd.Flags().StringVar(&keyPath, "key", defaultAuditKey(), "the signing key file")
	cmd.Flags().StringVar(&cosigned, "cosigned", "", "merge the witness signatures of this cosigned checkpoint into the stored one")
	return cmd
}

// parseVerifier takes a verifier key, or a file holding one.
func parseVerifier(s string) (note.Verifier, error) {
	if v, err := note.NewVerifier(strings.TrimSpace(s)); err == nil {
		return v, nil
	}
	b, err := os.ReadFile(s)
	if err != nil {
		return nil, fmt.Errorf("--key %q is neither a verifier key (<name>+<hex id>+<base64 key>) nor a readable file", s)
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("--key %s: %w", s, err)
	}
	return v, nil
}

func newAuditVerifyCmd(open storeOpener) *cobra.Command {
	var tiles, key, checkpointFile, format string
	var update bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Recompute the tree and check signatures and consistency; name the first bad entry",
		Long: `verify recomputes the Merkle tree from every entry and checks it against the
stored tree, the signatures and roots of the checkpoints, and, with
--checkpoint, a checkpoint you trust from an earlier run: the log must still
contain that tree, which catches truncation and rollback. With --tiles it
checks a tlog-tiles export instead, with the verifier key given by --key.
On damage it names the first bad entry and exits 1. --update writes the
newest verified checkpoint to the --checkpoint file for the next run.`,
		Example: `  parapet audit verify --checkpoint trusted.checkpoint --update
  parapet audit verify --tiles ./export --key "$(cat audit.vkey)" --checkpoint trusted.checkpoint`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if format != "table" && format != "json" {
				return withCode(exitUsage, fmt.Errorf("--format %q: want table or json", format))
			}
			if update && checkpointFile == "" {
				return withCode(exitUsage, errors.New("--update needs --checkpoint FILE"))
			}
			var v note.Verifier
			if key != "" {
				var err error
				if v, err = parseVerifier(key); err != nil {
					return withCode(exitUsage, err)
				}
			}
			var trusted []byte
			if checkpointFile != "" {
				b, err := os.ReadFile(checkpointFile)
				if err != nil && !(update && errors.Is(err, os.ErrNotExist)) {
					return withCode(exitUsage, err)
				}
				trusted = b
			}
			var rep *audit.Report
			var err error
			if tiles != "" {
				if v == nil {
					return withCode(exitUsage, errors.New("--tiles needs --key VERIFIER: the verifier key the log's operator published"))
				}
				rep, err = audit.VerifyTiles(ctx, tiles, v, trusted)
			} else {
				var l *audit.Log
				var done func()
				l, done, err = openLog(ctx, open, v)
				if err != nil {
					return err
				}
				defer done()
				if v == nil {
					fmt.Fprintln(cmd.ErrOrStderr(), "note: checking signatures with the verifier key recorded in the store; pass --key to check against the one you trust")
				}
				rep, err = l.Verify(ctx, trusted)
			}
			var te *audit.TamperError
			if errors.As(err, &te) {
				return withCode(exitFindings, err)
			}
			if err != nil {
				return err
			}
			if update && rep.Checkpoint != nil {
				if err := writeOutput(checkpointFile, func(w io.Writer) error {
					_, err := w.Write(rep.Checkpoint)
					return err
				}); err != nil {
					return err
				}
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Schema string `json:"schema"`
					OK     bool   `json:"ok"`
					*audit.Report
					Checkpoint string `json:"checkpoint,omitempty"`
				}{"parapet.audit.verify/v1", true, rep, string(rep.Checkpoint)})
			}
			fmt.Fprintf(out, "ok: log %q, %s, root %s, %s verified\n",
				rep.Origin, count(int(rep.Size), "entry", "entries"), base64.StdEncoding.EncodeToString(rep.RootHash), count(rep.Checkpoints, "signed checkpoint", "signed checkpoints"))
			if rep.TrustedSize != nil {
				fmt.Fprintf(out, "ok: extends the trusted checkpoint of size %d\n", *rep.TrustedSize)
			}
			if rep.Checkpoints == 0 {
				fmt.Fprintln(out, "warning: no signed checkpoint yet; run `parapet audit checkpoint`")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&tiles, "tiles", "", "verify the tlog-tiles export in this folder instead of the store")
	cmd.Flags().StringVar(&key, "key", "", "the log's verifier key, or a file holding it")
	cmd.Flags().StringVar(&checkpointFile, "checkpoint", "", "a signed checkpoint trusted from before; the log must extend it")
	cmd.Flags().BoolVar(&update, "update", false, "on success, write the newest verified checkpoint to the --checkpoint file")
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	return cmd
}

func newAuditProveCmd(open storeOpener) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "prove ENTRY",
		Short: "Print an entry with its inclusion proof in the newest signed checkpoint",
		Long: `prove prints, as JSON, the entry, its leaf hash, the newest stored signed
checkpoint that contains it and the RFC 6962 inclusion proof against that
checkpoint's root, which anyone can check with the verifier key alone.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			idx, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return withCode(exitUsage, fmt.Errorf("ENTRY %q is not an entry index", args[0]))
			}
			l, done, err := openLog(ctx, open, nil)
			if err != nil {
				return err
			}
			defer done()
			signed, err := l.LatestCheckpoint(ctx)
			if err != nil {
				return err
			}
			if signed == nil {
				return withCode(exitUsage, errors.New("no signed checkpoint yet: run `parapet audit checkpoint` first"))
			}
			c, _, err := audit.OpenCheckpoint(signed, l.Verifier())
			if err != nil {
				return err
			}
			if idx >= c.Size {
				if idx >= l.Size() {
					return withCode(exitUsage, fmt.Errorf("entry %d does not exist: the log holds entries 0 to %d", idx, int64(l.Size())-1))
				}
				return withCode(exitUsage, fmt.Errorf("entry %d is not in the newest checkpoint (size %d): run `parapet audit checkpoint`", idx, c.Size))
			}
			entry, err := l.Entry(ctx, idx)
			if err != nil {
				return err
			}
			pf, err := l.InclusionProof(ctx, idx, c.Size)
			if err != nil {
				return err
			}
			leaf := audit.LeafHash(entry)
			if err := audit.VerifyInclusion(idx, c.Size, leaf, pf, c.Hash); err != nil {
				return fmt.Errorf("entry %d does not verify against the checkpoint: %w (run `parapet audit verify`)", idx, err)
			}
			out := struct {
				Schema     string          `json:"schema"`
				Index      uint64          `json:"index"`
				Entry      json.RawMessage `json:"entry"`
				LeafHash   []byte          `json:"leaf_hash"`
				TreeSize   uint64          `json:"tree_size"`
				RootHash   []byte          `json:"root_hash"`
				Proof      [][]byte        `json:"inclusion_proof"`
				Checkpoint string          `json:"checkpoint"`
			}{"parapet.audit.proof/v1", idx, entry, leaf, c.Size, c.Hash, pf, string(signed)}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		},
	}
	return cmd
}

func newAuditTailCmd(open storeOpener) *cobra.Command {
	var n uint64
	var follow bool
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Print the newest entries as JSON lines, and follow new ones",
		Long: `tail prints the last N entries, one JSON object a line: {"index":I,"record":{...}}.
With --follow it keeps printing entries as they are appended, until interrupted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			l, done, err := openLog(ctx, open, nil)
			if err != nil {
				return err
			}
			defer done()
			w := bufio.NewWriter(cmd.OutOrStdout())
			print := func(i uint64, data []byte) error {
				fmt.Fprintf(w, `{"index":%d,"record":%s}`+"\n", i, data)
				return nil
			}
			size := l.Size()
			from := uint64(0)
			if size > n {
				from = size - n
			}
			if err := l.Entries(ctx, from, size, print); err != nil {
				return err
			}
			if err := w.Flush(); err != nil || !follow {
				return err
			}
			for {
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(500 * time.Millisecond):
				}
				next, err := l.Refresh(ctx)
				if err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return err
				}
				if next > size {
					if err := l.Entries(ctx, size, next, print); err != nil {
						return err
					}
					size = next
					if err := w.Flush(); err != nil {
						return err
					}
				}
			}
		},
	}
	cmd.Flags().Uint64VarP(&n, "lines", "n", 10, "how many of the newest entries to print")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new entries")
	return cmd
}

func newAuditExportCmd(open storeOpener) *cobra.Command {
	var dir, keyPath string
	cmd := &cobra.Command{
		Use:   "export --tiles DIR",
		Short: "Write the log as static C2SP tlog-tiles files with a fresh signed checkpoint",
		Long: `export signs a checkpoint over every durable entry and writes the checkpoint,
the hash tiles and the entry bundles into DIR in the C2SP tlog-tiles layout,
ready to be served from object storage under a retention lock. Exporting
again into the same folder adds what is new; published full tiles are never
rewritten, and the checkpoint is replaced last.`,
		Example: `  parapet audit export --tiles ./log && aws s3 sync ./log s3://audit-bucket/log`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if dir == "" {
				return withCode(exitUsage, errors.New("--tiles DIR is required"))
			}
			l, done, signed, err := signCheckpoint(ctx, open, keyPath)
			if err != nil {
				return err
			}
			defer done()
			if err := l.ExportTiles(ctx, dir, signed); err != nil {
				return err
			}
			c, _, _ := audit.OpenCheckpoint(signed, l.Verifier())
			fmt.Fprintf(cmd.ErrOrStderr(), "exported %s to %s\n", count(int(c.Size), "entry", "entries"), dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "tiles", "", "the folder to write the tiles into")
	cmd.Flags().StringVar(&keyPath, "key", defaultAuditKey(), "the signing key file")
	return cmd
}

func newAuditTimelineCmd(open storeOpener, loc *string) *cobra.Command {
	var principal, keysFile, format, output string
	var cloudtrail, k8sAudit []string
	var noStore bool
	cmd := &cobra.Command{
		Use:   "timeline --principal NAME",
		Short: "Show one identity's actions across CloudTrail, Kubernetes audit logs and Parapet's log",
		Long: `timeline reads CloudTrail log files (folders are walked; gzip or not),
Kubernetes audit logs (audit.k8s.io/v1 Event JSON lines) and the decision
records of the Parapet log, and prints the actions of one principal in time
order. The principal may be an assumed-role session ARN, a role ARN (all its
sessions), a session or agent name, a Kubernetes username or a Parapet actor:
a session is joined to its role, to the Kubernetes user EKS maps it to and to
the agent whose name it carries.

Where CloudTrail digest files are among the inputs, their chain is validated
with the public keys from ` + "`aws cloudtrail list-public-keys`" + ` (--cloudtrail-keys),
and events from files a verified digest lists are marked validated. A bad
signature or a changed file is an error. The Parapet log is verified first.`,
		Example: `  aws cloudtrail list-public-keys --start-time 2026-11-01 > keys.json
  parapet audit timeline --principal deploy-agent-7 --cloudtrail ./AWSLogs --cloudtrail-keys keys.json --k8s-audit audit.log`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if principal == "" {
				return withCode(exitUsage, errors.New("--principal is required"))
			}
			if format != "table" && format != "json" {
				return withCode(exitUsage, fmt.Errorf("--format %q: want table or json", format))
			}
			var events []trail.Event
			var digestRep *trail.DigestReport
			if len(cloudtrail) > 0 {
				logs, digests, err := trail.CloudTrailFiles(cloudtrail)
				if err != nil {
					return withCode(exitUsage, err)
				}
				validated := map[string]bool{}
				if len(digests) > 0 {
					if keysFile == "" {
						return withCode(exitUsage, fmt.Errorf("%d CloudTrail digest files found: give --cloudtrail-keys (the JSON of `aws cloudtrail list-public-keys`) to validate them", len(digests)))
					}
					kb, err := os.ReadFile(keysFile)
					if err != nil {
						return withCode(exitUsage, err)
					}
					keys, err := trail.ParsePublicKeys(keysFile, kb)
					if err != nil {
						return withCode(exitUsage, err)
					}
					if digestRep, err = trail.VerifyDigests(digests, logs, keys); err != nil {
						return withCode(exitFindings, err)
					}
					validated = digestRep.Validated
				}
				ct, err := trail.ReadCloudTrail(logs, validated)
				if err != nil {
					return withCode(exitUsage, err)
				}
				events = append(events, ct...)
			}
			for _, f := range k8sAudit {
				ks, err := trail.ReadK8sAudit(f)
				if err != nil {
					return withCode(exitUsage, err)
				}
				events = append(events, ks...)
			}
			if !noStore {
				l, done, err := openLog(ctx, open, nil)
				if err != nil {
					return fmt.Errorf("%w (use --no-store to leave the Parapet log out)", err)
				}
				defer done()
				ps, err := trail.FromLog(ctx, l)
				var te *audit.TamperError
				if errors.As(err, &te) {
					return withCode(exitFindings, err)
				}
				if err != nil {
					return err
				}
				events = append(events, ps...)
			}
			tl := trail.Timeline(events, principal)
			return writeOutput(output, func(w io.Writer) error {
				if format == "json" {
					enc := json.NewEncoder(w)
					enc.SetIndent("", "  ")
					return enc.Encode(struct {
						Schema    string              `json:"schema"`
						Principal string              `json:"principal"`
						Digests   *trail.DigestReport `json:"cloudtrail_digests,omitempty"`
						Events    []trail.Event       `json:"events"`
					}{"parapet.audit.timeline/v1", principal, digestRep, append([]trail.Event{}, tl...)})
				}
				if len(tl) == 0 {
					fmt.Fprintf(w, "No events of %s in these sources.\n", principal)
				}
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				if len(tl) > 0 {
					fmt.Fprintln(tw, "TIME\tSOURCE\tPRINCIPAL\tACTION\tTARGET\tOUTCOME\tVALIDATED")
				}
				for _, e := range tl {
					v := "no"
					if e.Validated {
						v = "yes"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.Format(time.RFC3339), e.Source, e.Principal, e.Action, e.Target, e.Outcome, v)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				if digestRep != nil && len(digestRep.Unsigned) > 0 {
					fmt.Fprintf(cmd.ErrOrStderr(), "note: %d CloudTrail digest(s) without a signature at hand (the newest of a chain); their files are not validated\n", len(digestRep.Unsigned))
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&principal, "principal", "", "the identity: session or role ARN, agent or session name, Kubernetes username, Parapet actor")
	cmd.Flags().StringSliceVar(&cloudtrail, "cloudtrail", nil, "CloudTrail log files or folders (digest files among them are validated)")
	cmd.Flags().StringVar(&keysFile, "cloudtrail-keys", "", "`FILE` with the JSON of aws cloudtrail list-public-keys, to validate digest files")
	cmd.Flags().StringSliceVar(&k8sAudit, "k8s-audit", nil, "Kubernetes audit log files (JSON lines)")
	cmd.Flags().BoolVar(&noStore, "no-store", false, "leave the Parapet log out")
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	return cmd
}

// signCheckpoint opens the log and signs a checkpoint over every durable
// entry with the key in keyPath. The caller calls done when finished with
// the log.
func signCheckpoint(ctx context.Context, open storeOpener, keyPath string) (l *audit.Log, done func(), signed []byte, err error) {
	signer, err := audit.LoadSigner(keyPath)
	if err != nil {
		return nil, nil, nil, withCode(exitUsage, err)
	}
	l, done, err = openLog(ctx, open, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	signed, err = l.Checkpoint(ctx, signer)
	if err != nil {
		done()
		return nil, nil, nil, err
	}
	return l, done, signed, nil
}
