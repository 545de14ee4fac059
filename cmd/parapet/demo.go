package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/parapet-sec/parapet/internal/demo"
	"github.com/parapet-sec/parapet/internal/report"
	"github.com/parapet-sec/parapet/internal/scan"
)

func newDemoCmd() *cobra.Command {
	var (
		output  string
		top     int
		extract string
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Scan the embedded demo company and show its attack paths",
		Long: `Demo scans Lumenfold, a fictional payments company built into the binary
(three AWS accounts in CloudMapper's account-data layout and an EKS cluster
dumped with kubectl), prints the ranked findings with their attack paths, and
writes the HTML report. --extract writes the demo's files so you can run
parapet scan on them yourself.`,
		Example: `  parapet demo
  parapet demo --output report.html --top 3
  parapet demo --extract ./lumenfold && parapet scan --aws lumenfold/aws --k8s lumenfold/k8s/lumenfold-prod-eks`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if extract != "" {
				if err := demo.Extract(extract); err != nil {
					return withCode(exitUsage, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "wrote the demo environment to %s\n  parapet scan --aws %s/aws --k8s %s/k8s/%s\n", extract, extract, extract, demo.Cluster)
				return nil
			}
			if top < 0 {
				return withCode(exitUsage, fmt.Errorf("--top %d: want 0 or more", top))
			}
			bar := newProgress(os.Stderr, []string{scan.StageCollect, scan.StageIAM, scan.StageAIBOM, scan.StageGraph, scan.StagePolicies})
			res, err := demo.Run(cmd.Context(), bar.Stage)
			bar.Done()
			if err != nil {
				return withCode(exitUsage, err)
			}
			if output != "" && output != "-" {
				err := writeOutput(output, func(w io.Writer) error {
					return report.HTML(w, report.HTMLReport{
						Title: "Parapet demo: Lumenfold", Summary: scanSummary(res),
						Findings: res.Findings, Info: report.SnapshotInfo(res.Snapshot),
						Inventory: report.AIInventory(res.Snapshot),
					})
				})
				if err != nil {
					return withCode(exitUsage, err)
				}
			}
			if err := demo.Summary(cmd.OutOrStdout(), res, top); err != nil {
				return err
			}
			if output != "" && output != "-" {
				fmt.Fprintf(cmd.OutOrStdout(), "\nHTML report with every attack path drawn: %s\n", output)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", "parapet-demo.html", "write the HTML report to this file (\"-\" for none)")
	f.IntVar(&top, "top", 5, "show this many findings in full, with their paths")
	f.StringVar(&extract, "extract", "", "write the demo environment's files to this folder and exit")
	return cmd
}
