package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/parapet-sec/parapet/internal/plan"
)

// PlanKeys checks signed plans (`parapet plan approve`) against the public
// keys of the allowed approvers in Dir. A tool labelled
// applies_infrastructure must be called with the plan it will apply:
//
//	"plan":     path of the plan JSON (terraform show -json), or
//	"plan_json": the plan JSON itself;
//	"planfile": path of the binary plan file, when the approval covers one;
//	"approval": path of the DSSE envelope (default: plan + ".approval.json"),
//	            or "approval_envelope": the envelope itself.
type PlanKeys struct {
	Dir string
}

// VerifyPlan implements PlanVerifier.
func (p PlanKeys) VerifyPlan(_ context.Context, args map[string]any) (string, error) {
	keys, err := plan.LoadPublicKeys(p.Dir)
	if err != nil {
		return "", err
	}
	planJSON, planPath, err := jsonArg(args, "plan_json", "plan")
	if err != nil {
		return "", err
	}
	if planJSON == nil {
		return "", errors.New(`no plan in the arguments ("plan" path or "plan_json")`)
	}
	envDefault := ""
	if planPath != "" {
		envDefault = planPath + ".approval.json"
	}
	env, _, err := jsonArg(args, "approval_envelope", "approval")
	if err != nil {
		return "", err
	}
	if env == nil && envDefault != "" {
		env, err = readPlanFile(envDefault)
		if err != nil {
			return "", fmt.Errorf("no approval envelope: %w", err)
		}
	}
	if env == nil {
		return "", errors.New(`no approval envelope in the arguments ("approval" path or "approval_envelope")`)
	}
	var planFile []byte
	if pf, ok := args["planfile"].(string); ok && pf != "" {
		if planFile, err = readPlanFile(pf); err != nil {
			return "", err
		}
	}
	v, err := plan.Verify(plan.VerifyRequest{Envelope: env, PlanJSON: planJSON, PlanFile: planFile, Keys: keys})
	if err != nil {
		return "", err
	}
	return v.Approver, nil
}

// jsonArg reads an inline JSON argument (inlineKey, an object or a JSON
// string) or a file named by pathKey. It returns the bytes and the path.
func jsonArg(args map[string]any, inlineKey, pathKey string) ([]byte, string, error) {
	switch v := args[inlineKey].(type) {
	case string:
		return []byte(v), "", nil
	case map[string]any:
		b, err := json.Marshal(v)
		return b, "", err
	}
	if p, ok := args[pathKey].(string); ok && p != "" {
		b, err := readPlanFile(p)
		return b, p, err
	}
	return nil, "", nil
}

// maxPlanFileSize bounds what the gateway reads for a plan, a plan file
// or an envelope.
const maxPlanFileSize = 256 << 20

// readPlanFile reads a file an agent's arguments name. Only regular files
// of bounded size are read: a path like /dev/zero, /dev/stdin or a FIFO
// would otherwise exhaust the gateway's memory or hang the call.
func readPlanFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if st.Size() > maxPlanFileSize {
		return nil, fmt.Errorf("%s: %d bytes, larger than the %d a plan may have", path, st.Size(), maxPlanFileSize)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxPlanFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxPlanFileSize {
		return nil, fmt.Errorf("%s: larger than the %d bytes a plan may have", path, maxPlanFileSize)
	}
	return b, nil
}
