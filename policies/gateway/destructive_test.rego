package parapet.gateway.destructive_test

import data.parapet.gateway.destructive
import rego.v1

call(tool) := {"kind": "tool_call", "agent": {"id": "a"}, "session": {"id": "s", "tainted": false}, "tool": tool, "arguments": {}}

test_labelled_destructive_needs_approval if {
	count(destructive.approve) == 1 with input as call({"server": "k8s", "name": "delete", "labels": ["destructive"]})
}

test_annotated_destructive_needs_approval if {
	count(destructive.approve) == 1 with input as call({"server": "db", "name": "drop", "annotations": {"destructiveHint": true}})
}

test_read_only_tool_passes if {
	count(destructive.approve) == 0 with input as call({"server": "db", "name": "query", "annotations": {"readOnlyHint": true, "destructiveHint": true}})
}

test_unannotated_tool_passes if {
	count(destructive.approve) == 0 with input as call({"server": "db", "name": "query"})
}
