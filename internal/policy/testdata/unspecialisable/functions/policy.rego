# METADATA
# title: A function defined twice with different values
# custom:
#   id: TEST-UNSPEC-FUNCS
#   severity: high
#   remediation: None; a test policy.
#   inputs: [tool_call]
package test.unspec.functions

import rego.v1

risk(a) := "low" if a.readonly

risk(a) := "high" if a.recursive

approve contains "high-risk call" if risk(input.arguments) == "high"
