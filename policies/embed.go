// Package policies holds Parapet's built-in Rego checks, embedded in the
// binary. Each check is one .rego file with a METADATA block (id, severity,
// frameworks, remediation) and a _test.rego beside it; shared helpers live
// under lib/. docs/policies.md describes the layout and the input contract.
package policies

import "embed"

// FS is the built-in bundle: every .rego file under this folder, tests
// included (the engine skips *_test.rego; `parapet policy test` runs them).
//
//go:embed *
var FS embed.FS
