package parapet.gateway.taint_test

import data.parapet.gateway.taint
import rego.v1

call(tainted, labels) := {"kind": "tool_call", "agent": {"id": "a"}, "session": {"id": "s", "tainted": tainted}, "tool": {"server": "mail", "name": "send", "labels": labels}, "arguments": {}}

test_tainted_session_calling_a_sink_needs_approval if {
	count(taint.approve) == 1 with input as call(true, ["sensitive_sink"])
}

test_clean_session_calls_a_sink_freely if {
	count(taint.approve) == 0 with input as call(false, ["sensitive_sink"])
}

test_tainted_session_calls_other_tools_freely if {
	count(taint.approve) == 0 with input as call(true, ["untrusted_source"])
}
