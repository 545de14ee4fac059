# METADATA
# title: Volume types outside the restricted set
# description: >-
#   Restricted: every volume must be a configMap, csi, downwardAPI,
#   emptyDir, ephemeral, image, persistentVolumeClaim, projected or secret
#   volume. This control replaces PAR-K8S-PSS-HOST-PATH under restricted.
# custom:
#   id: PAR-K8S-PSS-VOLUME-TYPES
#   severity: medium
#   pss: {level: restricted, versions: ["v1.0"]}
#   frameworks: ["nist-800-53:AC-6"]
#   remediation: Use a configMap, secret, emptyDir, projected, CSI or persistentVolumeClaim volume instead.
#   inputs: [admission]
package parapet.k8s.pss.volume_types

import data.parapet.lib.k8s
import data.parapet.lib.pss
import rego.v1

allowed := [
	"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image",
	"persistentVolumeClaim", "projected", "secret",
]

deny contains {"msg": msg, "field": field, "types": types} if {
	pss.restricted_applies
	some i, v in object.get(k8s.pod_spec, "volumes", [])
	not allowed_volume(v)
	types := sort([k | some k, x in v; k != "name"; x != null])
	field := sprintf("%s[%d]", [k8s.spec_field("volumes"), i])
	msg := sprintf("volume %q of %s uses a restricted volume type %s: use one of %s instead", [object.get(v, "name", ""), k8s.object_phrase, k8s.quote_list(types), concat(", ", allowed)])
}

allowed_volume(v) if {
	some t in allowed
	k8s.is_set(v[t])
}
