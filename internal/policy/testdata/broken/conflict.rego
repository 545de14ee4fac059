# METADATA
# title: Conflicting rule
# custom:
#   id: USER-BROKEN-001
#   severity: low
package user.broken

import rego.v1

answer := 1 if input.kind

answer := 2 if input.kind

deny contains "never" if answer == 3
