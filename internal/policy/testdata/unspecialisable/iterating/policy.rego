# METADATA
# title: A rule whose one definition gives several values
# custom:
#   id: TEST-UNSPEC-ITER
#   severity: high
#   remediation: None; a test policy.
#   inputs: [tool_call]
package test.unspec.iterating

import rego.v1

limit := n if {
	some n in input.arguments.limits
}

deny contains "limit too high" if limit > 10
