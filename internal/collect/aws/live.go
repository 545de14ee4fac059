package aws

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// ManagedPolicyAPI is the part of the IAM API that FetchManagedPolicies
// calls; *iam.Client from aws-sdk-go-v2 implements it.
type ManagedPolicyAPI interface {
	ListPolicies(context.Context, *awsiam.ListPoliciesInput, ...func(*awsiam.Options)) (*awsiam.ListPoliciesOutput, error)
	GetPolicyVersion(context.Context, *awsiam.GetPolicyVersionInput, ...func(*awsiam.Options)) (*awsiam.GetPolicyVersionOutput, error)
}

// NewIAMClient returns an IAM client configured the usual AWS way
// (environment, shared config and credentials files, SSO, instance role).
func NewIAMClient(ctx context.Context) (*awsiam.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	return awsiam.NewFromConfig(cfg), nil
}

// FetchManagedPolicies writes the default version of every AWS-managed
// policy (ListPolicies with scope AWS, then GetPolicyVersion) into dir, one
// `aws iam get-policy-version` response per file named by policy name: the
// managed-policies folder that LoadIAM reads. It needs iam:ListPolicies and
// iam:GetPolicyVersion, and reports each policy written through progress
// (which may be nil). It returns the number of policies written.
func FetchManagedPolicies(ctx context.Context, api ManagedPolicyAPI, dir string, progress func(arn string)) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	pager := awsiam.NewListPoliciesPaginator(api, &awsiam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws})
	n := 0
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return n, fmt.Errorf("iam:ListPolicies: %w", err)
		}
		for _, p := range page.Policies {
			arn := aws.ToString(p.Arn)
			out, err := api.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: p.Arn, VersionId: p.DefaultVersionId})
			if err != nil {
				return n, fmt.Errorf("iam:GetPolicyVersion %s: %w", arn, err)
			}
			if out.PolicyVersion == nil || out.PolicyVersion.Document == nil {
				return n, fmt.Errorf("iam:GetPolicyVersion %s: no document in the response", arn)
			}
			v := ManagedPolicyVersion{
				ARN:       arn,
				VersionID: aws.ToString(out.PolicyVersion.VersionId),
				Document:  aws.ToString(out.PolicyVersion.Document),
			}
			if out.PolicyVersion.CreateDate != nil {
				v.Created = *out.PolicyVersion.CreateDate
			}
			if _, err := WriteManagedPolicy(dir, v); err != nil {
				return n, err
			}
			n++
			if progress != nil {
				progress(arn)
			}
		}
	}
	return n, nil
}
