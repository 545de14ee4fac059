# METADATA
# title: Shell commands that fetch and run code or wipe data
# description: >-
#   Least privilege for shell servers: piping a download into a shell,
#   recursive deletion of root or home folders, and disabling shell history
#   are denied; in a session that has read untrusted content every shell
#   command needs approval.
# custom:
#   id: PAR-GW-SHELL
#   severity: critical
#   frameworks: ["owasp-llm-2025:LLM06", "owasp-asi-2026:ASI05", "nist-800-53:CM-7"]
#   remediation: Run the task with a narrower tool (a package manager, a file tool) or approve a specific command.
#   inputs: [tool_call]
package parapet.gateway.shell

import data.parapet.lib.gateway
import rego.v1

dangerous := [
	{"re": `(curl|wget)[^|;&]*\|\s*(sudo\s+)?(ba|z|da|k)?sh\b`, "why": "pipes a download into a shell"},
	{"re": `\brm\s+(-[a-zA-Z]*r[a-zA-Z]*f|-[a-zA-Z]*f[a-zA-Z]*r|--recursive\s+--force|--force\s+--recursive)[a-zA-Z]*\s+(/|~|\$HOME|/\*)(\s|$)`, "why": "recursively deletes the root or home folder"},
	{"re": `\b(unset\s+HISTFILE|history\s+-c)\b`, "why": "erases shell history"},
	{"re": `\bmkfs(\.[a-z0-9]+)?\s`, "why": "formats a file system"},
	{"re": `:\(\)\s*\{\s*:\|:&\s*\};:`, "why": "is a fork bomb"},
]

deny contains msg if {
	gateway.is_shell
	cmd := gateway.command
	some d in dangerous
	regex.match(d.re, cmd)
	msg := sprintf("the command %s: %q", [d.why, cmd])
}

approve contains msg if {
	gateway.is_shell
	input.session.tainted == true
	msg := "this session has read untrusted content: shell commands need approval"
}
