# METADATA
# title: Data leaving through a fetch after untrusted content
# description: >-
#   A classic exfiltration: injected text asks the agent to fetch a URL that
#   carries data in its query or path. Once a session is tainted, fetches
#   whose URL carries a query string need a person's approval.
# custom:
#   id: PAR-GW-FETCH-EXFIL
#   severity: high
#   frameworks: ["owasp-llm-2025:LLM02", "owasp-asi-2026:ASI01", "atlas:AML.T0057", "nist-800-53:SC-7"]
#   remediation: Approve the fetch if the URL is expected, or restrict the fetch tool to an allow list of hosts.
#   inputs: [tool_call]
package parapet.gateway.fetch

import data.parapet.lib.gateway
import rego.v1

approve contains msg if {
	gateway.is_fetch
	input.session.tainted == true
	u := input.arguments.url
	is_string(u)
	contains(u, "?")
	msg := sprintf("this session has read untrusted content, and the fetch of %q carries data in its query", [u])
}
