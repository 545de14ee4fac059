# METADATA
# title: Constructs a specialised decision carries through
# description: >-
#   Rules the specialised tool-call decision must answer exactly as the
#   whole query does, in a bundle that qualifies for specialisation: else
#   chains, defaults, every, comprehensions over the input, single-valued
#   functions, data reads and keys outside the specialised ones.
# custom:
#   id: TEST-SPECIALISE
#   severity: medium
#   remediation: None; a test policy.
#   inputs: [tool_call]
package test.specialise

import rego.v1

default level := "none"

level := "root" if startswith(input.arguments.path, "/root")

else := "etc" if startswith(input.arguments.path, "/etc")

else := "home" if input.arguments.path

deny contains sprintf("level %s", [level]) if level in {"root", "etc"}

approve contains "every argument is a string" if {
	count(input.arguments) > 2
	every v in input.arguments {
		is_string(v)
	}
}

warn contains sprintf("input keys %v", [sort(object.keys(input))]) if input.arguments.show_keys

shout(s) := upper(s) if is_string(s)

redact contains shout(input.arguments.loud) if input.arguments.loud

redact contains "quiet" if shout(input.arguments.loud) == "QUIET PLEASE"

deny contains sprintf("namespace %s is frozen", [ns]) if {
	input.tool.server == "k8s"
	some ns, _ in data.inventory.cluster.v1.Namespace
	ns == input.arguments.namespace
}

deny contains "extra" if input.extra == 1

approve contains sprintf("%s by %s", [input.tool.name, input.agent.id]) if {
	some l in input.tool.labels
	l == "audited"
	input.agent.labels.team != "platform"
}

warn contains sprintf("history %d", [n]) if {
	n := count([c | some c in input.session.history; c.tool == input.tool.name])
	n > 1
}

default fast := false

fast if input.arguments.fast == true

fast if input.tool.name == "fetch"

warn contains "fast" if fast

warn contains "not fast" if fast == false

big(x) if count(x) > 2

big(x) if x.big

warn contains "big" if big(input.arguments)
