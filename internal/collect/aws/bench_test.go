package aws

import (
	"path/filepath"
	"testing"
)

// BenchmarkCollectResources measures collecting the fixture account (all
// services, AI included): go test -bench CollectResources ./internal/collect/aws
func BenchmarkCollectResources(b *testing.B) {
	dir := filepath.Join("testdata", "account-data")
	for i := 0; i < b.N; i++ {
		if _, err := CollectResources(dir); err != nil {
			b.Fatal(err)
		}
	}
}
