# METADATA
# title: A function with else
# custom:
#   id: TEST-UNSPEC-ELSEFN
#   severity: high
#   remediation: None; a test policy.
#   inputs: [tool_call]
package test.unspec.elsefn

import rego.v1

grade(a) := "a" if a.top

else := "b" if a.good

deny contains "not good enough" if grade(input.arguments) == "b"
