package graph

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// TestClassifyLabelledResources is the labelled table of resources and the
// sensitivity the documented rules give them (docs/scan.md).
func TestClassifyLabelledResources(t *testing.T) {
	tests := []struct {
		name string
		node inventory.Node
		want inventory.Sensitivity
	}{
		{"a bucket named for customer PII is critical", inventory.Node{Kind: inventory.KindS3Bucket, Name: "acme-customer-pii-prod"}, inventory.SensitivityCritical},
		{"a camel-case table name is split into words", inventory.Node{Kind: inventory.KindDynamoDBTable, Name: "PaymentCards"}, inventory.SensitivityCritical},
		{"a customers table is high", inventory.Node{Kind: inventory.KindDynamoDBTable, Name: "customers"}, inventory.SensitivityHigh},
		{"a classification tag wins over the name", inventory.Node{Kind: inventory.KindS3Bucket, Name: "public-assets", Tags: map[string]string{"DataClassification": "Restricted"}}, inventory.SensitivityCritical},
		{"a pii tag marks regulated data", inventory.Node{Kind: inventory.KindRDSInstance, Name: "app-db", Tags: map[string]string{"pii": "true"}}, inventory.SensitivityCritical},
		{"a pii tag set to false is ignored", inventory.Node{Kind: inventory.KindS3Bucket, Name: "tmp-exports", Tags: map[string]string{"pii": "false"}}, inventory.SensitivityLow},
		{"a public website bucket is none", inventory.Node{Kind: inventory.KindS3Bucket, Name: "acme-public-website"}, inventory.SensitivityNone},
		{"a high word beats a public word", inventory.Node{Kind: inventory.KindS3Bucket, Name: "public-customer-exports"}, inventory.SensitivityHigh},
		{"a log bucket is low", inventory.Node{Kind: inventory.KindS3Bucket, Name: "acme-alb-logs"}, inventory.SensitivityLow},
		{"a model artifacts bucket is medium", inventory.Node{Kind: inventory.KindS3Bucket, Name: "ml-model-artifacts"}, inventory.SensitivityMedium},
		{"an unnamed secret defaults to high", inventory.Node{Kind: inventory.KindSecret, Name: "x1"}, inventory.SensitivityHigh},
		{"a Kubernetes secret of payment credentials is critical", inventory.Node{Kind: inventory.KindK8sSecret, Name: "payments-db-credentials"}, inventory.SensitivityCritical},
		{"a plain bucket defaults to low", inventory.Node{Kind: inventory.KindS3Bucket, Name: "cloudmapper_demo"}, inventory.SensitivityLow},
		{"a sensitivity label on a Kubernetes secret is read", inventory.Node{Kind: inventory.KindK8sSecret, Name: "x", Tags: map[string]string{"parapet.dev/sensitivity": "low"}}, inventory.SensitivityLow},
		{"a collector's sensitivity is kept when nothing else says", inventory.Node{Kind: inventory.KindDataStore, Name: "x", Sensitivity: inventory.SensitivityHigh}, inventory.SensitivityHigh},
		{"compute holds no data", inventory.Node{Kind: inventory.KindEC2Instance, Name: "customer-api"}, inventory.SensitivityNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why := Classify(&tt.node, nil)
			if got != tt.want {
				t.Errorf("Classify = %q (%s), want %q", got, why, tt.want)
			}
		})
	}
}

func TestUserRulesOverrideTheBuiltInRules(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sensitivity.yaml")
	os.WriteFile(file, []byte(`rules:
  - match: {kind: aws.s3.bucket, name: "acme-customer-*"}
    sensitivity: low
  - match: {tags: {team: payments}}
    sensitivity: critical
`), 0o644)
	rules, err := LoadSensitivityRules(file)
	if err != nil {
		t.Fatal(err)
	}
	got, why := Classify(&inventory.Node{Kind: inventory.KindS3Bucket, Name: "acme-customer-pii"}, rules)
	if got != inventory.SensitivityLow || why != "user rule 1" {
		t.Errorf("first rule: got %q (%s)", got, why)
	}
	got, _ = Classify(&inventory.Node{Kind: inventory.KindEC2Instance, Name: "x", Tags: map[string]string{"team": "payments"}}, rules)
	if got != inventory.SensitivityCritical {
		t.Errorf("tag rule: got %q", got)
	}
	got, _ = Classify(&inventory.Node{Kind: inventory.KindS3Bucket, Name: "other-customers"}, rules)
	if got != inventory.SensitivityHigh {
		t.Errorf("no rule matches: got %q, want the built-in high", got)
	}
}

func TestLoadSensitivityRulesNamesTheBadRule(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"an unknown level", "rules:\n  - match: {kind: x}\n    sensitivity: extreme\n", "rules[0]: sensitivity \"extreme\""},
		{"an empty match", "rules:\n  - sensitivity: low\n", "rules[0]: match is empty"},
		{"an unknown field", "rules:\n  - match: {kind: x}\n    sensitivity: low\n    colour: red\n", "colour"},
		{"a bad glob", "rules:\n  - match: {name: \"[\"}\n    sensitivity: low\n", "bad glob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "s.yaml")
			os.WriteFile(file, []byte(tt.text), 0o644)
			_, err := LoadSensitivityRules(file)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), file) {
				t.Errorf("error = %v, want it to name %s and say %q", err, file, tt.want)
			}
		})
	}
}
