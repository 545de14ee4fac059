package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	collectaws "github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/iam"
	"github.com/parapet-sec/parapet/internal/inventory"
	"github.com/spf13/cobra"
)

func newIAMAnalyzeCmd() *cobra.Command {
	var (
		in      iamInputs
		format  string
		output  string
		failOn  string
		depth   int
		lateral bool
	)
	cmd := &cobra.Command{
		Use:   "analyze",
		Short: "Find admin-equivalent principals and privilege-escalation paths",
		Long: `Build the privilege-escalation graph of the input: an edge from A to B means
A can gain B's identity or permissions (assume it, pass it to a compute
service, create its keys, rewrite its policies or trust policy, take over a
workload that runs as it, ...), named by the technique's pathfinding.cloud
id. Prints the principals with their admin-equivalence, then the paths,
worst first: every path to administrator power, and with --lateral every
one-step move to another principal. A path that needs an existing resource (a function, instance,
stack or notebook running as the target) that the input does not show is
"potential"; --aws DIR gives the resources and makes it concrete or drops it.

Exit status: 0 no finding at or above --fail-on, 1 findings at or above it,
2 input error.`,
		Example: `  parapet iam analyze --authz authz.json
  parapet iam analyze --authz a.json --authz b.json --scp org/ --aws account-data/demo --format json --output escalation.json
  parapet iam analyze --authz authz.json --fail-on critical`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return withCode(exitUsage, fmt.Errorf("--format %q: want table or json", format))
			}
			min, err := inventory.ParseSeverity(failOn)
			if err != nil {
				return withCode(exitUsage, fmt.Errorf("--fail-on: %w", err))
			}
			data, err := loadIAMModel(&in)
			if err != nil {
				return err
			}
			opt := iam.AnalyzeOptions{MaxDepth: depth, Lateral: lateral}
			if len(in.aws) > 0 {
				snap, err := collectaws.CollectResources(in.aws...)
				if err != nil {
					return withCode(exitUsage, err)
				}
				known, err := inventoriedWorkloads(in.aws)
				if err != nil {
					return withCode(exitUsage, err)
				}
				opt.Inventory = iam.WorkloadsFromSnapshot(snap, known...)
			}
			// The analysis allocates many small, long-lived objects: collect
			// less often, within a soft limit well under the 2 GiB budget.
			debug.SetGCPercent(400)
			debug.SetMemoryLimit(1536 << 20)
			res := iam.AnalyzeEscalation(data.Model, opt)
			err = writeOutput(output, func(w io.Writer) error {
				if format == "json" {
					// Paths come ranked in the order report.Sort gives
					// their findings.
					return res.WriteJSON(w)
				}
				return writeAnalyzeTable(w, res)
			})
			if err != nil {
				return withCode(exitUsage, err)
			}
			for _, p := range res.Paths {
				if p.Severity().AtLeast(min) {
					return withCode(exitFindings, nil)
				}
			}
			return nil
		},
	}
	addIAMInputFlags(cmd, &in)
	f := cmd.Flags()
	f.StringVar(&format, "format", "table", "output format: table or json")
	f.StringVarP(&output, "output", "o", "", "write to FILE instead of stdout (atomically)")
	f.StringVar(&failOn, "fail-on", "high", "exit 1 when a finding is at or above this severity (critical, high, medium, low, info, none)")
	f.IntVar(&depth, "max-depth", 6, "longest escalation path searched, in steps")
	f.BoolVar(&lateral, "lateral", false, "also report one-step paths to principals that are not administrators (lateral movement)")
	return cmd
}

// workloadCalls are the account-data files that list each kind of
// workload: when every account holds the file, a workload of that kind
// absent from the inventory does not exist.
var workloadCalls = []struct{ kind, call string }{
	{iam.WorkloadLambda, "lambda-list-functions"},
	{iam.WorkloadEC2Instance, "ec2-describe-instances"},
}

// inventoriedWorkloads returns the workload kinds that every account of the
// --aws folders lists, in at least one region.
func inventoriedWorkloads(dirs []string) ([]string, error) {
	var accounts []*collectaws.AccountData
	for _, d := range dirs {
		as, err := collectaws.DiscoverAccountData(d)
		if err != nil {
			return nil, err
		}
		accounts = append(accounts, as...)
	}
	var known []string
	for _, wc := range workloadCalls {
		all := len(accounts) > 0
		for _, a := range accounts {
			listed := false
			for _, r := range a.Regions {
				var v any
				ok, err := a.Read(r, wc.call, &v)
				if err != nil {
					return nil, err
				}
				if ok {
					listed = true
					break
				}
			}
			all = all && listed
		}
		if all {
			known = append(known, wc.kind)
		}
	}
	return known, nil
}

// writeAnalyzeTable prints the principals (administrators first) and the
// paths, worst first.
func writeAnalyzeTable(w io.Writer, res *iam.Escalation) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PRINCIPAL\tKIND\tADMIN\tWHY")
	admins := 0
	for _, pass := range []bool{true, false} {
		for _, p := range res.Principals {
			if p.Status.Admin != pass {
				continue
			}
			admin, why := "no", ""
			if p.Status.Admin {
				admins++
				admin, why = "yes", p.Status.Reason
				if len(p.Status.Conditions) > 0 {
					admin = "if conditions hold"
				}
			}
			if len(p.Incomplete) > 0 {
				why = strings.TrimSpace(why + " (incomplete input: " + strings.Join(p.Incomplete, "; ") + ")")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.ARN, p.Kind, admin, why)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s, %d admin-equivalent, %s\n\n", count(len(res.Principals), "principal", "principals"), admins, count(len(res.Paths), "escalation path", "escalation paths"))
	if len(res.Paths) == 0 {
		return nil
	}
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tFROM\tTO\tADMIN\tSTEPS")
	for _, p := range res.Paths {
		var steps []string
		for _, s := range p.Steps {
			steps = append(steps, s.Technique.ID)
		}
		admin := "no"
		if p.Admin {
			admin = "yes"
		}
		var notes []string
		if p.Potential {
			notes = append(notes, "potential")
		}
		if p.Conditional() {
			notes = append(notes, "conditional")
		}
		line := strings.Join(steps, " > ")
		if len(notes) > 0 {
			line += " (" + strings.Join(notes, ", ") + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", strings.ToUpper(string(p.Severity())), p.From, p.To, admin, line)
	}
	return tw.Flush()
}
