# METADATA
# title: Force pushes and pushes to protected branches
# description: >-
#   Least privilege for git servers: a force push, or a push to main, master
#   or a release branch, needs a person's approval.
# custom:
#   id: PAR-GW-GIT-PUSH
#   severity: medium
#   frameworks: ["owasp-asi-2026:ASI02", "nist-800-53:CM-3"]
#   remediation: Push to a feature branch and open a pull request, or approve the push.
#   inputs: [tool_call]
package parapet.gateway.git

import data.parapet.lib.gateway
import rego.v1

is_push if input.tool.name in {"git_push", "push", "push_files"}

is_push if {
	gateway.is_shell
	regex.match(`\bgit\s+push\b`, gateway.command)
}

protected_branch(b) if regex.match(`^(refs/heads/)?(main|master|release[/-].*|prod(uction)?)$`, b)

approve contains msg if {
	is_push
	input.arguments.force == true
	msg := "force push rewrites shared history"
}

approve contains msg if {
	is_push
	gateway.is_shell
	regex.match(`\bgit\s+push\b.*(\s--force\b|\s-f\b|\s--force-with-lease\b|\s\+\S)`, gateway.command)
	msg := "force push rewrites shared history"
}

approve contains msg if {
	is_push
	some k in ["branch", "ref", "remote_ref"]
	b := input.arguments[k]
	is_string(b)
	protected_branch(b)
	msg := sprintf("push to the protected branch %q", [b])
}

approve contains msg if {
	is_push
	gateway.is_shell
	some m in regex.find_n(`\b(main|master)\b`, gateway.command, 1)
	msg := sprintf("push to the protected branch %q", [m])
}
