package parapet.k8s.pss.host_path_test

import data.parapet.k8s.pss.host_path
import data.parapet.lib.fixtures
import rego.v1

baseline := fixtures.config("baseline", "latest")

test_empty_dir_passes if {
	count(host_path.deny) == 0 with input as fixtures.pod({"volumes": [{"name": "tmp", "emptyDir": {}}], "containers": [{"name": "a"}]})
		with data.parapet.config.pss as baseline
}

test_host_path_fails if {
	some r in host_path.deny with input as fixtures.pod({"volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "root", "hostPath": {"path": "/"}}], "containers": [{"name": "a"}]})
		with data.parapet.config.pss as baseline
	r.field == "spec.volumes[1].hostPath"
}

test_restricted_reports_host_path_as_a_volume_type_instead if {
	count(host_path.deny) == 0 with input as fixtures.pod({"volumes": [{"name": "root", "hostPath": {"path": "/"}}], "containers": [{"name": "a"}]})
}
