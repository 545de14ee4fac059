# METADATA
# title: Credential files through a filesystem tool
# description: >-
#   Least privilege for filesystem servers: agents do not read or write
#   credential stores (SSH and cloud credentials, kubeconfigs, service
#   account tokens, .env files, the process environment, password hashes).
# custom:
#   id: PAR-GW-FS-CREDENTIALS
#   severity: critical
#   frameworks: ["owasp-llm-2025:LLM02", "owasp-asi-2026:ASI03", "nist-800-53:AC-6", "atlas:AML.T0055"]
#   remediation: Give the agent the data it needs another way; if this read is truly needed, add a user policy that allows this path for this agent.
#   inputs: [tool_call]
package parapet.gateway.filesystem

import data.parapet.lib.gateway
import rego.v1

credential_patterns := [
	`(^|/)\.ssh(/|$)`,
	`(^|/)\.aws/(credentials|config)$`,
	`(^|/)\.kube/config$`,
	`(^|/)\.config/gcloud(/|$)`,
	`(^|/)\.azure(/|$)`,
	`(^|/)\.docker/config\.json$`,
	`(^|/)\.netrc$`,
	`(^|/)\.git-credentials$`,
	`(^|/)\.npmrc$`,
	`(^|/)\.pypirc$`,
	`(^|/)\.env(\.[A-Za-z0-9_-]+)?$`,
	`(^|/)etc/(shadow|gshadow|sudoers)`,
	`(^|/)proc/[^/]+/(task/[^/]+/)?environ$`,
	`(^|/)run/secrets/`,
	`(^|/)id_(rsa|dsa|ecdsa|ed25519)(\.pub)?$`,
	`\.(pem|p12|pfx|key)$`,
]

# clean collapses repeated slashes and "." segments, so that
# "/root/.aws/./credentials" and "//etc//shadow" read as what they open.
# Patterns for absolute places match after any prefix, so ".." cannot walk
# around them ("/tmp/../etc/shadow").
clean(p) := c if {
	a := regex.replace(p, `/{2,}`, "/")
	b := regex.replace(a, `(^|/)(\./)+`, "$1")
	c := regex.replace(b, `/\.$`, "")
}

# credential_store matches what any credential pattern matches: one
# expression to match, however many patterns there are.
credential_store := concat("|", [sprintf("(?:%s)", [p]) | some p in credential_patterns])

deny contains msg if {
	gateway.is_filesystem
	some p in gateway.paths
	regex.match(credential_store, clean(p))
	msg := sprintf("%s.%s may not touch %q: it is a credential store", [input.tool.server, input.tool.name, p])
}
