package aws

import (
	"strings"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// secrets reads Secrets Manager secrets (metadata only: the listing never
// holds values) and their resource policies.
func (rc *resourceCollector) secrets() error {
	var out struct {
		SecretList []struct {
			ARN              string
			Name             string
			Description      string
			KmsKeyId         string
			RotationEnabled  bool
			LastAccessedDate string
			Tags             []awsTag
		}
	}
	ok, err := rc.read("secretsmanager-list-secrets", &out)
	if err != nil || !ok {
		return err
	}
	src := rc.source("secretsmanager-list-secrets")
	for _, s := range out.SecretList {
		props := map[string]any{"rotation_enabled": s.RotationEnabled}
		if s.Description != "" {
			props["description"] = s.Description
		}
		if s.LastAccessedDate != "" {
			props["last_accessed"] = s.LastAccessedDate
		}
		if s.KmsKeyId != "" {
			props["kms_key"] = s.KmsKeyId
			if strings.HasPrefix(s.KmsKeyId, "arn:") {
				rc.snap.Connect(s.ARN, rc.ref(s.KmsKeyId, inventory.KindKMSKey), inventory.EdgeEncryptedBy, nil)
			}
		}
		var pol struct{ ResourcePolicy string }
		pa := publicAccess{}
		if ok, err := rc.readParam("secretsmanager-get-resource-policy", s.Name, &pol); err != nil {
			return err
		} else if ok && pol.ResourcePolicy != "" {
			props["policy"] = pol.ResourcePolicy
			if pa, err = publicGrants(rc.source("secretsmanager-get-resource-policy", s.Name), pol.ResourcePolicy); err != nil {
				return err
			}
		}
		n := rc.add(s.ARN, inventory.KindSecret, s.Name, src, tagMap(s.Tags), props)
		n.Props["public_read"] = false
		n.Props["public_write"] = false
		rc.setPublic(s.ARN, n.Props, pa, "resource_policy")
	}
	return nil
}
