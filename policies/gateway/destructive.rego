# METADATA
# title: Destructive tool
# description: >-
#   Tools labelled destructive in the gateway configuration, or that declare
#   destructiveHint true (and not readOnlyHint) in their MCP annotations,
#   need a person's approval for every call.
# custom:
#   id: PAR-GW-DESTRUCTIVE
#   severity: high
#   frameworks: ["owasp-llm-2025:LLM06", "owasp-asi-2026:ASI02", "nist-800-53:AC-6"]
#   remediation: Approve the call, or give the agent a read-only tool for this task.
#   inputs: [tool_call]
package parapet.gateway.destructive

import data.parapet.lib.gateway
import rego.v1

approve contains msg if {
	gateway.has_label("destructive")
	msg := sprintf("%s.%s is labelled destructive", [input.tool.server, input.tool.name])
}

approve contains msg if {
	input.tool.annotations.destructiveHint == true
	not input.tool.annotations.readOnlyHint == true
	not gateway.has_label("destructive")
	msg := sprintf("%s.%s declares itself destructive", [input.tool.server, input.tool.name])
}
