# METADATA
# title: Bad severity
# custom:
#   id: USER-BAD-001
#   severity: urgent
package user.badsev

import rego.v1

deny contains "x" if false
