# METADATA
# title: Destructive tools after untrusted input
# custom:
#   id: USER-TOOL-001
#   severity: critical
#   inputs: [tool_call]
package user.tools.guard

import rego.v1

deny contains {"msg": "destructive tool after untrusted input in this session"} if {
	input.session.tainted
	"destructive" in input.tool.labels
}

approve contains {"msg": sprintf("deleting %s needs a human", [input.arguments.bucket])} if {
	input.tool.name == "delete_bucket"
}

redact contains {"msg": "password argument", "path": "arguments.password"} if {
	input.arguments.password
}
