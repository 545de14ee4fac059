# METADATA
# title: Untrusted content flowing to a sensitive sink
# description: >-
#   Once a session has read from a tool labelled untrusted_source (web pages,
#   email, issues, tickets, alerts), text an attacker wrote is in the agent's
#   context. Calls to tools labelled sensitive_sink (send, write, delete,
#   IAM, infrastructure) then need a person's approval: flow control against
#   indirect prompt injection.
# custom:
#   id: PAR-GW-TAINT
#   severity: high
#   frameworks: ["owasp-llm-2025:LLM01", "owasp-asi-2026:ASI01", "atlas:AML.T0051.001", "nist-800-53:AC-4"]
#   remediation: Approve the call if the request is the user's own, or split the work so that the agent reading untrusted content cannot reach the sink.
#   inputs: [tool_call]
package parapet.gateway.taint

import data.parapet.lib.gateway
import rego.v1

approve contains msg if {
	input.session.tainted == true
	gateway.has_label("sensitive_sink")
	msg := sprintf("this session has read untrusted content, and %s.%s is a sensitive sink", [input.tool.server, input.tool.name])
}
