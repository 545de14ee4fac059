// Package check runs Parapet's policies where changes are made: the CI gate
// over Terraform plans, HCL folders and Kubernetes manifests (`parapet
// check`), with suppressions from .parapet.yaml and inline
// `parapet:ignore` comments, and the Kubernetes validating admission
// webhook (`parapet admission`). Both evaluate manifests through the same
// engine path, policy.Engine.Admission, so a rule denies the same object in
// CI and in the cluster.
package check

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/parapet-sec/parapet/internal/collect/k8s"
	"github.com/parapet-sec/parapet/internal/collect/terraform"
	"github.com/parapet-sec/parapet/internal/inventory"
	"github.com/parapet-sec/parapet/internal/policy"
)

// Options configure a check run. Flags fill them, over the settings of the
// .parapet.yaml in Config.
type Options struct {
	// NoBuiltin leaves out the built-in policies.
	NoBuiltin bool
	// PolicyDirs are user policy folders (Rego, Gatekeeper YAML).
	PolicyDirs []string
	// Select and Skip choose checks by id, glob or prefix.
	Select, Skip []string
	// PSS is the Pod Security selection ("restricted:v1.30"); empty means
	// restricted at the latest version.
	PSS string
	// AllowedRegistries are the registries agent workloads may pull from.
	AllowedRegistries []string
	// Suppressions accept findings (from .parapet.yaml).
	Suppressions []Suppression
	// Now is the time suppressions expire against; zero means time.Now.
	Now time.Time
}

// PolicyOptions turns the options into the policy engine's.
func (o Options) PolicyOptions() (policy.Options, error) {
	level, version, err := ParsePSS(o.PSS)
	if err != nil {
		return policy.Options{}, err
	}
	for _, p := range append(append([]string{}, o.Select...), o.Skip...) {
		if err := policy.ValidatePattern(p); err != nil {
			return policy.Options{}, err
		}
	}
	regs := o.AllowedRegistries
	if regs == nil {
		regs = []string{}
	}
	return policy.Options{
		Builtin: !o.NoBuiltin,
		Dirs:    o.PolicyDirs,
		Select:  o.Select,
		Skip:    o.Skip,
		Config: map[string]any{
			"pss":   map[string]any{"level": level, "version": version},
			"agent": map[string]any{"allowed_registries": regs},
		},
	}, nil
}

// Report is the outcome of a check run.
type Report struct {
	// Findings holds every finding, suppressed ones included (with their
	// reason), sorted worst first.
	Findings []inventory.Finding
	// Checks are the checks that ran, for SARIF rule metadata.
	Checks []*policy.Check
	// Expired lists suppressions past their expiry; they fail the run.
	Expired []Suppression
	// Inputs lists what was read: "manifest", "terraform-plan" or
	// "terraform-hcl", with the path.
	Inputs []Input
	// Warnings are things read but not understood (files skipped, Terraform
	// values left unknown).
	Warnings []string
}

// Input is one thing a run read.
type Input struct {
	Kind string `json:"kind"`
	Path string `json:"path"`
}

// Run checks the plans, HCL folders and manifests at paths.
func Run(ctx context.Context, paths []string, opts Options) (*Report, error) {
	if len(paths) == 0 {
		return nil, errors.New("check: no paths to check")
	}
	popts, err := opts.PolicyOptions()
	if err != nil {
		return nil, err
	}
	in, err := readInputs(paths)
	if err != nil {
		return nil, err
	}
	eng, err := policy.Load(ctx, popts)
	if err != nil {
		return nil, err
	}
	rep := &Report{Inputs: in.inputs, Warnings: in.warnings}
	for _, c := range eng.Checks() {
		// Tool-call checks never answer here.
		if c.AppliesTo(policy.KindAdmission) || c.AppliesTo(policy.KindResource) {
			rep.Checks = append(rep.Checks, c)
		}
	}
	if len(rep.Checks) == 0 {
		rep.Warnings = append(rep.Warnings, "no checks selected: see --select, --skip, --no-builtin and --policy")
	}
	if len(in.inputs) == 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("nothing to check in %s: no Kubernetes manifests, Terraform plans or Terraform folders", strings.Join(paths, ", ")))
	}
	inline := map[string][]inlineIgnore{}

	if len(in.objects) > 0 {
		fs, err := checkManifests(ctx, eng, in.objects, inline)
		if err != nil {
			return nil, err
		}
		rep.Findings = append(rep.Findings, fs...)
		// The manifests are also an inventory, so the posture checks on
		// Kubernetes nodes (input.resource) run on them as `parapet scan`
		// runs them on a cluster dump.
		objs := make([]k8s.Object, len(in.objects))
		for i, o := range in.objects {
			objs[i] = o.Object
		}
		rs, err := eng.Resources(ctx, k8s.Options{}.Build(objs))
		if err != nil {
			return nil, fmt.Errorf("check: %w", err)
		}
		rep.Findings = append(rep.Findings, rs...)
	}
	for _, tf := range in.terraform {
		fs, err := checkTerraform(ctx, eng, tf, inline)
		if err != nil {
			return nil, err
		}
		rep.Warnings = append(rep.Warnings, tf.cfg.Warnings...)
		rep.Findings = append(rep.Findings, fs...)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	rep.Expired = suppress(rep.Findings, inline, opts.Suppressions, now)
	sortFindings(rep.Findings)
	return rep, nil
}

