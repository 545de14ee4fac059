package aws

import (
	"github.com/parapet-sec/parapet/internal/inventory"
)

// ec2Instances adds every instance with its metadata-service options, public
// IP, security groups and instance-profile role.
func (rc *resourceCollector) ec2Instances() error {
	var out struct {
		Reservations []struct {
			Instances []struct {
				InstanceId         string
				InstanceType       string
				ImageId            string
				State              struct{ Name string }
				PublicIpAddress    string
				PublicDnsName      string
				PrivateIpAddress   string
				SubnetId           string
				VpcId              string
				KeyName            string
				LaunchTime         string
				IamInstanceProfile *struct{ Arn, Id string }
				SecurityGroups     []struct{ GroupId, GroupName string }
				NetworkInterfaces  []struct {
					NetworkInterfaceId string
					SubnetId           string
					Association        *struct{ PublicIp string }
					Groups             []struct{ GroupId string }
				}
				MetadataOptions *struct {
					HttpTokens              string
					HttpPutResponseHopLimit *int
					HttpEndpoint            string
					InstanceMetadataTags    string
				}
				Tags []awsTag
			}
		}
	}
	ok, err := rc.read("ec2-describe-instances", &out)
	if err != nil || !ok {
		return err
	}
	src := rc.source("ec2-describe-instances")
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			id := rc.arn("ec2", "instance/"+in.InstanceId)
			rc.instanceOf[rc.region+"/"+in.InstanceId] = id

			var groups, subnets []string
			for _, g := range in.SecurityGroups {
				groups = appendUnique(groups, g.GroupId)
			}
			publicIP := in.PublicIpAddress
			if in.SubnetId != "" {
				subnets = append(subnets, in.SubnetId)
			}
			for _, n := range in.NetworkInterfaces {
				rc.eniOwner[rc.region+"/"+n.NetworkInterfaceId] = id
				for _, g := range n.Groups {
					groups = appendUnique(groups, g.GroupId)
				}
				if n.SubnetId != "" {
					subnets = appendUnique(subnets, n.SubnetId)
				}
				if publicIP == "" && n.Association != nil {
					publicIP = n.Association.PublicIp
				}
			}

			// Instances launched before MetadataOptions existed, and any
			// launched without it, allow IMDSv1 with a hop limit of 1.
			imdsEnabled, imdsv1, hops := true, true, 1
			if m := in.MetadataOptions; m != nil {
				imdsEnabled = m.HttpEndpoint != "disabled"
				imdsv1 = m.HttpTokens != "required"
				if m.HttpPutResponseHopLimit != nil {
					hops = *m.HttpPutResponseHopLimit
				}
			}
			props := map[string]any{
				"instance_id":     in.InstanceId,
				"instance_type":   in.InstanceType,
				"image_id":        in.ImageId,
				"state":           in.State.Name,
				"private_ip":      in.PrivateIpAddress,
				"vpc":             in.VpcId,
				"subnet":          in.SubnetId,
				"security_groups": groups,
				"imds_enabled":    imdsEnabled,
				"imdsv1_allowed":  imdsEnabled && imdsv1,
				"imds_hop_limit":  hops,
			}
			if in.KeyName != "" {
				props["key_name"] = in.KeyName
			}
			if publicIP != "" {
				props["public_ip"] = publicIP
			}
			if in.PublicDnsName != "" {
				props["public_dns"] = in.PublicDnsName
			}
			if in.IamInstanceProfile != nil && in.IamInstanceProfile.Arn != "" {
				props["instance_profile"] = in.IamInstanceProfile.Arn
			}
			n := rc.add(id, inventory.KindEC2Instance, nameTag(in.Tags, in.InstanceId), src, tagMap(in.Tags), props)
			rc.attachNetwork(id, groups, subnets)
			rc.markEgress(n, groups)

			if in.IamInstanceProfile != nil && in.IamInstanceProfile.Arn != "" {
				roles, how := rc.rolesOfProfile(in.IamInstanceProfile.Arn)
				for _, role := range roles {
					rc.snap.Connect(id, rc.role(role), inventory.EdgeRunsAs, map[string]any{
						"instance_profile": in.IamInstanceProfile.Arn, "resolved_by": how,
					})
				}
			}
			if publicIP != "" {
				if rules := rc.openRules(groups); len(rules) > 0 {
					n.Props["internet_reachable"] = true
					rc.snap.Connect(rc.internet(), id, inventory.EdgeReaches, map[string]any{
						"public_ip": publicIP, "rules": rules,
					})
				}
			}
		}
	}
	return nil
}
