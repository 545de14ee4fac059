# METADATA
# title: A rule whose one definition walks
# custom:
#   id: TEST-UNSPEC-RELATION
#   severity: high
#   remediation: None; a test policy.
#   inputs: [tool_call]
package test.unspec.relation

import rego.v1

leaf := v if walk(input.arguments, [_, v])

deny contains "a leaf is secret" if leaf == "secret"
