package check

import (
	"context"
	"os"
	"testing"

	"github.com/parapet-sec/parapet/internal/policy"
)

// BenchmarkWebhookReview measures one AdmissionReview through the webhook
// with the whole built-in bundle (decode, evaluate, answer), without TLS;
// BenchmarkWebhookReviewNoChecks is the same server with no checks, the
// baseline.
func BenchmarkWebhookReview(b *testing.B) { benchReview(b, policy.Options{Builtin: true}) }

func BenchmarkWebhookReviewNoChecks(b *testing.B) { benchReview(b, policy.Options{}) }

func benchReview(b *testing.B, opts policy.Options) {
	eng, err := policy.Load(context.Background(), opts)
	if err != nil {
		b.Fatal(err)
	}
	w := NewWebhook(eng, WebhookOptions{})
	var bodies [][]byte
	for _, f := range []string{"review-allowed-pod.json", "review-privileged-pod.json", "review-unlabelled-pod.json"} {
		data, err := os.ReadFile("testdata/admission/" + f)
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, data)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := w.Review(context.Background(), bodies[i%len(bodies)], Enforce); err != nil {
			b.Fatal(err)
		}
	}
}
