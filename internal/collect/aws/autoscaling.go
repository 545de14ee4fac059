package aws

import (
	"strings"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// autoScalingGroups reads groups with their size limits and launch source.
func (rc *resourceCollector) autoScalingGroups() error {
	var out struct {
		AutoScalingGroups []struct {
			AutoScalingGroupName    string
			AutoScalingGroupARN     string
			MinSize, MaxSize        int
			DesiredCapacity         int
			LaunchConfigurationName string
			LaunchTemplate          *struct{ LaunchTemplateId, LaunchTemplateName, Version string }
			MixedInstancesPolicy    *struct {
				LaunchTemplate struct {
					LaunchTemplateSpecification struct{ LaunchTemplateId, LaunchTemplateName, Version string }
				}
			}
			VPCZoneIdentifier string
			TargetGroupARNs   []string
			LoadBalancerNames []string
			Instances         []struct{ InstanceId string }
			Tags              []awsTag
		}
	}
	ok, err := rc.read("autoscaling-describe-auto-scaling-groups", &out)
	if err != nil || !ok {
		return err
	}
	src := rc.source("autoscaling-describe-auto-scaling-groups")
	for _, g := range out.AutoScalingGroups {
		id := g.AutoScalingGroupARN
		if id == "" {
			id = rc.arn("autoscaling", "autoScalingGroup:*:autoScalingGroupName/"+g.AutoScalingGroupName)
		}
		var subnets, instances []string
		for _, s := range strings.Split(g.VPCZoneIdentifier, ",") {
			if s = strings.TrimSpace(s); s != "" {
				subnets = append(subnets, s)
			}
		}
		for _, i := range g.Instances {
			instances = append(instances, i.InstanceId)
		}
		props := map[string]any{
			"min_size": g.MinSize, "max_size": g.MaxSize, "desired_capacity": g.DesiredCapacity,
			"subnets": subnets, "instances": instances,
		}
		if g.LaunchConfigurationName != "" {
			props["launch_configuration"] = g.LaunchConfigurationName
		}
		lt := g.LaunchTemplate
		if lt == nil && g.MixedInstancesPolicy != nil {
			s := g.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification
			lt = &struct{ LaunchTemplateId, LaunchTemplateName, Version string }{s.LaunchTemplateId, s.LaunchTemplateName, s.Version}
		}
		if lt != nil {
			props["launch_template"] = lt.LaunchTemplateId
			if lt.LaunchTemplateId != "" {
				props["launch_template_node"] = rc.arn("ec2", "launch-template/"+lt.LaunchTemplateId)
			}
			props["launch_template_name"] = lt.LaunchTemplateName
			props["launch_template_version"] = lt.Version
		}
		if g.TargetGroupARNs != nil {
			props["target_groups"] = g.TargetGroupARNs
		}
		if g.LoadBalancerNames != nil {
			props["load_balancers"] = g.LoadBalancerNames
		}
		rc.add(id, inventory.KindAutoScalingGroup, g.AutoScalingGroupName, src, tagMap(g.Tags), props)
		rc.attachNetwork(id, nil, subnets)
	}
	return nil
}
