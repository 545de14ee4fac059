package policy_test

import (
	"context"
	"fmt"

	"github.com/parapet-sec/parapet/internal/policy"
)

// An admission review of a privileged Pod, evaluated with the built-in
// Pod Security controls at the baseline level.
func ExampleEngine_Admission() {
	ctx := context.Background()
	eng, err := policy.Load(ctx, policy.Options{
		Builtin: true,
		Select:  []string{"PAR-K8S-PSS"},
		Config:  map[string]any{"pss": map[string]any{"level": "baseline", "version": "latest"}},
	})
	if err != nil {
		panic(err)
	}
	res, err := eng.Admission(ctx, []byte(`{
	  "uid": "1", "operation": "CREATE", "namespace": "web",
	  "kind": {"group": "", "version": "v1", "kind": "Pod"},
	  "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debug", "namespace": "web"},
	    "spec": {"containers": [{"name": "sh", "image": "busybox", "securityContext": {"privileged": true}}]}}}`))
	if err != nil {
		panic(err)
	}
	fmt.Println("allowed:", res.Allowed())
	for _, r := range res.Denied {
		fmt.Println(r.Check.ID, r.Field)
	}
	// Output:
	// allowed: false
	// PAR-K8S-PSS-PRIVILEGED spec.containers[0].securityContext.privileged
}

// A tool call decided by a user policy folder: deny beats approve beats
// redact beats allow.
func ExampleEngine_ToolCall() {
	ctx := context.Background()
	eng, err := policy.Load(ctx, policy.Options{Dirs: []string{"testdata/user"}})
	if err != nil {
		panic(err)
	}
	d, err := eng.ToolCall(ctx, policy.ToolCallInput{
		Agent:     policy.Agent{ID: "ops-agent"},
		Session:   policy.Session{ID: "s1"},
		Tool:      policy.Tool{Server: "aws", Name: "delete_bucket"},
		Arguments: map[string]any{"bucket": "prod-logs"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Verdict, "-", d.Reason)
	// Output:
	// approve - deleting prod-logs needs a human
}
