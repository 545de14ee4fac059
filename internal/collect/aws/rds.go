package aws

import (
	"github.com/parapet-sec/parapet/internal/inventory"
)

// rdsInstances reads database instances: public accessibility, endpoint,
// encryption and security groups. A publicly accessible instance behind an
// internet-open group is reachable from the internet.
func (rc *resourceCollector) rdsInstances() error {
	var out struct {
		DBInstances []struct {
			DBInstanceIdentifier             string
			DBInstanceArn                    string
			Engine                           string
			EngineVersion                    string
			DBName                           string
			PubliclyAccessible               bool
			StorageEncrypted                 bool
			KmsKeyId                         string
			IAMDatabaseAuthenticationEnabled bool
			Endpoint                         *struct {
				Address string
				Port    int
			}
			VpcSecurityGroups []struct{ VpcSecurityGroupId string }
			DBSubnetGroup     *struct {
				VpcId   string
				Subnets []struct{ SubnetIdentifier string }
			}
			TagList []awsTag
		}
	}
	ok, err := rc.read("rds-describe-db-instances", &out)
	if err != nil || !ok {
		return err
	}
	src := rc.source("rds-describe-db-instances")
	for _, db := range out.DBInstances {
		id := db.DBInstanceArn
		if id == "" {
			id = rc.arn("rds", "db:"+db.DBInstanceIdentifier)
		}
		var groups, subnets []string
		for _, g := range db.VpcSecurityGroups {
			groups = append(groups, g.VpcSecurityGroupId)
		}
		props := map[string]any{
			"engine": db.Engine, "engine_version": db.EngineVersion, "db_name": db.DBName,
			"publicly_accessible": db.PubliclyAccessible, "storage_encrypted": db.StorageEncrypted,
			"iam_auth": db.IAMDatabaseAuthenticationEnabled, "security_groups": groups,
		}
		if db.Endpoint != nil {
			props["endpoint"] = db.Endpoint.Address
			props["port"] = db.Endpoint.Port
		}
		if sg := db.DBSubnetGroup; sg != nil {
			props["vpc"] = sg.VpcId
			for _, s := range sg.Subnets {
				subnets = append(subnets, s.SubnetIdentifier)
			}
		}
		n := rc.add(id, inventory.KindRDSInstance, db.DBInstanceIdentifier, src, tagMap(db.TagList), props)
		rc.attachNetwork(id, groups, subnets)
		if db.KmsKeyId != "" {
			props["kms_key"] = db.KmsKeyId
			rc.snap.Connect(id, rc.ref(db.KmsKeyId, inventory.KindKMSKey), inventory.EdgeEncryptedBy, nil)
		}
		if db.PubliclyAccessible {
			if rules := rc.openRules(groups); len(rules) > 0 {
				n.Props["internet_reachable"] = true
				rc.snap.Connect(rc.internet(), id, inventory.EdgeReaches, map[string]any{
					"publicly_accessible": true, "rules": rules,
				})
			}
		}
	}
	return nil
}
