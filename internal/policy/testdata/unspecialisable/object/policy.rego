# METADATA
# title: An object built by key
# custom:
#   id: TEST-UNSPEC-OBJECT
#   severity: high
#   remediation: None; a test policy.
#   inputs: [tool_call]
package test.unspec.object

import rego.v1

owners[k] := v if {
	some k, v in input.arguments.owners
}

deny contains sprintf("owned by %s", [owners.root]) if owners.root
