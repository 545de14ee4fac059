package scan

import (
	"fmt"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// collectK8s adds the Kubernetes clusters read from paths to snap.
func collectK8s(snap *inventory.Snapshot, paths []string) error {
	if len(paths) > 0 {
		return fmt.Errorf("--k8s: the Kubernetes collector is not available in this build")
	}
	return nil
}

// recogniseAI adds the AI inventory (agents, models, keys, AI egress).
func recogniseAI(snap *inventory.Snapshot) error {
	return nil
}
