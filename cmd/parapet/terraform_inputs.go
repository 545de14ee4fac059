package main

import (
	collectaws "github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/collect/terraform"
	"github.com/parapet-sec/parapet/internal/iam"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// loadIAMInputs reads the AWS IAM inputs and adds the principals of the
// Terraform configurations (plan JSON or HCL folders) named by
// --terraform; with only Terraform inputs the model holds them alone.
func loadIAMInputs(in collectaws.IAMInputs, tf []string) (*collectaws.IAMData, error) {
	data := &collectaws.IAMData{Model: iam.NewModel(), Snapshot: inventory.New()}
	if len(tf) == 0 || len(in.Authz) > 0 || len(in.Accounts) > 0 {
		d, err := collectaws.LoadIAM(in)
		if err != nil {
			return nil, err
		}
		data = d
	}
	for _, p := range tf {
		c, err := terraform.Load(p)
		if err != nil {
			return nil, err
		}
		data.Warnings = append(data.Warnings, c.Warnings...)
		data.Warnings = append(data.Warnings, c.AddIAM(data.Model, terraform.IAMOptions{ManagedPolicies: in.ManagedPolicies})...)
		data.Snapshot.Merge(c.Snapshot())
	}
	return data, nil
}
