# Helpers shared by the AWS posture checks: reading policy documents kept
# in inventory props (as an object, a JSON string or a URL-encoded JSON
# string) and the neighbours of a resource.
package parapet.aws.lib

import rego.v1

# as_list turns a policy element that may be a string or a list into a list.
as_list(x) := x if is_array(x)

as_list(x) := [x] if not is_array(x)

# document reads a policy document from a prop value.
document(v) := v if is_object(v)

document(v) := json.unmarshal(v) if {
	is_string(v)
	startswith(trim_space(v), "{")
}

document(v) := json.unmarshal(urlquery.decode(v)) if {
	is_string(v)
	startswith(v, "%7B")
}

# statements lists a document's statements, one object each.
statements(doc) := as_list(doc.Statement)

# principals lists the values of one principal type of a statement
# ("AWS", "Service", ...); Principal "*" counts as every type.
principals(st, _) := ["*"] if st.Principal == "*"

principals(st, typ) := as_list(st.Principal[typ]) if is_object(st.Principal)

# anyone is true when a statement's principal is everyone.
anyone(st) if st.Principal == "*"

anyone(st) if "*" in principals(st, "AWS")

# allows_action is true when a statement allows an action matching want
# (case-insensitive, with the document's own wildcards).
allows_action(st, want) if {
	st.Effect == "Allow"
	some a in as_list(st.Action)
	glob.match(lower(a), [], lower(want))
}

# conditioned is true when a statement has a non-empty Condition block.
conditioned(st) if count(object.get(st, "Condition", {})) > 0

# condition_keys lists the (lower-case) condition keys of a statement.
condition_keys(st) := {lower(k) |
	some _, keys in object.get(st, "Condition", {})
	some k, _ in keys
}

# account_of returns the account ID a principal value names: an ARN's
# account field or a bare 12-digit ID.
account_of(p) := parts[4] if {
	startswith(p, "arn:")
	parts := split(p, ":")
	count(parts) >= 5
}

account_of(p) := p if regex.match(`^[0-9]{12}$`, p)

# out lists the edges leaving a node of the inventory. The reference reads
# one key of the inventory; object.get on the whole object would load it
# all for every node checked.
out(id) := edges if {
	edges := data.parapet.inventory.out[id]
} else := []

# node returns an inventory node by id, or {}.
node(id) := n if {
	n := data.parapet.inventory.nodes[id]
} else := {}
