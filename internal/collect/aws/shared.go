package aws

// Partition returns the AWS partition of a region: "aws-cn" for China,
// "aws-us-gov" for GovCloud, else "aws". Other collectors (Terraform) build
// ARNs with it, so that every source names resources alike.
func Partition(region string) string { return partitionOf(region) }

// ActionAccess classifies an action by its verb as the public-policy props
// do: read (Get, List, Describe, ...), write (any other verb), or both for
// wildcards.
func ActionAccess(action string) (read, write bool) { return actionAccess(action) }

// ProtocolName names an IP protocol as security-group rules are reported:
// "-1" is "all", "6" "tcp", "17" "udp", "1" "icmp", names in lower case.
func ProtocolName(p string) string { return protocolName(p) }
