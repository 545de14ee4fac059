# METADATA
# title: A helper under two overrides
# custom:
#   id: TEST-UNSPEC-WITH
#   severity: high
#   remediation: None; a test policy.
#   inputs: [tool_call]
package test.unspec.with

import rego.v1

limit := 3

toolong(x) if count(x) > limit

deny contains "long (lenient)" if {
	toolong(input.arguments.list) with data.test.unspec.with.limit as 100
}

deny contains "long (strict)" if {
	toolong(input.arguments.list) with data.test.unspec.with.limit as 2
}
