package inventory

import (
	"fmt"
	"strings"
)

// SchemaFindings is the version of the JSON every finding-reporting command
// prints: one object with "schema" and "findings".
const SchemaFindings = "parapet.findings/v1"

// Severity of a finding.
type Severity string

// Severities, from the highest down.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
	Info     Severity = "info"
)

// Rank orders severities: info is 0, critical 4; an unknown severity is -1.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 4
	case High:
		return 3
	case Medium:
		return 2
	case Low:
		return 1
	case Info:
		return 0
	}
	return -1
}

// ParseSeverity reads a severity name, case-insensitively; "none" is accepted
// for --fail-on and ranks above critical, so nothing fails.
func ParseSeverity(s string) (Severity, error) {
	v := Severity(strings.ToLower(strings.TrimSpace(s)))
	if v == "none" || v.Rank() >= 0 {
		return v, nil
	}
	return "", fmt.Errorf("unknown severity %q (want critical, high, medium, low, info or none)", s)
}

// AtLeast reports whether s is at or above min. A min of "none" is never met.
func (s Severity) AtLeast(min Severity) bool {
	if min == "none" {
		return false
	}
	return s.Rank() >= min.Rank()
}

// Finding is what every analyzer reports: a check that failed on some
// resources, with the attack path where there is one, the evidence, a fix
// and the compliance frameworks it maps to ("owasp-llm-2025:LLM06",
// "nist-800-53:AC-6", "atlas:AML.T0051.001", ...).
type Finding struct {
	Check       string         `json:"check"`
	Title       string         `json:"title"`
	Severity    Severity       `json:"severity"`
	Resources   []string       `json:"resources"`
	Path        []Edge         `json:"path,omitempty"`
	Evidence    map[string]any `json:"evidence,omitempty"`
	Remediation string         `json:"remediation,omitempty"`
	Frameworks  []string       `json:"frameworks,omitempty"`
	// Location points at the file (and line) a finding comes from, for IaC
	// and manifests; empty for live or exported state.
	Location *Location `json:"location,omitempty"`
	// Suppressed holds the reason when a suppression matched; suppressed
	// findings are kept in SARIF with their reason and never fail a run.
	Suppressed *Suppression `json:"suppressed,omitempty"`
}

// Location is a place in a file; Line and Column are 1-based, 0 if unknown.
type Location struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// Suppression records why a finding was accepted, by whom and until when.
type Suppression struct {
	Reason  string `json:"reason"`
	Owner   string `json:"owner,omitempty"`
	Expires string `json:"expires,omitempty"`
	Source  string `json:"source,omitempty"`
}
