package parapet.gateway.filesystem_test

import data.parapet.gateway.filesystem
import rego.v1

read(path) := {"kind": "tool_call", "agent": {"id": "a"}, "session": {"id": "s"}, "tool": {"server": "fs", "name": "read_file"}, "arguments": {"path": path}}

test_ssh_key_read_is_denied if {
	count(filesystem.deny) == 1 with input as read("/home/dev/.ssh/id_ed25519")
}

test_aws_credentials_read_is_denied if {
	count(filesystem.deny) == 1 with input as read("/root/.aws/credentials")
}

test_dotenv_read_is_denied if {
	count(filesystem.deny) == 1 with input as read("app/.env.production")
}

test_service_account_token_read_is_denied if {
	count(filesystem.deny) == 1 with input as read("/var/run/secrets/kubernetes.io/serviceaccount/token")
}

test_source_file_read_passes if {
	count(filesystem.deny) == 0 with input as read("/src/app/main.go")
}

test_environment_file_lookalike_passes if {
	count(filesystem.deny) == 0 with input as read("/src/app/envelope.go")
}

test_other_tools_are_not_judged_by_path if {
	count(filesystem.deny) == 0 with input as {"kind": "tool_call", "tool": {"server": "x", "name": "lookup"}, "arguments": {"path": "/root/.aws/credentials"}}
}

test_credential_path_with_dot_segments_is_denied if {
	count(filesystem.deny) == 1 with input as read("/root/.aws/./credentials")
}

test_credential_path_with_doubled_slashes_is_denied if {
	count(filesystem.deny) == 1 with input as read("//etc//shadow")
}

test_credential_path_through_parent_segments_is_denied if {
	count(filesystem.deny) == 1 with input as read("/tmp/../etc/shadow")
}

test_mounted_secret_through_parent_segments_is_denied if {
	count(filesystem.deny) == 1 with input as read("/var/run/../run/secrets/kubernetes.io/serviceaccount/token")
}

test_process_environment_of_a_thread_is_denied if {
	count(filesystem.deny) == 1 with input as read("/proc/self/task/1/environ")
}

test_credential_path_under_a_file_path_key_is_denied if {
	count(filesystem.deny) == 1 with input as {"kind": "tool_call", "agent": {"id": "a"}, "session": {"id": "s"}, "tool": {"server": "fs", "name": "read_file"}, "arguments": {"file_path": "/home/dev/.ssh/id_rsa"}}
}

test_parent_segments_in_an_ordinary_path_pass if {
	count(filesystem.deny) == 0 with input as read("../app/./main.go")
}
