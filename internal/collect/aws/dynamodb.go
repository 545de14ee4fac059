package aws

import (
	"github.com/parapet-sec/parapet/internal/inventory"
)

// dynamoDBTables reads tables from list-tables and, where collected,
// describe-table (per table name) and the table's resource policy.
func (rc *resourceCollector) dynamoDBTables() error {
	var out struct{ TableNames []string }
	ok, err := rc.read("dynamodb-list-tables", &out)
	if err != nil || !ok {
		return err
	}
	src := rc.source("dynamodb-list-tables")
	for _, name := range out.TableNames {
		var d struct {
			Table struct {
				TableArn            string
				TableStatus         string
				ItemCount           int64
				TableSizeBytes      int64
				SSEDescription      *struct{ Status, SSEType, KMSMasterKeyArn string }
				StreamSpecification *struct{ StreamEnabled bool }
			}
		}
		if _, err := rc.readParam("dynamodb-describe-table", name, &d); err != nil {
			return err
		}
		id := d.Table.TableArn
		if id == "" {
			id = rc.arn("dynamodb", "table/"+name)
		}
		props := map[string]any{"table_name": name}
		if d.Table.TableStatus != "" {
			props["status"] = d.Table.TableStatus
			props["item_count"] = d.Table.ItemCount
			props["size_bytes"] = d.Table.TableSizeBytes
		}
		if s := d.Table.SSEDescription; s != nil && s.KMSMasterKeyArn != "" {
			props["kms_key"] = s.KMSMasterKeyArn
			rc.snap.Connect(id, rc.ref(s.KMSMasterKeyArn, inventory.KindKMSKey), inventory.EdgeEncryptedBy, nil)
		}
		var pol struct{ Policy string }
		pa := publicAccess{}
		if ok, err := rc.readParam("dynamodb-get-resource-policy", id, &pol); err != nil {
			return err
		} else if ok {
			props["policy"] = pol.Policy
			if pa, err = publicGrants(rc.source("dynamodb-get-resource-policy", id), pol.Policy); err != nil {
				return err
			}
		}
		n := rc.add(id, inventory.KindDynamoDBTable, name, src, nil, props)
		n.Props["public_read"] = false
		n.Props["public_write"] = false
		rc.setPublic(id, n.Props, pa, "resource_policy")
	}
	return nil
}
