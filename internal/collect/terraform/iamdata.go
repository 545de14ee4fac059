package terraform

import (
	collectaws "github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/iam"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// AddIAMData adds the Terraform configurations at paths (plan JSON or HCL
// folders) to IAM data read from AWS, or to new data when data is nil: their
// principals join the model (see AddIAM) and their inventory the snapshot.
// managed is the AWS-managed policies folder, or "".
func AddIAMData(data *collectaws.IAMData, paths []string, managed string) (*collectaws.IAMData, error) {
	if data == nil {
		data = &collectaws.IAMData{Model: iam.NewModel(), Snapshot: inventory.New()}
	}
	for _, p := range paths {
		c, err := Load(p)
		if err != nil {
			return nil, err
		}
		data.Warnings = append(data.Warnings, c.Warnings...)
		data.Warnings = append(data.Warnings, c.AddIAM(data.Model, IAMOptions{ManagedPolicies: managed})...)
		data.Snapshot.Merge(c.Snapshot())
	}
	return data, nil
}
