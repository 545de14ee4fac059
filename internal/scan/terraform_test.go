package scan

import (
	"context"
	"testing"
)

func TestScanningATerraformConfigurationFindsPathsAndEscalationBeforeDeploy(t *testing.T) {
	for _, tf := range []string{"../collect/terraform/testdata/agent", "../collect/terraform/testdata/agent.plan.json"} {
		t.Run(tf, func(t *testing.T) {
			res, err := Run(context.Background(), Inputs{Terraform: []string{tf}, ManagedPolicies: "../collect/terraform/testdata/managed-policies"})
			if err != nil {
				t.Fatal(err)
			}
			found := map[string]bool{}
			for _, f := range res.Findings {
				found[f.Check+" "+f.Resources[0]] = true
			}
			for _, want := range []string{
				"PAR-PATH-001 tf://aws_lambda_function.tool",                  // internet -> function URL -> admin role
				"PAR-AWS-IAM-001 arn:aws:iam::<unknown>:user/people/acme-dev", // PassRole + CreateFunction
				"PAR-AWS-EC2-001 tf://module.runtime.aws_instance.host",       // IMDSv1 on a public instance
			} {
				if !found[want] {
					t.Errorf("no finding %s; have %v", want, found)
				}
			}
		})
	}
}
