package aws

import (
	"github.com/parapet-sec/parapet/internal/inventory"
)

// ecrRepositories reads repositories and their repository policies; a
// policy open to anyone makes images public to pull (or push).
func (rc *resourceCollector) ecrRepositories() error {
	var out struct {
		Repositories []struct {
			RepositoryArn              string `json:"repositoryArn"`
			RepositoryName             string `json:"repositoryName"`
			RepositoryUri              string `json:"repositoryUri"`
			ImageTagMutability         string `json:"imageTagMutability"`
			ImageScanningConfiguration *struct {
				ScanOnPush bool `json:"scanOnPush"`
			} `json:"imageScanningConfiguration"`
		} `json:"repositories"`
	}
	ok, err := rc.read("ecr-describe-repositories", &out)
	if err != nil || !ok {
		return err
	}
	src := rc.source("ecr-describe-repositories")
	for _, r := range out.Repositories {
		props := map[string]any{"repository_uri": r.RepositoryUri}
		if r.ImageTagMutability != "" {
			props["image_tag_mutability"] = r.ImageTagMutability
		}
		if c := r.ImageScanningConfiguration; c != nil {
			props["scan_on_push"] = c.ScanOnPush
		}
		var pol struct {
			PolicyText string `json:"policyText"`
		}
		pa := publicAccess{}
		if ok, err := rc.readParam("ecr-get-repository-policy", r.RepositoryName, &pol); err != nil {
			return err
		} else if ok {
			props["policy"] = pol.PolicyText
			if pa, err = publicGrants(rc.source("ecr-get-repository-policy", r.RepositoryName), pol.PolicyText); err != nil {
				return err
			}
		}
		n := rc.add(r.RepositoryArn, inventory.KindECRRepository, r.RepositoryName, src, nil, props)
		n.Props["public_read"] = false
		n.Props["public_write"] = false
		rc.setPublic(r.RepositoryArn, n.Props, pa, "repository_policy")
	}
	return nil
}
