package parapet.k8s.pss.volume_types_test

import data.parapet.k8s.pss.volume_types
import data.parapet.lib.fixtures
import rego.v1

test_allowed_volume_types_pass if {
	count(volume_types.deny) == 0 with input as fixtures.pod({"containers": [{"name": "a"}], "volumes": [
		{"name": "a", "configMap": {"name": "c"}}, {"name": "b", "secret": {"secretName": "s"}},
		{"name": "c", "emptyDir": {}}, {"name": "d", "projected": {"sources": []}},
		{"name": "e", "persistentVolumeClaim": {"claimName": "p"}}, {"name": "f", "image": {"reference": "r"}},
	]})
}

test_nfs_and_host_path_fail if {
	rs := volume_types.deny with input as fixtures.pod({"containers": [{"name": "a"}], "volumes": [{"name": "n", "nfs": {"server": "s", "path": "/"}}, {"name": "h", "hostPath": {"path": "/"}}]})
	{r.field | some r in rs} == {"spec.volumes[0]", "spec.volumes[1]"}
}

test_baseline_does_not_restrict_volume_types if {
	count(volume_types.deny) == 0 with input as fixtures.pod({"containers": [{"name": "a"}], "volumes": [{"name": "n", "nfs": {"server": "s", "path": "/"}}]})
		with data.parapet.config.pss as fixtures.config("baseline", "latest")
}
