package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parapet-sec/parapet/internal/aibom"
	"github.com/parapet-sec/parapet/internal/inventory"
	"github.com/parapet-sec/parapet/internal/report"
	"github.com/parapet-sec/parapet/internal/scan"
)

// scanFormats are the output formats of scan and demo.
var scanFormats = []string{"table", "json", "sarif", "cyclonedx", "html", "dot", "mermaid"}

func newScanCmd() *cobra.Command {
	var (
		in       scan.Inputs
		format   string
		output   string
		snapshot string
		failOn   string
	)
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Scan exported AWS and Kubernetes state for attack paths, toxic combinations and misconfigurations",
		Long: `Scan reads AWS accounts (CloudMapper's account-data layout), Kubernetes
dumps (kubectl get -A -o json) and IAM authorization details, builds one
security graph, and reports attack paths from the internet and from AI agents
to sensitive data and control, toxic combinations, and the findings of the
built-in and your own Rego checks. See docs/scan.md.`,
		Example: `  parapet scan --aws account-data/ --k8s cluster.json
  parapet scan --aws account-data/prod --format html --output report.html
  parapet scan --aws account-data/ --snapshot inventory.json --fail-on high`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !validFormat(format) {
				return withCode(exitUsage, fmt.Errorf("--format %q: want one of %s", format, strings.Join(scanFormats, ", ")))
			}
			min, err := inventory.ParseSeverity(failOn)
			if err != nil {
				return withCode(exitUsage, fmt.Errorf("--fail-on: %w", err))
			}
			bar := newProgress(os.Stderr, []string{scan.StageCollect, scan.StageIAM, scan.StageAIBOM, scan.StageGraph, scan.StagePolicies})
			in.Progress = bar.Stage
			res, err := scan.Run(cmd.Context(), in)
			bar.Done()
			if err != nil {
				return withCode(exitUsage, err)
			}
			for _, w := range res.Warnings {
				fmt.Fprintln(os.Stderr, "parapet: warning:", w)
			}
			if snapshot != "" {
				if err := writeOutput(snapshot, res.Snapshot.Encode); err != nil {
					return withCode(exitUsage, err)
				}
			}
			title := "Parapet scan: " + strings.Join(append(append(append([]string{}, in.AWS...), in.K8s...), append(in.Authz, in.Terraform...)...), ", ")
			if err := writeOutput(output, func(w io.Writer) error {
				return writeFindings(w, format, title, res)
			}); err != nil {
				return withCode(exitUsage, err)
			}
			return failOnFindings(res.Findings, min)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&in.AWS, "aws", nil, "folder of AWS accounts in CloudMapper's account-data layout (repeatable)")
	f.StringArrayVar(&in.K8s, "k8s", nil, "file or folder of kubectl get -A -o json output; NAME=PATH names the cluster (repeatable)")
	f.StringArrayVar(&in.Authz, "authz", nil, "output of aws iam get-account-authorization-details (repeatable)")
	f.StringSliceVar(&in.Terraform, "terraform", nil, "Terraform plan JSON or HCL folder, scanned before deploy (repeatable; see docs/terraform.md)")
	f.StringVar(&in.ManagedPolicies, "managed-policies", "", "folder of AWS-managed policy documents")
	f.StringVar(&in.Org, "scp", "", "folder of AWS Organizations listings with SCPs and RCPs (see docs/iam.md)")
	f.StringArrayVar(&in.Policies, "policy", nil, "folder of your own Rego checks (repeatable)")
	f.StringVar(&in.Sensitivity, "sensitivity", "", "YAML file of data sensitivity rules")
	f.StringVar(&format, "format", "table", "output format: "+strings.Join(scanFormats, ", "))
	f.StringVarP(&output, "output", "o", "", "write the report to this file instead of stdout")
	f.StringVar(&snapshot, "snapshot", "", "also write the inventory snapshot (deterministic JSON) to this file")
	f.StringVar(&failOn, "fail-on", "none", "exit 1 when a finding is at or above this severity (critical, high, medium, low, info, none)")
	return cmd
}

func validFormat(f string) bool {
	for _, x := range scanFormats {
		if f == x {
			return true
		}
	}
	return false
}

// failOnFindings returns the exit-1 error when a finding that is not
// suppressed is at or above min.
func failOnFindings(fs []inventory.Finding, min inventory.Severity) error {
	for _, f := range fs {
		if f.Suppressed == nil && f.Severity.AtLeast(min) {
			return withCode(exitFindings, nil)
		}
	}
	return nil
}

// writeFindings renders a scan result in one of scanFormats.
func writeFindings(w io.Writer, format, title string, res *scan.Result) error {
	info := report.SnapshotInfo(res.Snapshot)
	switch format {
	case "table":
		return report.Table(w, res.Findings)
	case "json":
		return report.Findings(w, res.Findings)
	case "html":
		return report.HTML(w, report.HTMLReport{Title: title, Summary: scanSummary(res), Findings: res.Findings, Info: info, Inventory: report.AIInventory(res.Snapshot)})
	case "dot":
		return report.DOT(w, res.Findings, info)
	case "mermaid":
		return report.Mermaid(w, res.Findings, info)
	case "sarif", "cyclonedx":
		return writeInterchange(w, format, res)
	}
	return fmt.Errorf("--format %q: want one of %s", format, strings.Join(scanFormats, ", "))
}

// scanSummary is one line about what was scanned.
func scanSummary(res *scan.Result) string {
	accounts, clusters := map[string]bool{}, map[string]bool{}
	for _, n := range res.Snapshot.Nodes {
		switch n.Provider {
		case "aws":
			if n.Account != "" {
				accounts[n.Account] = true
			}
		case "k8s":
			if n.Kind == inventory.KindK8sCluster {
				clusters[n.ID] = true
			}
		}
	}
	return fmt.Sprintf("%d AWS accounts, %d Kubernetes clusters; %d nodes, %d edges; %d findings",
		len(accounts), len(clusters), len(res.Snapshot.Nodes), len(res.Snapshot.Edges), len(res.Findings))
}

// writeInterchange writes SARIF (the findings) and CycloneDX (the AI-BOM of
// the scanned estate), which come from the packages that own them.
func writeInterchange(w io.Writer, format string, res *scan.Result) error {
	if format == "sarif" {
		return report.SARIF(w, res.Findings, report.SARIFOptions{ToolVersion: version, Rules: sarifRules(res.Checks)})
	}
	return aibom.CycloneDX(w, res.Snapshot)
}
