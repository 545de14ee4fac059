package parapet.k8s.pss.sysctls_test

import data.parapet.k8s.pss.sysctls
import data.parapet.lib.fixtures
import rego.v1

with_sysctl(name) := fixtures.pod({"securityContext": {"sysctls": [{"name": name, "value": "1"}]}, "containers": [{"name": "a"}]})

test_safe_sysctl_passes if {
	count(sysctls.deny) == 0 with input as with_sysctl("net.ipv4.ip_unprivileged_port_start")
}

test_unsafe_sysctl_fails if {
	some r in sysctls.deny with input as with_sysctl("kernel.msgmax")
	r.sysctls == ["kernel.msgmax"]
}

test_sysctls_become_safe_by_version if {
	count(sysctls.deny) == 1 with input as with_sysctl("net.ipv4.tcp_rmem") with data.parapet.config.pss as fixtures.config("baseline", "v1.31")
	count(sysctls.deny) == 0 with input as with_sysctl("net.ipv4.tcp_rmem") with data.parapet.config.pss as fixtures.config("baseline", "v1.32")
	count(sysctls.deny) == 1 with input as with_sysctl("net.ipv4.ip_local_reserved_ports") with data.parapet.config.pss as fixtures.config("baseline", "v1.26")
	count(sysctls.deny) == 0 with input as with_sysctl("net.ipv4.tcp_keepalive_time") with data.parapet.config.pss as fixtures.config("baseline", "v1.29")
}
