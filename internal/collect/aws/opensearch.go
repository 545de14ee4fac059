package aws

import (
	"github.com/parapet-sec/parapet/internal/inventory"
)

// openSearchDomains reads OpenSearch (Elasticsearch) domains as data stores
// (es list-domain-names, describe-elasticsearch-domain, as CloudMapper
// collects them): endpoint, VPC placement and access policy. A domain
// outside a VPC whose policy lets anyone in is readable and writable from
// the internet.
func (rc *resourceCollector) openSearchDomains() error {
	var list struct {
		DomainNames []struct{ DomainName string }
	}
	ok, err := rc.read("es-list-domain-names", &list)
	if err != nil || !ok {
		return err
	}
	for _, d := range list.DomainNames {
		var desc struct {
			DomainStatus struct {
				ARN                     string
				DomainName              string
				AccessPolicies          string
				Endpoint                string
				Endpoints               map[string]string
				ElasticsearchVersion    string
				EncryptionAtRestOptions struct{ Enabled bool }
				VPCOptions              *struct {
					VPCId            string
					SubnetIds        []string
					SecurityGroupIds []string
				}
			}
		}
		found, err := rc.readParam("es-describe-elasticsearch-domain", d.DomainName, &desc)
		if err != nil {
			return err
		}
		if !found {
			continue
		}
		s := desc.DomainStatus
		id := s.ARN
		if id == "" {
			id = rc.arn("es", "domain/"+d.DomainName)
		}
		props := map[string]any{
			"service": "es", "engine_version": s.ElasticsearchVersion,
			"encrypted_at_rest": s.EncryptionAtRestOptions.Enabled, "in_vpc": s.VPCOptions != nil,
		}
		endpoint := s.Endpoint
		if endpoint == "" {
			endpoint = s.Endpoints["vpc"]
		}
		props["endpoint"] = endpoint
		pa := publicAccess{}
		if s.AccessPolicies != "" {
			props["policy"] = s.AccessPolicies
			if pa, err = publicGrants(rc.source("es-describe-elasticsearch-domain", d.DomainName), s.AccessPolicies); err != nil {
				return err
			}
		}
		n := rc.add(id, inventory.KindDataStore, d.DomainName, rc.source("es-describe-elasticsearch-domain", d.DomainName), nil, props)
		n.Props["public_read"] = false
		n.Props["public_write"] = false
		if v := s.VPCOptions; v != nil {
			rc.attachNetwork(id, v.SecurityGroupIds, v.SubnetIds)
			// A VPC domain's policy opens it to the VPC, not the internet.
			if len(pa.Statements) > 0 {
				n.Props["open_policy_in_vpc"] = true
				n.Props["public_statements"] = pa.Statements
			}
			continue
		}
		rc.setPublic(id, n.Props, pa, "access_policy")
	}
	return nil
}
