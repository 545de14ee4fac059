# METADATA
# title: A rule defined twice with different values
# custom:
#   id: TEST-UNSPEC-COMPLETE
#   severity: high
#   remediation: None; a test policy.
#   inputs: [tool_call]
package test.unspec.complete

import rego.v1

mode := "a" if input.arguments.a

mode := "b" if input.arguments.b

deny contains sprintf("mode %s", [mode]) if mode == "b"
