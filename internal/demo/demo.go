// Package demo holds Parapet's embedded demo environment: Lumenfold, a
// fictional payments company with three AWS accounts (prod, data,
// security) collected in CloudMapper's account-data layout, and its
// production EKS cluster dumped with `kubectl get -A -o json`. Every file is
// in the format a real export has, so `parapet demo` runs the same pipeline
// as `parapet scan`, and Extract lets users run `parapet scan` on it.
//
// The environment holds the field's two worked examples: a DevOps agent that
// reads git events and whose service account is bound to cluster-admin
// (prompt injection in a commit -> privileged pod -> every secret), and a
// public support chatbot whose role reaches customer payment data and
// internal refund tools.
package demo

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/parapet-sec/parapet/internal/inventory"
	"github.com/parapet-sec/parapet/internal/scan"
)

//go:embed data
var files embed.FS

// Cluster is the EKS cluster of the demo.
const Cluster = "lumenfold-prod-eks"

// Extract writes the demo environment under dir: dir/aws (a folder of
// account folders) and dir/k8s/<cluster> (kubectl JSON). dir is created if
// needed; existing files of the same names are overwritten.
func Extract(dir string) error {
	return fs.WalkDir(files, "data", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, "data")
		target := filepath.Join(dir, filepath.FromSlash(rel))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		return nil
	})
}

// Inputs returns the scan inputs of a demo environment extracted to dir.
func Inputs(dir string) scan.Inputs {
	return scan.Inputs{
		AWS: []string{filepath.Join(dir, "aws")},
		K8s: []string{Cluster + "=" + filepath.Join(dir, "k8s", Cluster)},
	}
}

// Run extracts the demo to a temporary folder, scans it with the built-in
// checks, and removes the folder. progress, when set, is told each stage.
func Run(ctx context.Context, progress func(string)) (*scan.Result, error) {
	dir, err := os.MkdirTemp("", "parapet-demo-")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := Extract(dir); err != nil {
		return nil, err
	}
	in := Inputs(dir)
	in.Progress = progress
	res, err := scan.Run(ctx, in)
	if err != nil {
		return nil, err
	}
	// Sources name the temporary folder; keep them relative to it so the
	// output is the same on every run.
	for _, n := range res.Snapshot.Nodes {
		n.Source = strings.TrimPrefix(strings.TrimPrefix(n.Source, dir), string(filepath.Separator))
	}
	for i := range res.Findings {
		if l := res.Findings[i].Location; l != nil {
			l.File = strings.TrimPrefix(strings.TrimPrefix(l.File, dir), string(filepath.Separator))
		}
	}
	return res, nil
}

// Summary writes the ranked summary `parapet demo` prints: counts by
// severity, then the top findings with their full paths, numbered, then one
// line for each other finding.
func Summary(w io.Writer, res *scan.Result, top int) error {
	var b strings.Builder
	counts := map[inventory.Severity]int{}
	for _, f := range res.Findings {
		counts[f.Severity]++
	}
	fmt.Fprintf(&b, "Lumenfold demo: 3 AWS accounts and EKS cluster %s, %d nodes and %d edges in the security graph.\n", Cluster, len(res.Snapshot.Nodes), len(res.Snapshot.Edges))
	fmt.Fprintf(&b, "%d findings: %d critical, %d high, %d medium, %d low.\n\n", len(res.Findings),
		counts[inventory.Critical], counts[inventory.High], counts[inventory.Medium], counts[inventory.Low])
	for i, f := range res.Findings {
		if i >= top {
			break
		}
		fmt.Fprintf(&b, "%d. [%s] %s  %s\n", i+1, strings.ToUpper(string(f.Severity)), f.Check, f.Title)
		if score, ok := f.Evidence["risk_score"]; ok {
			fmt.Fprintf(&b, "   risk score %v\n", score)
		}
		for j, e := range f.Path {
			from, to := short(res.Snapshot, e.From), short(res.Snapshot, e.To)
			if e.Kind == inventory.EdgeReadsUntrusted {
				fmt.Fprintf(&b, "   %s  %s  --reads untrusted input from-->  %s\n", arrowIndex(j), from, to)
				continue
			}
			fmt.Fprintf(&b, "   %s  %s  --%s-->  %s\n", arrowIndex(j), from, e.Kind, to)
		}
		if f.Remediation != "" {
			fmt.Fprintf(&b, "   fix: %s\n", f.Remediation)
		}
		b.WriteString("\n")
	}
	if len(res.Findings) > top {
		b.WriteString("Other findings:\n")
		for i, f := range res.Findings[top:] {
			fmt.Fprintf(&b, "%3d. %-8s %-16s %s\n", top+i+1, strings.ToUpper(string(f.Severity)), f.Check, f.Title)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func arrowIndex(i int) string { return fmt.Sprintf("%2d", i+1) }

// short names a node for the summary: kind and name, or the ID.
func short(s *inventory.Snapshot, id string) string {
	if id == inventory.InternetID {
		return "internet"
	}
	n := s.Node(id)
	if n == nil || n.Name == "" {
		return id
	}
	return n.Kind + " " + n.Name
}
