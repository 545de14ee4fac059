# The match semantics of Gatekeeper constraints (spec.match): kinds,
# namespaces and excludedNamespaces (with prefix* and *suffix globs), scope,
# name, labelSelector and namespaceSelector. Cluster-scoped objects pass the
# namespace criteria, as in Gatekeeper. A namespaceSelector needs the
# namespace in data.inventory; an unknown namespace does not match.
package parapet.lib.gatekeeper

import rego.v1

review := input.review

# target is the object under review (the old object for a DELETE).
target := o if {
	o := review.object
	o != null
} else := object.get(review, "oldObject", {})

group := object.get(review.kind, "group", "")

kind := review.kind.kind

is_namespace if {
	kind == "Namespace"
	group == ""
}

# namespace is the namespace an object is in; a Namespace is in itself.
namespace := target.metadata.name if is_namespace

namespace := ns if {
	not is_namespace
	ns := object.get(review, "namespace", object.get(target, ["metadata", "namespace"], ""))
}

matches(m) if {
	kinds_match(object.get(m, "kinds", []))
	namespaces_match(object.get(m, "namespaces", []))
	excluded_match(object.get(m, "excludedNamespaces", []))
	scope_match(object.get(m, "scope", "*"))
	name_match(object.get(m, "name", ""))
	selector_match(object.get(m, "labelSelector", {}), object.get(target, ["metadata", "labels"], {}))
	namespace_selector_match(m)
}

kinds_match(ks) if count(ks) == 0

kinds_match(ks) if {
	some k in ks
	any_or(object.get(k, "apiGroups", []), group)
	any_or(object.get(k, "kinds", []), kind)
}

any_or(list, _) if count(list) == 0

any_or(list, _) if "*" in list

any_or(list, v) if v in list

namespaces_match(ns) if count(ns) == 0

namespaces_match(_) if namespace == ""

namespaces_match(ns) if {
	some p in ns
	glob_match(p, namespace)
}

excluded_match(ns) if count(ns) == 0

excluded_match(_) if namespace == ""

excluded_match(ns) if {
	count(ns) > 0
	namespace != ""
	not any_glob(ns, namespace)
}

any_glob(ps, v) if {
	some p in ps
	glob_match(p, v)
}

# glob_match matches Gatekeeper's name globs: exact, prefix* or *suffix.
glob_match(p, v) if p == v

glob_match(p, v) if {
	endswith(p, "*")
	startswith(v, trim_suffix(p, "*"))
}

glob_match(p, v) if {
	startswith(p, "*")
	not endswith(p, "*")
	endswith(v, trim_prefix(p, "*"))
}

scope_match("*")

scope_match("Cluster") if namespace == ""

scope_match("Cluster") if is_namespace

scope_match("Namespaced") if {
	namespace != ""
	not is_namespace
}

name_match("")

name_match(p) if glob_match(p, object.get(target, ["metadata", "name"], ""))

selector_match(sel, labels) if {
	every k, v in object.get(sel, "matchLabels", {}) {
		labels[k] == v
	}
	every e in object.get(sel, "matchExpressions", []) {
		expression_match(e, labels)
	}
}

expression_match(e, labels) if {
	e.operator == "In"
	labels[e.key] in e.values
}

expression_match(e, labels) if {
	e.operator == "NotIn"
	not labels[e.key]
}

expression_match(e, labels) if {
	e.operator == "NotIn"
	not labels[e.key] in e.values
}

expression_match(e, labels) if {
	e.operator == "Exists"
	labels[e.key]
}

expression_match(e, labels) if {
	e.operator == "DoesNotExist"
	not labels[e.key]
}

namespace_selector_match(m) if not m.namespaceSelector

namespace_selector_match(m) if {
	m.namespaceSelector
	is_namespace
	selector_match(m.namespaceSelector, object.get(target, ["metadata", "labels"], {}))
}

namespace_selector_match(m) if {
	m.namespaceSelector
	not is_namespace
	namespace == ""
}

namespace_selector_match(m) if {
	m.namespaceSelector
	not is_namespace
	namespace != ""
	ns := data.inventory.cluster.v1.Namespace[namespace]
	selector_match(m.namespaceSelector, object.get(ns, ["metadata", "labels"], {}))
}
