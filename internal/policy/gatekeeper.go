package policy

// loadGatekeeper reads Gatekeeper ConstraintTemplates and Constraints under
// dir and returns the modules that evaluate them.
func loadGatekeeper(dir string) ([]*module, error) {
	return nil, nil
}