// sortFindings orders findings worst first, then by check, file, line and
// resource, so output is stable.
func sortFindings(fs []inventory.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if a.Check != b.Check {
			return a.Check < b.Check
		}
		af, al := loc(a)
		bf, bl := loc(b)
		if af != bf {
			return af < bf
		}
		if al != bl {
			return al < bl
		}
		return first(a.Resources) < first(b.Resources)
	})
}

func loc(f inventory.Finding) (string, int) {
	if f.Location == nil {
		return "", 0
	}
	return f.Location.File, f.Location.Line
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// inputs is what readInputs found.
type inputs struct {
	objects   []manifestObject
	terraform []terraformInput
	inputs    []Input
	warnings  []string
}

type manifestObject struct {
	k8s.Object
	ignores []inlineIgnore
}

type terraformInput struct {
	path string
	cfg  *terraform.Config
}

// Stdin is what a PATH of "-" reads: manifests or plan JSON, as `helm
// template` or `terraform show -json` print them.
var Stdin io.Reader = os.Stdin

// readInputs classifies and reads every path ("-" is standard input): a folder with .tf files is a
// Terraform root module; JSON with format_version is a plan; YAML and other
// JSON are Kubernetes manifests. Inside folders, YAML and JSON files that
// are not Kubernetes objects are skipped with a warning; named files must
// parse.
func readInputs(paths []string) (*inputs, error) {
	in := &inputs{}
	for _, p := range paths {
		if p == "-" {
			data, err := io.ReadAll(io.LimitReader(Stdin, k8s.MaxFileSize+1))
			if err != nil {
				return nil, fmt.Errorf("check: reading standard input: %w", err)
			}
			if len(data) > k8s.MaxFileSize {
				return nil, fmt.Errorf("check: standard input is larger than %d bytes", k8s.MaxFileSize)
			}
			if err := in.readData("<stdin>", ".yaml", data, true); err != nil {
				return nil, err
			}
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("check: %w", err)
		}
		if !st.IsDir() {
			if err := in.readFile(p, true); err != nil {
				return nil, err
			}
			continue
		}
		if hasTF(p) {
			cfg, err := terraform.LoadDir(p, nil)
			if err != nil {
				return nil, err
			}
			in.terraform = append(in.terraform, terraformInput{path: p, cfg: cfg})
			in.inputs = append(in.inputs, Input{Kind: "terraform-hcl", Path: p})
		}
		var files []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != p && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
					return filepath.SkipDir
				}
				return nil
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".yaml", ".yml", ".json":
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("check: %w", err)
		}
		sort.Strings(files)
		for _, f := range files {
			if filepath.Base(f) == ConfigFile {
				continue
			}
			if err := in.readFile(f, false); err != nil {
				return nil, err
			}
		}
	}
	return in, nil
}

func hasTF(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	return len(m) > 0
}

