# METADATA
# title: A clock read once
# custom:
#   id: TEST-UNSPEC-CLOCK
#   severity: high
#   remediation: None; a test policy.
#   inputs: [tool_call]
package test.unspec.clock

import rego.v1

deny contains "the tool's attestation does not verify" if {
	[valid, _] := crypto.x509.parse_and_verify_certificates(object.get(input.tool, "attestation", ""))
	not valid
	input.arguments.attested
}
