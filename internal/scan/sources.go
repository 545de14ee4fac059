package scan

import (
	"fmt"

	"github.com/parapet-sec/parapet/internal/graph"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// collectK8s adds the Kubernetes clusters read from paths to snap.
func collectK8s(snap *inventory.Snapshot, paths []string) error {
	if len(paths) > 0 {
		return fmt.Errorf("--k8s: the Kubernetes collector is not available in this build")
	}
	return nil
}

// buildIAM builds the IAM model of the scanned accounts and adds its
// escalation edges to snap; it returns the access evaluator the graph uses,
// or nil when there is no IAM data.
func buildIAM(snap *inventory.Snapshot, in Inputs) (graph.AccessEvaluator, error) {
	return nil, nil
}

// recogniseAI adds the AI inventory (agents, models, keys, AI egress).
func recogniseAI(snap *inventory.Snapshot) error {
	return nil
}
