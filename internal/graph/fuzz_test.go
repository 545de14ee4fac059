package graph

import (
	"testing"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// FuzzParseSensitivityRules: any input is either rejected with an error or
// gives rules that classify without panicking.
func FuzzParseSensitivityRules(f *testing.F) {
	f.Add([]byte("rules:\n  - match: {kind: aws.s3.bucket, name: \"acme-*\"}\n    sensitivity: low\n"))
	f.Add([]byte("rules:\n  - match: {tags: {team: payments}}\n    sensitivity: critical\n"))
	f.Add([]byte(`{"rules":[{"match":{"id":"arn:aws:s3:::x"},"sensitivity":"none"}]}`))
	f.Add([]byte("rules: [{match: {name: \"[\"}, sensitivity: high}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseSensitivityRules("fuzz.yaml", data)
		if err != nil {
			return
		}
		n := &inventory.Node{ID: "arn:aws:s3:::acme-data", Kind: inventory.KindS3Bucket, Name: "acme-data", Tags: map[string]string{"team": "payments"}}
		if lvl, _ := Classify(n, r); lvl.Rank() < 0 {
			t.Fatalf("bad level %q", lvl)
		}
	})
}
