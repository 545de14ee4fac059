# METADATA
# title: Windows HostProcess containers
# description: >-
#   HostProcess containers get privileged access to the Windows host.
#   Baseline: spec.securityContext.windowsOptions.hostProcess and every
#   container's securityContext.windowsOptions.hostProcess must be unset or
#   false.
# custom:
#   id: PAR-K8S-PSS-HOST-PROCESS
#   severity: high
#   pss: {level: baseline, versions: ["v1.0"]}
#   frameworks: ["nist-800-53:AC-6"]
#   remediation: Remove windowsOptions.hostProcess or set it to false.
#   inputs: [admission]
package parapet.k8s.pss.host_process

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

deny contains {"msg": msg, "field": field} if {
	pss.baseline_applies
	k8s.pod_security_context.windowsOptions.hostProcess == true
	field := k8s.spec_field("securityContext.windowsOptions.hostProcess")
	msg := sprintf("%s must not run HostProcess containers: remove %s or set it to false", [k8s.object_phrase, field])
}

deny contains {"msg": msg, "field": field} if {
	pss.baseline_applies
	some c in k8s.containers
	c.sc.windowsOptions.hostProcess == true
	field := sprintf("%s.securityContext.windowsOptions.hostProcess", [c.path])
	msg := sprintf("container %q of %s must not be a HostProcess container: remove %s or set it to false", [c.name, k8s.object_phrase, field])
}
