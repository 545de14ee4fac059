package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parapet-sec/parapet/internal/check"
	"github.com/parapet-sec/parapet/internal/inventory"
	"github.com/parapet-sec/parapet/internal/policy"
	"github.com/parapet-sec/parapet/internal/report"
)

func newCheckCmd() *cobra.Command {
	var (
		policies   []string
		sel, skip  []string
		noBuiltin  bool
		pss        string
		configPath string
		format     string
		output     string
		failOn     string
		baseline   check.Baseline
	)
	cmd := &cobra.Command{
		Use:   "check [PATH...]",
		Short: "Check Terraform plans, HCL folders and Kubernetes manifests against the policies (CI gate)",
		Long: `Check any mix of Terraform plan JSON (terraform show -json), Terraform
folders (HCL) and Kubernetes manifests (YAML or JSON files and folders, as
helm template and kustomize build print them) with the built-in and your
Rego policies and Gatekeeper templates. PATH defaults to the current folder.

Settings and suppressions come from .parapet.yaml (or --config); flags
override its settings. A "# parapet:ignore CHECK-ID reason" comment in a
YAML document or above or inside an HCL block suppresses that check there.

Exit codes: 0 clean, 1 findings at or above --fail-on (or an expired
suppression), 2 usage or input error.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"."}
			}
			cfg, err := loadCheckConfig(configPath, cmd.Flags().Changed("config"))
			if err != nil {
				return withCode(exitUsage, err)
			}
			opts := check.Options{
				NoBuiltin:         cfg.NoBuiltin,
				PolicyDirs:        cfg.Policy,
				Select:            cfg.Select,
				Skip:              cfg.Skip,
				PSS:               cfg.PSS,
				AllowedRegistries: cfg.Agent.AllowedRegistries,
				Suppressions:      cfg.Suppressions,
			}
			if cmd.Flags().Changed("no-builtin") {
				opts.NoBuiltin = noBuiltin
			}
			if len(policies) > 0 {
				opts.PolicyDirs = append(opts.PolicyDirs, policies...)
			}
			if cmd.Flags().Changed("select") {
				opts.Select = splitList(sel)
			}
			if cmd.Flags().Changed("skip") {
				opts.Skip = splitList(skip)
			}
			if cmd.Flags().Changed("pss") {
				opts.PSS = pss
			}
			if !cmd.Flags().Changed("fail-on") && cfg.FailOn != "" {
				failOn = cfg.FailOn
			}
			threshold, err := inventory.ParseSeverity(failOn)
			if err != nil {
				return withCode(exitUsage, fmt.Errorf("--fail-on: %w", err))
			}
			switch format {
			case "table", "json", "sarif":
			default:
				return withCode(exitUsage, fmt.Errorf("--format %q: want table, json or sarif", format))
			}
			if _, _, err := check.ParsePSS(opts.PSS); err != nil {
				return withCode(exitUsage, fmt.Errorf("--pss: %w", err))
			}

			run := check.Run
			if baseline.Snapshot != "" { // report only what the change adds (docs/terraform.md)
				run = func(ctx context.Context, paths []string, opts check.Options) (*check.Report, error) {
					return check.RunBaseline(ctx, paths, baseline, opts)
				}
			}
			rep, err := run(context.Background(), args, opts)
			if err != nil {
				return withCode(exitUsage, err)
			}
			for _, w := range rep.Warnings {
				fmt.Fprintln(os.Stderr, "parapet: warning:", w)
			}
			err = writeOutput(output, func(w io.Writer) error {
				switch format {
				case "json":
					return report.JSON(w, checkDocument{
						Document: report.Document{Schema: inventory.SchemaFindings, Findings: nonNil(rep.Findings)},
						Inputs:   rep.Inputs,
						Expired:  expiredNames(rep.Expired),
					})
				case "sarif":
					return report.SARIF(w, rep.Findings, report.SARIFOptions{ToolVersion: version, Rules: sarifRules(rep.Checks)})
				}
				return printCheckTable(w, rep)
			})
			if err != nil {
				return withCode(exitUsage, err)
			}
			failed := false
			for _, s := range rep.Expired {
				fmt.Fprintf(os.Stderr, "parapet: %s expired on %s: renew it with a new expiry or fix the finding\n", s, s.Expires)
				failed = true
			}
			for _, f := range rep.Findings {
				if f.Suppressed == nil && f.Severity.AtLeast(threshold) {
					failed = true
				}
			}
			if failed {
				return withCode(exitFindings, nil)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&policies, "policy", nil, "add a folder of Rego policies or Gatekeeper templates (repeatable)")
	f.StringSliceVar(&sel, "select", nil, "run only checks matching these ids, globs or prefixes (comma-separated)")
	f.StringSliceVar(&skip, "skip", nil, "skip checks matching these ids, globs or prefixes (comma-separated)")
	f.BoolVar(&noBuiltin, "no-builtin", false, "run only the policies given with --policy")
	f.StringVar(&pss, "pss", "", "Pod Security level and version: privileged|baseline|restricted[:v1.NN] (default restricted:latest)")
	f.StringVar(&configPath, "config", check.ConfigFile, "settings and suppressions file")
	f.StringVar(&format, "format", "table", "output format: table, json or sarif")
	f.StringVar(&baseline.Snapshot, "baseline", "", "report only findings a Terraform change adds to this snapshot (parapet scan --snapshot)")
	f.StringVar(&baseline.ManagedPolicies, "managed-policies", "", "with --baseline: folder of AWS-managed policy documents the configuration attaches")
	f.StringVarP(&output, "output", "o", "", "write the report to this file instead of stdout")
	f.StringVar(&failOn, "fail-on", "low", "lowest severity that fails the run: critical, high, medium, low, info or none")
	return cmd
}

// checkDocument is the JSON `parapet check` prints: the findings document
// with what was read and the expired suppressions.
type checkDocument struct {
	report.Document
	Inputs  []check.Input `json:"inputs"`
	Expired []string      `json:"expired_suppressions,omitempty"`
}

func nonNil(fs []inventory.Finding) []inventory.Finding {
	if fs == nil {
		return []inventory.Finding{}
	}
	return fs
}

func expiredNames(ss []check.Suppression) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.String())
	}
	return out
}

// loadCheckConfig reads the config file; a missing default file is fine, a
// missing file named with --config is not. Policy folders are made
// relative to the config file.
func loadCheckConfig(path string, explicit bool) (*check.Config, error) {
	cfg, err := check.LoadConfig(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return &check.Config{}, nil
		}
		return nil, err
	}
	dir := filepath.Dir(path)
	for i, p := range cfg.Policy {
		if !filepath.IsAbs(p) {
			cfg.Policy[i] = filepath.Join(dir, p)
		}
	}
	return cfg, nil
}

func splitList(in []string) []string {
	var out []string
	for _, s := range in {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func sarifRules(cs []*policy.Check) []report.SARIFRule {
	out := make([]report.SARIFRule, 0, len(cs))
	for _, c := range cs {
		out = append(out, report.SARIFRule{
			ID: c.ID, Title: c.Title, Description: c.Description, Remediation: c.Remediation,
			Severity: c.Severity, Frameworks: c.Frameworks,
		})
	}
	return out
}

// printCheckTable prints one block per finding: severity, check, where, and
// the message that says what to change.
func printCheckTable(w io.Writer, rep *check.Report) error {
	open, suppressed := 0, 0
	for _, f := range rep.Findings {
		where := strings.Join(f.Resources, ", ")
		if f.Location != nil {
			where = f.Location.File
			if f.Location.Line > 0 {
				where = fmt.Sprintf("%s:%d", where, f.Location.Line)
			}
		}
		sev := strings.ToUpper(string(f.Severity))
		if f.Suppressed != nil {
			suppressed++
			sev += " (suppressed)"
		} else {
			open++
		}
		msg, _ := f.Evidence["message"].(string)
		if msg == "" {
			msg = f.Title
		}
		if _, err := fmt.Fprintf(w, "%-9s %s  %s\n          %s\n", sev, f.Check, where, msg); err != nil {
			return err
		}
		if f.Suppressed != nil {
			fmt.Fprintf(w, "          suppressed: %s (%s)\n", f.Suppressed.Reason, f.Suppressed.Source)
		}
	}
	_, err := fmt.Fprintf(w, "%s, %d suppressed; %s on %s\n", count(open, "finding", "findings"), suppressed, count(len(rep.Checks), "check", "checks"), count(len(rep.Inputs), "input", "inputs"))
	return err
}
