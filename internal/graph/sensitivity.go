package graph

import (
	"fmt"
	"os"
	"path"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// IsData reports whether nodes of kind hold data an attacker wants: object
// stores, databases, secrets, vector stores, knowledge bases and model
// artifacts.
func IsData(kind string) bool {
	switch kind {
	case inventory.KindS3Bucket, inventory.KindRDSInstance, inventory.KindDynamoDBTable,
		inventory.KindSecret, inventory.KindK8sSecret, inventory.KindAIVectorStore,
		inventory.KindBedrockKnowledgeBase, inventory.KindSageMakerModel,
		inventory.KindDataStore, inventory.KindKMSKey, inventory.KindSQSQueue:
		return true
	}
	return false
}

// IsControl reports whether nodes of kind stand for control of a whole
// estate: an AWS account or a Kubernetes cluster.
func IsControl(kind string) bool {
	return kind == inventory.KindAWSAccount || kind == inventory.KindK8sCluster
}

// SensitivityRule is one user rule: nodes matching every field set in Match
// get Level. Rules are tried in order; the first match wins over the
// built-in rules.
type SensitivityRule struct {
	Match struct {
		ID   string            `json:"id,omitempty"`   // glob, as path.Match
		Kind string            `json:"kind,omitempty"` // glob
		Name string            `json:"name,omitempty"` // glob
		Tags map[string]string `json:"tags,omitempty"` // key -> value glob; tags and labels
	} `json:"match"`
	Level string `json:"sensitivity"`
}

// SensitivityRules are a user's overrides, read from YAML by
// LoadSensitivityRules.
type SensitivityRules struct {
	Rules []SensitivityRule `json:"rules"`
}

// LoadSensitivityRules reads a YAML (or JSON) file of rules:
//
//	rules:
//	  - match: {kind: aws.s3.bucket, name: "*-public-assets"}
//	    sensitivity: none
//	  - match: {tags: {team: payments}}
//	    sensitivity: critical
func LoadSensitivityRules(file string) (*SensitivityRules, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("sensitivity rules: %w", err)
	}
	return ParseSensitivityRules(file, data)
}

// ParseSensitivityRules reads rules from data; file names it in errors.
func ParseSensitivityRules(file string, data []byte) (*SensitivityRules, error) {
	var r SensitivityRules
	if err := yaml.UnmarshalStrict(data, &r); err != nil {
		return nil, fmt.Errorf("sensitivity rules %s: %w", file, err)
	}
	for i, rule := range r.Rules {
		where := fmt.Sprintf("sensitivity rules %s: rules[%d]", file, i)
		if _, ok := parseLevel(rule.Level); !ok {
			return nil, fmt.Errorf("%s: sensitivity %q is not none, low, medium, high or critical", where, rule.Level)
		}
		m := rule.Match
		if m.ID == "" && m.Kind == "" && m.Name == "" && len(m.Tags) == 0 {
			return nil, fmt.Errorf("%s: match is empty (give id, kind, name or tags)", where)
		}
		for _, g := range append([]string{m.ID, m.Kind, m.Name}, mapValues(m.Tags)...) {
			if _, err := path.Match(g, ""); err != nil {
				return nil, fmt.Errorf("%s: bad glob %q: %v", where, g, err)
			}
		}
	}
	return &r, nil
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func parseLevel(s string) (inventory.Sensitivity, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "none", "":
		return inventory.SensitivityNone, true
	case "low":
		return inventory.SensitivityLow, true
	case "medium":
		return inventory.SensitivityMedium, true
	case "high":
		return inventory.SensitivityHigh, true
	case "critical":
		return inventory.SensitivityCritical, true
	}
	return "", false
}

func globMatch(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	ok, _ := path.Match(pattern, s)
	return ok
}

func (r *SensitivityRule) matches(n *inventory.Node) bool {
	m := r.Match
	if !globMatch(m.ID, n.ID) || !globMatch(m.Kind, n.Kind) || !globMatch(m.Name, n.Name) {
		return false
	}
	for k, v := range m.Tags {
		tv, ok := n.Tags[k]
		if !ok || !globMatch(v, tv) {
			return false
		}
	}
	return true
}

// classificationKeys are tag and label keys that state a classification.
var classificationKeys = []string{
	"parapet.dev/sensitivity", "sensitivity", "data-classification", "dataclassification",
	"data_classification", "classification", "confidentiality",
}

// classificationValues maps the words organisations use in those tags.
var classificationValues = map[string]inventory.Sensitivity{
	"public": inventory.SensitivityNone, "none": inventory.SensitivityNone,
	"internal": inventory.SensitivityLow, "low": inventory.SensitivityLow,
	"medium": inventory.SensitivityMedium, "private": inventory.SensitivityMedium,
	"confidential": inventory.SensitivityHigh, "sensitive": inventory.SensitivityHigh, "high": inventory.SensitivityHigh,
	"restricted": inventory.SensitivityCritical, "secret": inventory.SensitivityCritical,
	"critical": inventory.SensitivityCritical, "pii": inventory.SensitivityCritical,
	"phi": inventory.SensitivityCritical, "pci": inventory.SensitivityCritical,
}

// regulatedKeys are tag keys whose presence with a true-ish or named value
// marks regulated data (PII, PHI, cardholder data).
var regulatedKeys = []string{"pii", "phi", "pci", "gdpr", "hipaa", "compliance", "contains-pii", "data-type"}

