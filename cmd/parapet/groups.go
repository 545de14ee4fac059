package main

import "github.com/spf13/cobra"

// commandGroups lists every top-level command group; each lives in its own
// file of this package.
func commandGroups() []*cobra.Command {
	return []*cobra.Command{
		newPolicyCmd(),
		newCheckCmd(),
		newAdmissionCmd(),
		newIAMCmd(),
		newScanCmd(),
		newDemoCmd(),
		newAuditCmd(),
		newPlanCmd(),
		newGatewayCmd(),
		newApprovalsCmd(),
		newInspectCmd(),
	}
}