// readFile reads one plan or manifest file. strict is true for files named
// on the command line.
func (in *inputs) readFile(path string, strict bool) error {
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".tf" {
		return fmt.Errorf("check: %s is a .tf file: give its folder, which Terraform reads as one module", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	return in.readData(path, ext, data, strict)
}

// readData reads one plan or manifest document set named path.
func (in *inputs) readData(path, ext string, data []byte, strict bool) error {
	if isPlan(data) {
		cfg, err := terraform.ReadPlan(path, data)
		if err != nil {
			return err
		}
		in.terraform = append(in.terraform, terraformInput{path: path, cfg: cfg})
		in.inputs = append(in.inputs, Input{Kind: "terraform-plan", Path: path})
		return nil
	}
	switch ext {
	case ".yaml", ".yml", ".json":
	default:
		if strict {
			return fmt.Errorf("check: %s: not a Terraform plan (JSON), a folder, or a Kubernetes manifest (.yaml, .yml, .json)", path)
		}
		return nil
	}
	objs, err := k8s.Parse(path, data)
	if err != nil {
		if !strict {
			in.warnings = append(in.warnings, fmt.Sprintf("skipped %s: not Kubernetes manifests (%v)", path, err))
			return nil
		}
		return fmt.Errorf("check: %w", err)
	}
	mos, err := withIgnores(path, data, objs)
	if err != nil {
		return err
	}
	in.objects = append(in.objects, mos...)
	if len(objs) > 0 {
		in.inputs = append(in.inputs, Input{Kind: "manifest", Path: path})
	}
	return nil
}

// isPlan reports whether data is Terraform plan JSON.
func isPlan(data []byte) bool {
	t := bytes.TrimSpace(data)
	if len(t) == 0 || t[0] != '{' {
		return false
	}
	var head struct {
		FormatVersion    string          `json:"format_version"`
		TerraformVersion string          `json:"terraform_version"`
		ResourceChanges  json.RawMessage `json:"resource_changes"`
		PlannedValues    json.RawMessage `json:"planned_values"`
	}
	if json.Unmarshal(t, &head) != nil {
		return false
	}
	return head.FormatVersion != "" && (head.TerraformVersion != "" || head.ResourceChanges != nil || head.PlannedValues != nil)
}

// withIgnores attaches to each object the parapet:ignore comments of its
// YAML document (between "---" separators), or of its lines when several
// objects share a document (the items of a List).
func withIgnores(file string, data []byte, objs []k8s.Object) ([]manifestObject, error) {
	var seps []int
	for n, line := range bytes.Split(data, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("---")) {
			seps = append(seps, n+1)
		}
	}
	out := make([]manifestObject, len(objs))
	for i, o := range objs {
		last := 0
		next := 0
		for _, s := range seps {
			if s < o.Line {
				last = s
			} else if next == 0 && s > o.Line {
				next = s
			}
		}
		from := last + 1
		if i > 0 && objs[i-1].File == file && objs[i-1].Line > last {
			from = o.Line
		}
		to := 0
		if next > 0 {
			to = next - 1
		}
		if i+1 < len(objs) && objs[i+1].Line > o.Line && (to == 0 || objs[i+1].Line-1 < to) {
			to = objs[i+1].Line - 1
		}
		ig, err := scanIgnores(file, data, from, to)
		if err != nil {
			return nil, err
		}
		out[i] = manifestObject{Object: o, ignores: ig}
	}
	return out, nil
}

// ObjectID is the resource id of a manifest object in findings, the one the
// Kubernetes collector gives the same object.
func ObjectID(o k8s.Object) string {
	return k8s.ID(k8s.DefaultCluster, o.Namespace(), o.Kind(), o.Name())
}

// checkManifests evaluates every object as an admission request, with every
// object of the run in data.inventory.
func checkManifests(ctx context.Context, eng *policy.Engine, objs []manifestObject, inline map[string][]inlineIgnore) ([]inventory.Finding, error) {
	raws := make([]map[string]any, len(objs))
	for i, o := range objs {
		raws[i] = o.Raw
	}
	if err := eng.SetClusterInventory(ctx, raws); err != nil {
		return nil, err
	}
	var out []inventory.Finding
	for i, o := range objs {
		id := ObjectID(o.Object)
		k := ignoreKey(o.File, id)
		inline[k] = append(inline[k], o.ignores...)
		req := AdmissionRequest(o.Raw, fmt.Sprintf("parapet-check-%d", i), "CREATE")
		v, err := ast.InterfaceToValue(req)
		if err != nil {
			return nil, fmt.Errorf("check: %s: %w", o.Source(), err)
		}
		res, err := eng.AdmissionValue(ctx, v)
		if err != nil {
			return nil, fmt.Errorf("check: %s: %w", o.Source(), err)
		}
		loc := &inventory.Location{File: o.File, Line: o.Line}
		for _, r := range append(res.Denied, res.Warnings...) {
			out = append(out, r.Finding(id, loc))
		}
	}
	return out, nil
}

// AdmissionRequest builds the AdmissionRequest Kubernetes would send for
// obj, as input.review: kind, name, namespace, operation and the object.
func AdmissionRequest(obj map[string]any, uid, operation string) map[string]any {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	group, version := "", apiVersion
	if g, v, ok := strings.Cut(apiVersion, "/"); ok {
		group, version = g, v
	}
	md, _ := obj["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	ns, _ := md["namespace"].(string)
	return map[string]any{
		"uid":       uid,
		"kind":      map[string]any{"group": group, "version": version, "kind": kind},
		"name":      name,
		"namespace": ns,
		"operation": operation,
		"userInfo":  map[string]any{"username": "parapet-check"},
		"object":    obj,
		"oldObject": nil,
		"dryRun":    true,
	}
}

// checkTerraform evaluates the resource checks on a Terraform
// configuration's inventory.
func checkTerraform(ctx context.Context, eng *policy.Engine, tf terraformInput, inline map[string][]inlineIgnore) ([]inventory.Finding, error) {
	snap := tf.cfg.Snapshot()
	fs, err := eng.Resources(ctx, snap)
	if err != nil {
		return nil, fmt.Errorf("check: %s: %w", tf.path, err)
	}
	files := map[string][]byte{}
	for _, n := range snap.Nodes {
		loc := policy.SourceLocation(n.Source)
		if loc == nil || loc.Line == 0 || !strings.HasSuffix(loc.File, ".tf") {
			continue
		}
		data, ok := files[loc.File]
		if !ok {
			data, _ = os.ReadFile(loc.File)
			files[loc.File] = data
		}
		from, to := hclBlock(data, loc.Line)
		ig, err := scanIgnores(loc.File, data, from, to)
		if err != nil {
			return nil, err
		}
		k := ignoreKey(loc.File, n.ID)
		inline[k] = append(inline[k], ig...)
	}
	var plan []byte
	for i := range fs {
		l := fs[i].Location
		if l == nil {
			continue
		}
		file, _, ok := strings.Cut(l.File, "#")
		if !ok {
			continue
		}
		l.File = file
		if plan == nil {
			plan, _ = os.ReadFile(file)
		}
		for _, r := range fs[i].Resources {
			if n := snap.Node(r); n != nil {
				if addr, _ := n.Props["terraform_address"].(string); addr != "" {
					l.Line = planLine(plan, addr)
					break
				}
			}
		}
	}
	return fs, nil
}

// hclBlock returns the lines of the block starting at line: the comments
// right above it, and the block down to its closing brace.
func hclBlock(data []byte, line int) (from, to int) {
	lines := strings.Split(string(data), "\n")
	from = line
	for from > 1 {
		t := strings.TrimSpace(lines[from-2])
		if strings.HasPrefix(t, "#") || strings.HasPrefix(t, "//") {
			from--
			continue
		}
		break
	}
	to = len(lines)
	for n := line; n <= len(lines); n++ {
		if strings.HasPrefix(lines[n-1], "}") {
			to = n
			break
		}
	}
	return from, to
}

// planLine finds the line of a resource's entry in plan JSON, in
// resource_changes where it is there, or 0.
func planLine(plan []byte, addr string) int {
	q, _ := json.Marshal(addr)
	from := bytes.Index(plan, []byte(`"resource_changes"`))
	if from < 0 {
		from = 0
	}
	for _, pat := range [][]byte{append([]byte(`"address": `), q...), append([]byte(`"address":`), q...)} {
		if i := bytes.Index(plan[from:], pat); i >= 0 {
			l, _ := inventory.LineCol(plan, int64(from+i))
			return l
		}
		if i := bytes.Index(plan, pat); i >= 0 {
			l, _ := inventory.LineCol(plan, int64(i))
			return l
		}
	}
	return 0
}
