package main

import (
	collectaws "github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/collect/terraform"
)

// loadIAMInputs reads the AWS IAM inputs and adds the principals of the
// Terraform configurations (plan JSON or HCL folders) named by
// --terraform; with only Terraform inputs the model holds them alone.
func loadIAMInputs(in collectaws.IAMInputs, tf []string) (*collectaws.IAMData, error) {
	var data *collectaws.IAMData
	if len(tf) == 0 || len(in.Authz) > 0 || len(in.Accounts) > 0 {
		d, err := collectaws.LoadIAM(in)
		if err != nil {
			return nil, err
		}
		data = d
	}
	return terraform.AddIAMData(data, tf, in.ManagedPolicies)
}
