package aws

import (
	"github.com/parapet-sec/parapet/internal/inventory"
)

// kmsKeys reads keys from list-keys and, where collected, describe-key and
// the default key policy.
func (rc *resourceCollector) kmsKeys() error {
	var out struct {
		Keys []struct{ KeyId, KeyArn string }
	}
	ok, err := rc.read("kms-list-keys", &out)
	if err != nil || !ok {
		return err
	}
	src := rc.source("kms-list-keys")
	for _, k := range out.Keys {
		id := k.KeyArn
		if id == "" {
			id = rc.arn("kms", "key/"+k.KeyId)
		}
		props := map[string]any{"key_id": k.KeyId}
		var d struct {
			KeyMetadata struct {
				KeyManager, KeyState, KeyUsage, Description string
			}
		}
		if ok, err := rc.readParam("kms-describe-key", k.KeyId, &d); err != nil {
			return err
		} else if ok {
			props["key_manager"] = d.KeyMetadata.KeyManager
			props["key_state"] = d.KeyMetadata.KeyState
			props["key_usage"] = d.KeyMetadata.KeyUsage
			if d.KeyMetadata.Description != "" {
				props["description"] = d.KeyMetadata.Description
			}
		}
		var pol struct{ Policy string }
		pa := publicAccess{}
		if ok, err := rc.readParam("kms-get-key-policy", k.KeyId, &pol); err != nil {
			return err
		} else if ok {
			props["policy"] = pol.Policy
			if pa, err = publicGrants(rc.source("kms-get-key-policy", k.KeyId), pol.Policy); err != nil {
				return err
			}
		}
		n := rc.add(id, inventory.KindKMSKey, k.KeyId, src, nil, props)
		rc.setPublic(id, n.Props, pa, "key_policy")
	}
	return nil
}
