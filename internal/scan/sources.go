package scan

import (
	"path/filepath"
	"strings"

	"github.com/parapet-sec/parapet/internal/aibom"
	"github.com/parapet-sec/parapet/internal/collect/k8s"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// ClusterInput splits a --k8s value into the cluster name and the path:
// "NAME=PATH" names the cluster; a bare PATH is named after its base name
// without extension (dumps/prod-eks/ and prod-eks.json are "prod-eks").
// Use the EKS cluster name, so that IRSA roles and access entries join.
func ClusterInput(v string) (cluster, path string) {
	if name, p, ok := strings.Cut(v, "="); ok && name != "" && !strings.ContainsAny(name, `/\`) {
		return name, p
	}
	base := filepath.Base(filepath.Clean(v))
	return strings.TrimSuffix(base, filepath.Ext(base)), v
}

// collectK8s adds the Kubernetes clusters read from paths to snap, one
// cluster per value (see ClusterInput).
func collectK8s(snap *inventory.Snapshot, values []string) error {
	for _, v := range values {
		cluster, path := ClusterInput(v)
		s, err := k8s.Options{Cluster: cluster}.Collect(path)
		if err != nil {
			return err
		}
		snap.Merge(s)
	}
	return nil
}

// recogniseAI adds the AI inventory (agents, tools, models, vector stores,
// keys, AI egress).
func recogniseAI(snap *inventory.Snapshot) error {
	aibom.Recognise(snap)
	return nil
}
