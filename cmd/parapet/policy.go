package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/parapet-sec/parapet/internal/policy"
	"github.com/parapet-sec/parapet/internal/report"
)

func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Work with Rego policies: run their tests",
	}
	cmd.AddCommand(newPolicyTestCmd())
	return cmd
}

func newPolicyTestCmd() *cobra.Command {
	var (
		noBuiltin bool
		run       string
		format    string
		verbose   bool
	)
	cmd := &cobra.Command{
		Use:   "test [DIR...]",
		Short: "Run the Rego tests of the built-in policies and of DIRs",
		Long: `Run the Rego tests (rules named test_* in *_test.rego files) of the
built-in bundle and of each DIR, with OPA's test runner. Exits 1 when a test
fails and 2 when a policy does not compile.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return withCode(exitUsage, fmt.Errorf("--format %q: want table or json", format))
			}
			rs, err := policy.Test(context.Background(), policy.TestOptions{Builtin: !noBuiltin, Dirs: args, Run: run})
			if err != nil {
				return withCode(exitUsage, err)
			}
			failed := 0
			for _, r := range rs {
				if !r.Pass && !r.Skip {
					failed++
				}
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				if err := report.JSON(out, map[string]any{"schema": "parapet.policy-test/v1", "results": rs}); err != nil {
					return err
				}
			} else {
				printTestResults(out, rs, verbose)
			}
			if len(rs) == 0 {
				return withCode(exitUsage, fmt.Errorf("no Rego tests found"))
			}
			if failed > 0 {
				return withCode(exitFindings, nil)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noBuiltin, "no-builtin", false, "do not run the built-in policies' tests")
	cmd.Flags().StringVar(&run, "run", "", "run only tests whose name matches this regular expression")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every test, not only failures")
	return cmd
}

func printTestResults(w io.Writer, rs []policy.TestResult, verbose bool) {
	pass, fail, skip := 0, 0, 0
	for _, r := range rs {
		status := "PASS"
		switch {
		case r.Skip:
			status, skip = "SKIP", skip+1
		case r.Pass:
			pass++
		default:
			status, fail = "FAIL", fail+1
		}
		if verbose || status == "FAIL" {
			fmt.Fprintf(w, "%s %s:%d %s.%s", status, r.File, r.Line, r.Package, r.Name)
			if r.Error != "" {
				fmt.Fprintf(w, ": %s", r.Error)
			}
			fmt.Fprintln(w)
			if r.Output != "" && status == "FAIL" {
				fmt.Fprint(w, r.Output)
			}
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", pass, fail, skip)
}
