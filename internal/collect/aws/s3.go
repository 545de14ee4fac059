package aws

import (
	"strings"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// s3Buckets reads buckets with their policy, ACL, public access block,
// encryption and tags. A bucket is public for reading (or writing) when its
// policy grants it to anyone without a condition, or its ACL grants it to
// AllUsers or AuthenticatedUsers, and no public access block setting
// neutralises that grant.
func (rc *resourceCollector) s3Buckets() error {
	var out struct {
		Buckets []struct {
			Name         string
			CreationDate string
		}
	}
	ok, err := rc.read("s3-list-buckets", &out)
	if err != nil || !ok {
		return err
	}
	src := rc.source("s3-list-buckets")
	for _, b := range out.Buckets {
		id := "arn:" + partitionOf(rc.region) + ":s3:::" + b.Name
		props := map[string]any{"bucket": b.Name}

		region := ""
		var loc struct{ LocationConstraint *string }
		if ok, err := rc.readParam("s3-get-bucket-location", b.Name, &loc); err != nil {
			return err
		} else if ok {
			region = "us-east-1" // a null constraint means us-east-1
			if loc.LocationConstraint != nil && *loc.LocationConstraint != "" {
				region = *loc.LocationConstraint
				if region == "EU" {
					region = "eu-west-1"
				}
			}
		}

		var tagging struct{ TagSet []awsTag }
		if _, err := rc.readParam("s3-get-bucket-tagging", b.Name, &tagging); err != nil {
			return err
		}

		var pab struct {
			PublicAccessBlockConfiguration *struct {
				BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets bool
			}
		}
		if _, err := rc.readParam("s3-get-public-access-block", b.Name, &pab); err != nil {
			return err
		}
		ignoreACLs, restrictPolicy := false, false
		if c := pab.PublicAccessBlockConfiguration; c != nil {
			ignoreACLs, restrictPolicy = c.IgnorePublicAcls, c.RestrictPublicBuckets
			props["public_access_block"] = map[string]any{
				"block_public_acls": c.BlockPublicAcls, "ignore_public_acls": c.IgnorePublicAcls,
				"block_public_policy": c.BlockPublicPolicy, "restrict_public_buckets": c.RestrictPublicBuckets,
			}
		}

		var enc struct {
			ServerSideEncryptionConfiguration struct {
				Rules []struct {
					ApplyServerSideEncryptionByDefault struct {
						SSEAlgorithm   string
						KMSMasterKeyID string
					}
				}
			}
		}
		if ok, err := rc.readParam("s3-get-bucket-encryption", b.Name, &enc); err != nil {
			return err
		} else if ok {
			for _, r := range enc.ServerSideEncryptionConfiguration.Rules {
				d := r.ApplyServerSideEncryptionByDefault
				props["encryption"] = d.SSEAlgorithm
				if strings.HasPrefix(d.KMSMasterKeyID, "arn:") {
					props["kms_key"] = d.KMSMasterKeyID
					rc.snap.Connect(id, rc.ref(d.KMSMasterKeyID, inventory.KindKMSKey), inventory.EdgeEncryptedBy, nil)
				}
			}
		}

		var pol struct{ Policy string }
		pa := publicAccess{}
		if ok, err := rc.readParam("s3-get-bucket-policy", b.Name, &pol); err != nil {
			return err
		} else if ok {
			props["policy"] = pol.Policy
			if pa, err = publicGrants(rc.source("s3-get-bucket-policy", b.Name), pol.Policy); err != nil {
				return err
			}
			if restrictPolicy && len(pa.Statements) > 0 {
				props["public_policy_restricted"] = true
				pa = publicAccess{}
			}
		}

		var acl struct {
			Grants []struct {
				Grantee struct {
					Type, URI, ID, DisplayName string
				}
				Permission string
			}
		}
		var aclGrants []map[string]any
		aclRead, aclWrite := false, false
		if _, err := rc.readParam("s3-get-bucket-acl", b.Name, &acl); err != nil {
			return err
		}
		for _, g := range acl.Grants {
			var who string
			switch g.Grantee.URI {
			case "http://acs.amazonaws.com/groups/global/AllUsers":
				who = "AllUsers"
			case "http://acs.amazonaws.com/groups/global/AuthenticatedUsers":
				who = "AuthenticatedUsers"
			default:
				continue
			}
			aclGrants = append(aclGrants, map[string]any{"grantee": who, "permission": g.Permission})
			switch g.Permission {
			case "READ":
				aclRead = true
			case "WRITE", "WRITE_ACP":
				aclWrite = true
			case "FULL_CONTROL":
				aclRead, aclWrite = true, true
			case "READ_ACP":
			}
		}
		if len(aclGrants) > 0 {
			props["public_acl_grants"] = aclGrants
			if ignoreACLs {
				props["public_acl_ignored"] = true
				aclRead, aclWrite = false, false
			}
		}

		n := &inventory.Node{
			ID: id, Kind: inventory.KindS3Bucket, Provider: "aws", Account: rc.account, Region: region,
			Name: b.Name, Tags: tagMap(tagging.TagSet), Props: props, Source: src,
		}
		n = rc.snap.Add(n)
		props = n.Props
		props["public_read"] = false
		props["public_write"] = false
		rc.setPublic(id, props, pa, "bucket_policy")
		if aclRead || aclWrite {
			props["public_read"] = props["public_read"] == true || aclRead
			props["public_write"] = props["public_write"] == true || aclWrite
			ev := map[string]any{"via": "bucket_acl", "grants": aclGrants}
			if aclRead {
				rc.snap.Connect(rc.internet(), id, inventory.EdgeCanRead, ev)
			}
			if aclWrite {
				rc.snap.Connect(rc.internet(), id, inventory.EdgeCanWrite, ev)
			}
		}
	}
	return nil
}
