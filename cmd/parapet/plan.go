package main

import (
	"fmt"
	"io"
	"os"
	"os/user"
	"time"

	"github.com/spf13/cobra"

	"github.com/parapet-sec/parapet/internal/plan"
	"github.com/parapet-sec/parapet/internal/report"
)

func newPlanCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Approve Terraform plans with a signature, and verify approvals before apply",
		Long: `An approval is a DSSE envelope holding an in-toto statement over the plan
JSON (RFC 8785 canonical form) and, optionally, the binary plan file, signed
with an Ed25519 key. Verification passes only an unchanged, unexpired plan
signed by one of the allowed approvers' keys. See docs/plans.md.`,
	}
	cmd.AddCommand(newPlanApproveCmd(), newPlanVerifyCmd())
	return cmd
}

// defaultEnvelope is where an approval of planJSON is written and read.
func defaultEnvelope(planJSON string) string { return plan.ApprovalFile(planJSON) }

func newPlanApproveCmd() *cobra.Command {
	var planFile, keyPath, approver, output string
	var expires time.Duration
	cmd := &cobra.Command{
		Use:   "approve PLAN.json --key KEY",
		Short: "Sign an approval of a plan",
		Example: `  terraform show -json tfplan > plan.json
  parapet plan approve plan.json --planfile tfplan --key ~/.ssh/id_ed25519 --approver alice --expires 4h`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyPath == "" {
				return withCode(exitUsage, fmt.Errorf("--key is required"))
			}
			if expires <= 0 {
				return withCode(exitUsage, fmt.Errorf("--expires must be positive"))
			}
			planJSON, err := os.ReadFile(args[0])
			if err != nil {
				return withCode(exitUsage, err)
			}
			var file []byte
			if planFile != "" {
				if file, err = os.ReadFile(planFile); err != nil {
					return withCode(exitUsage, err)
				}
			}
			keyData, err := os.ReadFile(keyPath)
			if err != nil {
				return withCode(exitUsage, err)
			}
			key, err := plan.ParsePrivateKey(keyPath, keyData)
			if err != nil {
				return withCode(exitUsage, err)
			}
			if approver == "" {
				approver = os.Getenv("USER")
			}
			if approver == "" { // $USER is often unset in containers and CI
				if u, err := user.Current(); err == nil {
					approver = u.Username
				}
			}
			env, err := plan.Approve(plan.Approval{PlanJSON: planJSON, PlanFile: file, Approver: approver, Validity: expires}, key)
			if err != nil {
				return withCode(exitUsage, fmt.Errorf("%s: %w", args[0], err))
			}
			if output == "" {
				output = defaultEnvelope(args[0])
			}
			if err := writeOutput(output, func(w io.Writer) error {
				_, err := w.Write(append(env, '\n'))
				return err
			}); err != nil {
				return withCode(exitUsage, err)
			}
			if output != "-" {
				fmt.Fprintf(cmd.ErrOrStderr(), "approval by %s written to %s (expires in %s)\n", approver, output, expires)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&planFile, "planfile", "", "the binary plan `FILE` that terraform apply will run (tfplan), covered by the approval too")
	cmd.Flags().StringVar(&keyPath, "key", "", "Ed25519 private key, PEM PKCS#8 or OpenSSH format")
	cmd.Flags().StringVar(&approver, "approver", "", "approver name recorded in the approval (default $USER, else the current user's name)")
	cmd.Flags().DurationVar(&expires, "expires", plan.DefaultValidity, "how long the approval holds")
	cmd.Flags().StringVarP(&output, "output", "o", "", "envelope file (default PLAN.json.approval.json; - for stdout)")
	return cmd
}

func newPlanVerifyCmd() *cobra.Command {
	var planFile, keysDir, envelope, format string
	cmd := &cobra.Command{
		Use:   "verify PLAN.json --keys DIR",
		Short: "Check that a plan is approved, unchanged and unexpired",
		Long: `Verify exits 0 when the approval holds and 1 when it does not, saying
why: the plan JSON or plan file changed, the approval expired, or no
allowed approver signed it. DIR holds the allowed approvers' public keys
(*.pub in OpenSSH format, *.pem as PEM PUBLIC KEY).`,
		Example: `  parapet plan verify plan.json --planfile tfplan --keys approvers/`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if keysDir == "" {
				return withCode(exitUsage, fmt.Errorf("--keys is required"))
			}
			if format != "table" && format != "json" {
				return withCode(exitUsage, fmt.Errorf("--format %q: want table or json", format))
			}
			keys, err := plan.LoadPublicKeys(keysDir)
			if err != nil {
				return withCode(exitUsage, err)
			}
			planJSON, err := os.ReadFile(args[0])
			if err != nil {
				return withCode(exitUsage, err)
			}
			var file []byte
			if planFile != "" {
				if file, err = os.ReadFile(planFile); err != nil {
					return withCode(exitUsage, err)
				}
			}
			if envelope == "" {
				envelope = defaultEnvelope(args[0])
			}
			env, err := os.ReadFile(envelope)
			if err != nil {
				return withCode(exitUsage, err)
			}
			v, verr := plan.Verify(plan.VerifyRequest{Envelope: env, PlanJSON: planJSON, PlanFile: file, Keys: keys})
			out := cmd.OutOrStdout()
			if format == "json" {
				res := map[string]any{"schema": "parapet.plan-verification/v1", "plan": args[0], "verified": verr == nil}
				if verr != nil {
					res["error"] = verr.Error()
				} else {
					res["approver"], res["key_id"], res["key"] = v.Approver, v.KeyID, v.KeyName
					res["approved_at"], res["expires_at"] = v.ApprovedAt.Format(time.RFC3339), v.ExpiresAt.Format(time.RFC3339)
					res["covers_plan_file"] = v.PlanFile
				}
				if err := report.JSON(out, res); err != nil {
					return withCode(exitUsage, err)
				}
			} else if verr == nil {
				fmt.Fprintf(out, "verified: %s approved by %s (key %s, %s), expires %s\n", args[0], v.Approver, v.KeyName, v.KeyID[:16], v.ExpiresAt.Format(time.RFC3339))
			}
			if verr != nil {
				return withCode(exitFindings, fmt.Errorf("%s: %w", args[0], verr))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&planFile, "planfile", "", "the binary plan file about to be applied")
	cmd.Flags().StringVar(&keysDir, "keys", "", "folder of the allowed approvers' public keys")
	cmd.Flags().StringVar(&envelope, "envelope", "", "approval envelope (default PLAN.json.approval.json)")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return cmd
}
