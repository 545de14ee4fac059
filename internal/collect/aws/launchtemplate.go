package aws

import (
	"encoding/base64"

	"github.com/parapet-sec/parapet/internal/aibom"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// launchTemplates reads launch templates and their default version
// (ec2 describe-launch-templates, describe-launch-template-versions per
// template ID): the instance profile, metadata options, public IP and
// security groups every instance launched from them gets. User data is
// decoded only to look for credentials and AI endpoints; it is not kept.
func (rc *resourceCollector) launchTemplates() error {
	var list struct {
		LaunchTemplates []struct {
			LaunchTemplateId     string
			LaunchTemplateName   string
			DefaultVersionNumber int
			LatestVersionNumber  int
			Tags                 []awsTag
		}
	}
	ok, err := rc.read("ec2-describe-launch-templates", &list)
	if err != nil || !ok {
		return err
	}
	for _, lt := range list.LaunchTemplates {
		id := rc.arn("ec2", "launch-template/"+lt.LaunchTemplateId)
		props := map[string]any{
			"launch_template_id": lt.LaunchTemplateId, "default_version": lt.DefaultVersionNumber,
			"latest_version": lt.LatestVersionNumber,
		}
		var versions struct {
			LaunchTemplateVersions []struct {
				VersionNumber      int
				DefaultVersion     bool
				LaunchTemplateData struct {
					ImageId            string
					InstanceType       string
					IamInstanceProfile *struct{ Arn, Name string }
					SecurityGroupIds   []string
					NetworkInterfaces  []struct {
						AssociatePublicIpAddress *bool
						Groups                   []string
					}
					MetadataOptions *struct {
						HttpTokens              string
						HttpPutResponseHopLimit *int
						HttpEndpoint            string
					}
					UserData string
				}
			}
		}
		found, err := rc.readParam("ec2-describe-launch-template-versions", lt.LaunchTemplateId, &versions)
		if err != nil {
			return err
		}
		src := rc.source("ec2-describe-launch-templates")
		var profile string
		for _, v := range versions.LaunchTemplateVersions {
			if !v.DefaultVersion && !(lt.DefaultVersionNumber == v.VersionNumber) {
				continue
			}
			src = rc.source("ec2-describe-launch-template-versions", lt.LaunchTemplateId)
			d := v.LaunchTemplateData
			props["image_id"] = d.ImageId
			props["instance_type"] = d.InstanceType
			groups := d.SecurityGroupIds
			public := false
			for _, ni := range d.NetworkInterfaces {
				groups = append(groups, ni.Groups...)
				if ni.AssociatePublicIpAddress != nil && *ni.AssociatePublicIpAddress {
					public = true
				}
			}
			props["security_groups"] = groups
			props["associate_public_ip"] = public
			imdsEnabled, imdsv1, hops := true, true, 1
			if m := d.MetadataOptions; m != nil {
				imdsEnabled = m.HttpEndpoint != "disabled"
				imdsv1 = m.HttpTokens != "required"
				if m.HttpPutResponseHopLimit != nil {
					hops = *m.HttpPutResponseHopLimit
				}
			}
			props["imds_enabled"] = imdsEnabled
			props["imdsv1_allowed"] = imdsEnabled && imdsv1
			props["imds_hop_limit"] = hops
			if p := d.IamInstanceProfile; p != nil {
				profile = p.Arn
				if profile == "" && p.Name != "" {
					profile = p.Name
				}
				props["instance_profile"] = profile
			}
			props["user_data"] = d.UserData != ""
			if d.UserData != "" {
				if raw, err := base64.StdEncoding.DecodeString(d.UserData); err == nil {
					scratch := map[string]any{}
					aibom.EnvProps(scratch, "", []aibom.EnvFact{aibom.InspectEnv("UserData", string(raw))})
					for _, k := range []string{"ai_keys", "env_secrets", "ai_hosts"} {
						if v, ok := scratch[k]; ok {
							props[k] = v
						}
					}
				}
			}
		}
		rc.add(id, inventory.KindEC2LaunchTemplate, lt.LaunchTemplateName, src, tagMap(lt.Tags), props)
		if found && profile != "" {
			roles, how := rc.rolesOfProfile(profile)
			for _, role := range roles {
				rc.snap.Connect(id, rc.role(role), inventory.EdgeRunsAs, map[string]any{"instance_profile": profile, "resolved_by": how})
			}
		}
	}
	return nil
}
