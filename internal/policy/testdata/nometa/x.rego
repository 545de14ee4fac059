package user.nometa

import rego.v1

deny contains "x" if true
