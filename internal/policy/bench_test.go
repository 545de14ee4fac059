package policy

import (
	"context"
	"fmt"
	"testing"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// BenchmarkResources evaluates the built-in resource checks on a synthetic
// estate of 10,000 nodes (roles, buckets, instances, subnets, policies) and
// reports the time per node. BenchmarkResourcesWholeInventory runs the
// plain reading (referenceResources: the whole inventory in the store,
// every check on every node) on the same estate, as the baseline.
func BenchmarkResources(b *testing.B) {
	benchResources(b, (*Engine).Resources)
}

func BenchmarkResourcesWholeInventory(b *testing.B) {
	benchResources(b, (*Engine).referenceResources)
}

func benchResources(b *testing.B, run func(*Engine, context.Context, *inventory.Snapshot) ([]inventory.Finding, error)) {
	e, err := Load(context.Background(), Options{Builtin: true})
	if err != nil {
		b.Fatal(err)
	}
	snap := inventory.New()
	kinds := []string{inventory.KindIAMRole, inventory.KindS3Bucket, inventory.KindEC2Instance, inventory.KindSubnet, inventory.KindIAMPolicy}
	for i := range 10000 {
		k := kinds[i%len(kinds)]
		n := &inventory.Node{ID: fmt.Sprintf("arn:aws:x:::%s/%d", k, i), Kind: k, Provider: "aws", Account: "123456789012", Name: fmt.Sprint(i),
			Props: map[string]any{"trust_policy": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Effect": "Allow", "Principal": map[string]any{"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}}}}
		snap.Add(n)
		if i > 0 {
			snap.Connect(snap.Nodes[i-1].ID, n.ID, inventory.EdgeCanRead, nil)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := run(e, context.Background(), snap); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(snap.Nodes)), "ns/node")
}
