# METADATA
# title: Public bucket read by an agent
# custom:
#   id: USER-S3-001
#   severity: high
#   frameworks: ["nist-800-53:AC-3"]
#   remediation: Block public access on the bucket.
#   inputs: [resource]
package user.s3.public

import rego.v1

deny contains {"msg": msg, "readers": readers} if {
	input.resource.kind == "aws.s3.bucket"
	input.resource.props.public == true
	readers := [e.from | some e in data.parapet.inventory["in"][input.resource.id]; e.kind == "can_read"]
	count(readers) > 0
	msg := sprintf("bucket %s is public and read by %s: turn on its public access block", [input.resource.name, concat(", ", readers)])
}

warn contains "bucket has no tags" if {
	input.resource.kind == "aws.s3.bucket"
	not input.resource.tags
}
