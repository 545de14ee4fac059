package check

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/parapet-sec/parapet/internal/collect/terraform"
	"github.com/parapet-sec/parapet/internal/graph"
	"github.com/parapet-sec/parapet/internal/iam"
	"github.com/parapet-sec/parapet/internal/inventory"
	"github.com/parapet-sec/parapet/internal/policy"
)

// Baseline names the estate a change is checked against.
type Baseline struct {
	// Snapshot is an inventory snapshot file, as `parapet scan --snapshot`
	// writes it.
	Snapshot string
	// ManagedPolicies is a folder of AWS-managed policy documents, for
	// policies the configuration attaches by ARN.
	ManagedPolicies string
	// Sensitivity is a YAML file of sensitivity rules, as scan takes.
	Sensitivity string
}

// RunBaseline answers "does this change open a new path?": it applies the
// Terraform changes at paths (plan JSON or HCL folders) to the baseline
// snapshot and reports only the findings (attack paths, toxic combinations,
// policy findings) present with the changes applied and absent from the
// baseline. Both sides are analysed the same way: the same graph checks and
// policies, and IAM access evaluated from the configuration's principals:
// before the change as a plan's prior values give them, and, for
// principals the baseline has that the plan does not show as existing, as
// the configuration gives them.
func RunBaseline(ctx context.Context, paths []string, b Baseline, opts Options) (*Report, error) {
	if len(paths) == 0 {
		return nil, errors.New("check: no plan to compare with the baseline")
	}
	data, err := os.ReadFile(b.Snapshot)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	base, err := inventory.Decode(bytes.NewReader(data), b.Snapshot)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	rep := &Report{Inputs: []Input{{Kind: "baseline", Path: b.Snapshot}}}
	var configs []*terraform.Config
	for _, p := range paths {
		c, err := terraform.Load(p)
		if err != nil {
			return nil, err
		}
		kind := "terraform-plan"
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			kind = "terraform-hcl"
		}
		rep.Inputs = append(rep.Inputs, Input{Kind: kind, Path: p})
		rep.Warnings = append(rep.Warnings, c.Warnings...)
		configs = append(configs, c)
	}
	popts, err := opts.PolicyOptions()
	if err != nil {
		return nil, err
	}
	eng, err := policy.Load(ctx, popts)
	if err != nil {
		return nil, err
	}
	rep.Checks = eng.Checks()
	gopts := graph.Options{}
	if b.Sensitivity != "" {
		if gopts.Sensitivity, err = graph.LoadSensitivityRules(b.Sensitivity); err != nil {
			return nil, err
		}
	}
	iopts := terraform.IAMOptions{ManagedPolicies: b.ManagedPolicies}
	after, before := iam.NewModel(), iam.NewModel()
	var changes []*inventory.Snapshot
	var removed []string
	for _, c := range configs {
		rep.Warnings = append(rep.Warnings, c.AddIAM(after, iopts)...)
		if c.Prior != nil {
			c.Prior.AddIAM(before, iopts)
		}
		// Principals the baseline already has but the change does not
		// describe as existing (source folders; plans made against
		// another state) are taken as the configuration says.
		same := iam.NewModel()
		c.AddIAM(same, iopts)
		for _, p := range same.Principals() {
			if before.Principal(p.ARN) == nil && base.Node(p.ARN) != nil {
				before.AddPrincipal(p)
			}
		}
		changes = append(changes, c.Snapshot())
		removed = append(removed, c.Removed...)
	}
	was, err := analyzeEstate(ctx, eng, clone(base), before, gopts)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	applied := ApplyChanges(clone(base), removed, changes...)
	now, err := analyzeEstate(ctx, eng, applied, after, gopts)
	if err != nil {
		return nil, fmt.Errorf("with the change applied: %w", err)
	}
	rep.Findings = AddedFindings(was, now)
	locate(rep.Findings, applied)
	at := opts.Now
	if at.IsZero() {
		at = time.Now()
	}
	rep.Expired = suppress(rep.Findings, nil, opts.Suppressions, at)
	sortFindings(rep.Findings)
	return rep, nil
}

