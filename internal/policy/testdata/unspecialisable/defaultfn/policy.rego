# METADATA
# title: A function with a default
# custom:
#   id: TEST-UNSPEC-DEFAULTFN
#   severity: high
#   remediation: None; a test policy.
#   inputs: [tool_call]
package test.unspec.defaultfn

import rego.v1

default danger(_) := false

danger(args) if args.danger

vetted if danger(input.arguments) == false

deny contains "not vetted" if not vetted