// nameWords are words in a resource name, with the sensitivity they imply.
// Names are split on non-alphanumerics, so "customer-pii-prod" has the
// words customer, pii and prod.
var nameWords = []struct {
	words []string
	level inventory.Sensitivity
}{
	{[]string{"pii", "phi", "pci", "ssn", "payment", "payments", "card", "cards", "cardholder", "patient", "patients", "medical", "health", "payroll", "salary", "passport"}, inventory.SensitivityCritical},
	{[]string{"customer", "customers", "client", "clients", "user", "users", "account", "accounts", "billing", "invoice", "invoices", "order", "orders", "crm", "hr", "employee", "employees", "credential", "credentials", "password", "passwords", "secret", "secrets", "token", "tokens", "apikey", "key", "keys", "private", "finance", "financial", "transactions", "ledger", "contracts", "legal", "tickets", "support"}, inventory.SensitivityHigh},
	{[]string{"prod", "production", "backup", "backups", "snapshot", "snapshots", "db", "database", "data", "warehouse", "lake", "datalake", "analytics", "model", "models", "artifacts", "training", "embeddings", "knowledge", "kb", "rag", "internal", "config", "state", "terraform", "tfstate"}, inventory.SensitivityMedium},
	{[]string{"log", "logs", "logging", "audit", "cloudtrail", "metrics", "tmp", "temp", "scratch", "cache", "build", "ci", "artifact", "test", "dev", "sandbox"}, inventory.SensitivityLow},
	{[]string{"public", "static", "assets", "website", "www", "cdn", "media", "images", "docs", "downloads"}, inventory.SensitivityNone},
}

// kindDefaults is the sensitivity of a data kind that no tag or name
// classifies.
var kindDefaults = map[string]inventory.Sensitivity{
	inventory.KindSecret:               inventory.SensitivityHigh,
	inventory.KindK8sSecret:            inventory.SensitivityHigh,
	inventory.KindRDSInstance:          inventory.SensitivityMedium,
	inventory.KindDynamoDBTable:        inventory.SensitivityMedium,
	inventory.KindAIVectorStore:        inventory.SensitivityMedium,
	inventory.KindBedrockKnowledgeBase: inventory.SensitivityMedium,
	inventory.KindSageMakerModel:       inventory.SensitivityMedium,
	inventory.KindKMSKey:               inventory.SensitivityMedium,
	inventory.KindS3Bucket:             inventory.SensitivityLow,
	inventory.KindSQSQueue:             inventory.SensitivityLow,
	inventory.KindDataStore:            inventory.SensitivityLow,
}

// Classify gives a data node's sensitivity and the rule that decided it.
// The order is: the user's rules (first match), a classification tag or
// label, a regulated-data tag, words in the name (the highest word wins,
// except that a "public"-type word caps a name with no higher word), a
// sensitivity the collector set, and the kind's default. Nodes that do not
// hold data get none, unless a user rule says otherwise.
func Classify(n *inventory.Node, user *SensitivityRules) (inventory.Sensitivity, string) {
	if user != nil {
		for i := range user.Rules {
			if user.Rules[i].matches(n) {
				lvl, _ := parseLevel(user.Rules[i].Level)
				return lvl, fmt.Sprintf("user rule %d", i+1)
			}
		}
	}
	if !IsData(n.Kind) {
		return inventory.SensitivityNone, ""
	}
	for _, k := range classificationKeys {
		for tk, tv := range n.Tags {
			if !strings.EqualFold(tk, k) {
				continue
			}
			if lvl, ok := classificationValues[strings.ToLower(strings.TrimSpace(tv))]; ok {
				return lvl, fmt.Sprintf("tag %s=%s", tk, tv)
			}
		}
	}
	for _, k := range regulatedKeys {
		for tk, tv := range n.Tags {
			if !strings.EqualFold(tk, k) {
				continue
			}
			v := strings.ToLower(strings.TrimSpace(tv))
			if v == "" || v == "false" || v == "no" || v == "none" || v == "0" {
				continue
			}
			return inventory.SensitivityCritical, fmt.Sprintf("tag %s=%s", tk, tv)
		}
	}
	best, bestWord, sawNone := inventory.Sensitivity("?"), "", false
	for _, w := range nameTokens(n.Name) {
		for _, nw := range nameWords {
			for _, cand := range nw.words {
				if w != cand {
					continue
				}
				if nw.level == inventory.SensitivityNone {
					sawNone = true
				} else if best == "?" || nw.level.Rank() > best.Rank() {
					best, bestWord = nw.level, w
				}
			}
		}
	}
	if best != "?" && (!sawNone || best.Rank() >= inventory.SensitivityHigh.Rank()) {
		return best, fmt.Sprintf("name contains %q", bestWord)
	}
	if sawNone {
		return inventory.SensitivityNone, "name marks public content"
	}
	if n.Sensitivity != inventory.SensitivityNone {
		return n.Sensitivity, "set by the collector"
	}
	return kindDefaults[n.Kind], "default for " + n.Kind
}

// nameTokens splits a name into lower-case words on anything that is not a
// letter or digit, and on lower-to-upper case changes ("CustomerPII").
func nameTokens(name string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	var prev rune
	for _, r := range name {
		isLetter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		isDigit := r >= '0' && r <= '9'
		switch {
		case !isLetter && !isDigit:
			flush()
		case r >= 'A' && r <= 'Z' && prev >= 'a' && prev <= 'z':
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	return out
}
