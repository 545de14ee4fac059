package parapet.gateway.git_test

import data.parapet.gateway.git
import rego.v1

push(args) := {"kind": "tool_call", "tool": {"server": "github", "name": "push_files"}, "session": {"id": "s"}, "arguments": args}

shell(cmd) := {"kind": "tool_call", "tool": {"server": "sh", "name": "run_command"}, "session": {"id": "s"}, "arguments": {"command": cmd}}

test_push_to_main_needs_approval if {
	count(git.approve) == 1 with input as push({"branch": "main"})
}

test_push_to_feature_branch_passes if {
	count(git.approve) == 0 with input as push({"branch": "feature/x"})
}

test_shell_force_push_needs_approval if {
	count(git.approve) >= 1 with input as shell("git push --force origin feature/x")
}

test_shell_push_of_feature_branch_passes if {
	count(git.approve) == 0 with input as shell("git push origin feature/x")
}
