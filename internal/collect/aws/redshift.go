package aws

import (
	"github.com/parapet-sec/parapet/internal/inventory"
)

// redshiftClusters reads Redshift clusters as data stores. A publicly
// accessible cluster behind an internet-open group is reachable.
func (rc *resourceCollector) redshiftClusters() error {
	var out struct {
		Clusters []struct {
			ClusterIdentifier   string
			ClusterNamespaceArn string
			DBName              string
			PubliclyAccessible  bool
			Encrypted           bool
			KmsKeyId            string
			VpcId               string
			Endpoint            *struct {
				Address string
				Port    int
			}
			ClusterNodes      []struct{ PublicIPAddress string }
			VpcSecurityGroups []struct{ VpcSecurityGroupId string }
			IamRoles          []struct{ IamRoleArn string }
			Tags              []awsTag
		}
	}
	ok, err := rc.read("redshift-describe-clusters", &out)
	if err != nil || !ok {
		return err
	}
	src := rc.source("redshift-describe-clusters")
	for _, c := range out.Clusters {
		id := rc.arn("redshift", "cluster:"+c.ClusterIdentifier)
		var groups, publicIPs, roles []string
		for _, g := range c.VpcSecurityGroups {
			groups = append(groups, g.VpcSecurityGroupId)
		}
		for _, nd := range c.ClusterNodes {
			if nd.PublicIPAddress != "" {
				publicIPs = append(publicIPs, nd.PublicIPAddress)
			}
		}
		for _, r := range c.IamRoles {
			roles = append(roles, r.IamRoleArn)
		}
		props := map[string]any{
			"service": "redshift", "db_name": c.DBName, "publicly_accessible": c.PubliclyAccessible,
			"encrypted": c.Encrypted, "vpc": c.VpcId, "security_groups": groups,
		}
		if c.Endpoint != nil {
			props["endpoint"] = c.Endpoint.Address
			props["port"] = c.Endpoint.Port
		}
		if publicIPs != nil {
			props["public_ips"] = publicIPs
		}
		if roles != nil {
			props["roles"] = roles
		}
		n := rc.add(id, inventory.KindDataStore, c.ClusterIdentifier, src, tagMap(c.Tags), props)
		rc.attachNetwork(id, groups, nil)
		if c.KmsKeyId != "" {
			n.Props["kms_key"] = c.KmsKeyId
			rc.snap.Connect(id, rc.ref(c.KmsKeyId, inventory.KindKMSKey), inventory.EdgeEncryptedBy, nil)
		}
		if c.PubliclyAccessible {
			if rules := rc.openRules(groups); len(rules) > 0 {
				n.Props["internet_reachable"] = true
				rc.snap.Connect(rc.internet(), id, inventory.EdgeReaches, map[string]any{
					"publicly_accessible": true, "public_ips": publicIPs, "rules": rules,
				})
			}
		}
	}
	return nil
}