// analyzeEstate runs the graph checks and the resource policies on snap.
func analyzeEstate(ctx context.Context, eng *policy.Engine, snap *inventory.Snapshot, m *iam.Model, opts graph.Options) ([]inventory.Finding, error) {
	snap.Normalize()
	opts.Access = graph.IAMAccess{Model: m}
	gr, err := graph.Analyze(snap, opts)
	if err != nil {
		return nil, err
	}
	pf, err := eng.Resources(ctx, snap)
	if err != nil {
		return nil, err
	}
	return append(gr.Findings, pf...), nil
}

func clone(s *inventory.Snapshot) *inventory.Snapshot {
	var buf bytes.Buffer
	if err := s.Encode(&buf); err != nil {
		panic(err) // a decoded snapshot always encodes
	}
	c, err := inventory.Decode(&buf, "baseline")
	if err != nil {
		panic(err)
	}
	return c
}

// ApplyChanges returns base with the nodes in removed (and their edges)
// taken out and the changes laid over it: a node of a change replaces the
// node with the same ID, keeping the props and tags the change does not
// set (what a live collector saw beyond the configuration); edges are
// added.
func ApplyChanges(base *inventory.Snapshot, removed []string, changes ...*inventory.Snapshot) *inventory.Snapshot {
	gone := map[string]bool{}
	for _, id := range removed {
		gone[id] = true
	}
	byID := map[string]*inventory.Node{}
	out := inventory.New()
	for _, n := range base.Nodes {
		if !gone[n.ID] {
			byID[n.ID] = n
		}
	}
	for _, ch := range changes {
		for _, n := range ch.Nodes {
			if old, ok := byID[n.ID]; ok {
				merged := *n
				merged.Props = map[string]any{}
				for k, v := range old.Props {
					merged.Props[k] = v
				}
				for k, v := range n.Props {
					merged.Props[k] = v
				}
				if len(old.Tags) > 0 && n.Tags == nil {
					merged.Tags = old.Tags
				}
				if merged.Account == "" {
					merged.Account = old.Account
				}
				n = &merged
			}
			byID[n.ID] = n
		}
	}
	for _, n := range byID {
		out.Add(n)
	}
	keep := func(e *inventory.Edge) bool { return !gone[e.From] && !gone[e.To] }
	for _, e := range base.Edges {
		if keep(e) {
			out.Connect(e.From, e.To, e.Kind, e.Props)
		}
	}
	for _, ch := range changes {
		for _, e := range ch.Edges {
			if keep(e) {
				out.Connect(e.From, e.To, e.Kind, e.Props)
			}
		}
	}
	out.Normalize()
	return out
}

// findingKey identifies a finding across two analyses: its check, its
// resources and its path, not its wording or rank.
func findingKey(f inventory.Finding) string {
	res := append([]string(nil), f.Resources...)
	sort.Strings(res)
	var b strings.Builder
	b.WriteString(f.Check)
	b.WriteByte(0)
	b.WriteString(strings.Join(res, "\x01"))
	for _, e := range f.Path {
		b.WriteByte(0)
		b.WriteString(e.From + "\x01" + e.Kind + "\x01" + e.To)
	}
	return b.String()
}

// AddedFindings returns the findings of after that before does not have.
func AddedFindings(before, after []inventory.Finding) []inventory.Finding {
	had := map[string]bool{}
	for _, f := range before {
		had[findingKey(f)] = true
	}
	var out []inventory.Finding
	for _, f := range after {
		if !had[findingKey(f)] {
			out = append(out, f)
		}
	}
	return out
}

// locate points findings without a location at the Terraform source of
// their first resource, or else the first node on their path, that comes
// from the change ("file:line" for HCL, the plan file for plans).
func locate(fs []inventory.Finding, snap *inventory.Snapshot) {
	for i := range fs {
		if fs[i].Location != nil {
			continue
		}
		ids := append([]string(nil), fs[i].Resources...)
		for _, e := range fs[i].Path {
			ids = append(ids, e.From, e.To)
		}
		for _, id := range ids {
			n := snap.Node(id)
			if n == nil || n.Source == "" {
				continue
			}
			if _, ok := n.Props["terraform_address"]; !ok {
				continue
			}
			file, line := n.Source, 0
			if j := strings.IndexByte(file, '#'); j >= 0 {
				file = file[:j]
			} else if j := strings.LastIndexByte(file, ':'); j >= 0 {
				if l, err := strconv.Atoi(file[j+1:]); err == nil {
					file, line = file[:j], l
				}
			}
			fs[i].Location = &inventory.Location{File: file, Line: line}
			break
		}
	}
}
