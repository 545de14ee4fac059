package gateway

import (
	"context"
	"fmt"

	"github.com/parapet-sec/parapet/internal/inspect"
)

// Detectors adapts the inspect package to the gateway's Inspector: tool
// responses are scanned as tool output, and secrets are redacted with the
// one redaction helper the log also uses.
type Detectors struct {
	Inspector *inspect.Inspector
}

// maxFindingsShown bounds the findings named in an error message.
const maxFindingsShown = 3

// Inspect implements Inspector.
func (d Detectors) Inspect(_ context.Context, text string) (Inspection, error) {
	res := d.Inspector.Scan(text, inspect.SourceToolOutput)
	out := Inspection{Injection: res.Injection, Score: res.Score, Secrets: len(res.Secrets), Redacted: text}
	if len(res.Secrets) > 0 {
		out.Redacted = inspect.Redact(text)
	}
	if res.Injection {
		// Categories only: quoting the injected text back to the agent
		// would hand it the instructions the response was withheld for.
		// The log keeps the explanations.
		seen := map[inspect.Category]bool{}
		for _, f := range res.Findings {
			if !seen[f.Category] {
				seen[f.Category] = true
				out.Findings = append(out.Findings, string(f.Category))
			}
			if len(out.Details) < maxFindingsShown {
				out.Details = append(out.Details, fmt.Sprintf("%s: %s", f.Category, f.Explanation))
			}
		}
		if len(out.Findings) == 0 {
			out.Findings = []string{fmt.Sprintf("classifier score %.2f", res.Score)}
		}
	}
	return out, nil
}

// Redact implements Inspector.
func (Detectors) Redact(text string) string { return inspect.Redact(text) }
