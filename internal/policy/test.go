package policy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/parapet-sec/parapet/policies"
)

// TestOptions says which Rego tests to run.
type TestOptions struct {
	// Builtin includes the built-in bundle and its tests.
	Builtin bool
	// Dirs are user policy folders; their *_test.rego files run too.
	Dirs []string
	// Run keeps only the tests whose name matches this regular expression.
	Run string
}

// TestResult is the outcome of one Rego test.
type TestResult struct {
	File     string        `json:"file"`
	Line     int           `json:"line"`
	Package  string        `json:"package"`
	Name     string        `json:"name"`
	Pass     bool          `json:"pass"`
	Skip     bool          `json:"skip,omitempty"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	Output   string        `json:"output,omitempty"`
}

// Test runs the Rego tests (rules named test_*) of the built-in bundle and
// of dirs with OPA's test runner. A compile error of any policy is an error.
func Test(ctx context.Context, opts TestOptions) ([]TestResult, error) {
	var mods []*module
	bm, err := readFS(policies.FS, "policies", true, true)
	if err != nil {
		return nil, err
	}
	for _, m := range bm {
		// Without the built-ins, their libraries still load (user
		// policies import them), but not their checks or tests.
		if opts.Builtin || (m.check == nil && !strings.HasSuffix(m.file, "_test.rego")) {
			mods = append(mods, m)
		}
	}
	for _, d := range opts.Dirs {
		um, err := readDir(d, true)
		if err != nil {
			return nil, err
		}
		mods = append(mods, um...)
	}
	modules := make(map[string]*ast.Module, len(mods))
	for _, m := range mods {
		modules[m.file] = m.mod
	}
	ch, err := tester.NewRunner().
		SetDefaultRegoVersion(ast.RegoV1).
		SetModules(modules).
		SetStore(inmem.NewFromObject(baseData(nil))).
		CapturePrintOutput(true).
		Filter(opts.Run).
		RunTests(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("policy test: %w", err)
	}
	var out []TestResult
	for r := range ch {
		tr := TestResult{Package: r.Package, Name: r.Name, Pass: r.Pass(), Skip: r.Skip, Duration: r.Duration, Output: string(r.Output)}
		if r.Location != nil {
			tr.File, tr.Line = r.Location.File, r.Location.Row
		}
		if r.Error != nil {
			tr.Error = r.Error.Error()
		}
		out = append(out, tr)
	}
	return out, nil
}
