// Package scan runs Parapet's posture pipeline on exported state: collect
// AWS accounts and Kubernetes clusters into one inventory snapshot,
// recognise the AI inventory, build the security graph and find attack
// paths and toxic combinations, and run the Rego resource checks. `parapet
// scan` and `parapet demo` are thin wrappers around Run.
package scan

import (
	"context"
	"fmt"
	"time"

	"github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/graph"
	"github.com/parapet-sec/parapet/internal/inventory"
	"github.com/parapet-sec/parapet/internal/policy"
)

// Inputs says what to scan. Any mix of sources may be given; at least one
// is needed.
type Inputs struct {
	// AWS are folders in CloudMapper's account-data layout (one account
	// folder, or a folder of account folders).
	AWS []string
	// K8s are files or folders of `kubectl get -A -o json` output.
	K8s []string
	// Authz are `aws iam get-account-authorization-details` files, added
	// to the IAM model beside those found in the account folders.
	Authz []string
	// Org is a folder of AWS Organizations listings with SCPs and RCPs
	// (docs/iam.md), applied when evaluating IAM access.
	Org string
	// ManagedPolicies is a folder of AWS-managed policy documents, for
	// authorization details that list managed policies without their
	// documents.
	ManagedPolicies string
	// Terraform are plan JSON files or HCL folders, scanned before deploy
	// (see docs/terraform.md).
	Terraform []string
	// Policies are folders of the user's own Rego checks (--policy).
	Policies []string
	// NoBuiltinPolicies leaves out the embedded checks.
	NoBuiltinPolicies bool
	// Sensitivity is a YAML file of sensitivity rules (--sensitivity).
	Sensitivity string
	// Graph tunes the graph analysis; Sensitivity and Access are filled in
	// by Run.
	Graph graph.Options
	// Progress, when set, is told about each stage as it starts.
	Progress func(stage string)
}

// Stage names, in the order Run goes through them.
const (
	StageCollect  = "collect"
	StageIAM      = "iam"
	StageAIBOM    = "ai inventory"
	StageGraph    = "graph"
	StagePolicies = "policies"
)

// Result is a scan's outcome.
type Result struct {
	Snapshot *inventory.Snapshot
	Graph    *graph.Graph
	// Findings are ranked: severity, then risk score (graph.Rank).
	Findings []inventory.Finding
	// Checks are the Rego checks that ran, for report metadata (SARIF
	// rules).
	Checks []*policy.Check
	// Timings holds each stage's duration.
	Timings map[string]time.Duration
	// Warnings say what the input lacks (a managed policy's document, a
	// group): findings that depend on it may be missing.
	Warnings []string
}

// Run scans the inputs. Errors name the file (and line, where the source
// format has one) that could not be read.
func Run(ctx context.Context, in Inputs) (*Result, error) {
	if len(in.AWS) == 0 && len(in.K8s) == 0 && len(in.Authz) == 0 && len(in.Terraform) == 0 {
		return nil, fmt.Errorf("nothing to scan: give --aws, --k8s, --authz or --terraform")
	}
	// Read the user's rules first: a bad file should fail before the work.
	var rules *graph.SensitivityRules
	if in.Sensitivity != "" {
		r, err := graph.LoadSensitivityRules(in.Sensitivity)
		if err != nil {
			return nil, err
		}
		rules = r
	}
	res := &Result{Timings: map[string]time.Duration{}}
	stage := func(name string) func() {
		if in.Progress != nil {
			in.Progress(name)
		}
		start := time.Now()
		return func() { res.Timings[name] += time.Since(start) }
	}

	done := stage(StageCollect)
	snap := inventory.New()
	if len(in.AWS) > 0 {
		s, err := aws.CollectResources(in.AWS...)
		if err != nil {
			return nil, err
		}
		snap.Merge(s)
	}
	if err := collectK8s(snap, in.K8s); err != nil {
		return nil, err
	}
	done()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	done = stage(StageIAM)
	ir, err := buildIAM(snap, in)
	if err != nil {
		return nil, err
	}
	res.Warnings = append(res.Warnings, ir.warnings...)
	done()

	done = stage(StageAIBOM)
	if err := recogniseAI(snap); err != nil {
		return nil, err
	}
	done()

	done = stage(StageGraph)
	opts := in.Graph
	opts.Sensitivity = rules
	if ir.access != nil {
		opts.Access = ir.access
	}
	snap.Normalize()
	gr, err := graph.Analyze(snap, opts)
	if err != nil {
		return nil, err
	}
	done()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	done = stage(StagePolicies)
	eng, err := policy.Load(ctx, policy.Options{Builtin: !in.NoBuiltinPolicies, Dirs: in.Policies})
	if err != nil {
		return nil, err
	}
	pf, err := eng.Resources(ctx, snap)
	if err != nil {
		return nil, err
	}
	done()

	res.Checks = eng.Checks()
	res.Snapshot = snap
	res.Graph = gr.Graph
	res.Findings = append(append(gr.Findings, ir.findings...), pf...)
	graph.Rank(res.Findings)
	return res, nil
}
