# METADATA
# title: Unsafe sysctls
# description: >-
#   Baseline: spec.securityContext.sysctls may only name the safe, namespaced
#   sysctls of the Kubernetes version: kernel.shm_rmid_forced,
#   net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies,
#   net.ipv4.ping_group_range and net.ipv4.ip_unprivileged_port_start; plus
#   net.ipv4.ip_local_reserved_ports from v1.27; net.ipv4.tcp_keepalive_time,
#   tcp_fin_timeout, tcp_keepalive_intvl and tcp_keepalive_probes from v1.29;
#   net.ipv4.tcp_rmem and tcp_wmem from v1.32; net.ipv4.tcp_slow_start_after_idle
#   and tcp_notsent_lowat from v1.37.
# custom:
#   id: PAR-K8S-PSS-SYSCTLS
#   severity: medium
#   pss: {level: baseline, versions: ["v1.0", "v1.27", "v1.29", "v1.32", "v1.37"]}
#   frameworks: ["nist-800-53:CM-7"]
#   remediation: Remove the unsafe sysctls from spec.securityContext.sysctls; set node-level sysctls on the node instead.
#   inputs: [admission]
package parapet.k8s.pss.sysctls

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

# safe_since maps each safe sysctl to the minor version it became safe in.
safe_since := {
	"kernel.shm_rmid_forced": 0,
	"net.ipv4.ip_local_port_range": 0,
	"net.ipv4.tcp_syncookies": 0,
	"net.ipv4.ping_group_range": 0,
	"net.ipv4.ip_unprivileged_port_start": 0,
	"net.ipv4.ip_local_reserved_ports": 27,
	"net.ipv4.tcp_keepalive_time": 29,
	"net.ipv4.tcp_fin_timeout": 29,
	"net.ipv4.tcp_keepalive_intvl": 29,
	"net.ipv4.tcp_keepalive_probes": 29,
	"net.ipv4.tcp_rmem": 32,
	"net.ipv4.tcp_wmem": 32,
	"net.ipv4.tcp_slow_start_after_idle": 37,
	"net.ipv4.tcp_notsent_lowat": 37,
}

safe(name) if safe_since[name] <= pss.minor

deny contains {"msg": msg, "field": field, "sysctls": bad} if {
	pss.baseline_applies
	sysctls := object.get(k8s.pod_security_context, "sysctls", [])
	bad := sort([n | some s in sysctls; n := object.get(s, "name", ""); not safe(n)])
	count(bad) > 0
	field := k8s.spec_field("securityContext.sysctls")
	msg := sprintf("%s must not set unsafe sysctls %s: remove them from %s", [k8s.object_phrase, k8s.quote_list(bad), field])
}
