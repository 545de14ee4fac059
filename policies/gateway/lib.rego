# Helpers shared by the gateway's built-in checks.
package parapet.lib.gateway

import rego.v1

# has_label(l) is true when the tool being called carries label l.
has_label(l) if {
	some x in input.tool.labels
	x == l
}

# Tool-name families of common MCP servers, for servers not labelled in the
# gateway configuration.
filesystem_read_tools := {"read_file", "read_text_file", "read_multiple_files", "read_media_file", "get_file_info", "list_directory", "search_files", "directory_tree"}

filesystem_write_tools := {"write_file", "edit_file", "create_directory", "move_file", "delete_file"}

shell_tools := {"run_command", "execute_command", "shell", "exec", "bash", "run_shell_command", "terminal"}

fetch_tools := {"fetch", "http_get", "http_request", "fetch_url", "browse", "web_fetch"}

is_filesystem if has_label("filesystem")

is_filesystem if input.tool.name in filesystem_read_tools

is_filesystem if input.tool.name in filesystem_write_tools

is_shell if has_label("shell")

is_shell if input.tool.name in shell_tools

is_fetch if has_label("fetch")

is_fetch if input.tool.name in fetch_tools

# paths: every string argument under a key that names a path.
path_keys := {
	"path", "paths", "file", "filename", "source", "destination", "dir", "directory", "target",
	"file_path", "filepath", "pathname", "src", "dest", "dst", "old_path", "new_path",
}

paths contains p if {
	some k, v in input.arguments
	lower(k) in path_keys
	is_string(v)
	p := v
}

paths contains p if {
	some k, v in input.arguments
	lower(k) in path_keys
	is_array(v)
	some p in v
	is_string(p)
}

# command: the command line of a shell tool, as one string.
command := c if {
	c := input.arguments.command
	is_string(c)
} else := c if {
	c := concat(" ", input.arguments.command)
} else := c if {
	c := input.arguments.cmd
	is_string(c)
}
