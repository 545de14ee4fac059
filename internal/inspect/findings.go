package inspect

import (
	"fmt"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// Check ids of the findings the inspect commands report.
const (
	CheckInjection  = "PAR-INSPECT-001" // text reads as a prompt injection
	CheckHidden     = "PAR-INSPECT-002" // hidden or disguised content
	CheckExfilURL   = "PAR-INSPECT-003" // URL built to carry data out
	CheckSecret     = "PAR-INSPECT-004" // credential in the text
	CheckRAGFlood   = "PAR-INSPECT-005" // near-duplicate flooding of a vector store
	CheckRAGOutlier = "PAR-INSPECT-006" // chunk far from the store's embedding centroid
	CheckRAGChanged = "PAR-INSPECT-007" // chunk changed since the baseline
)

var (
	injectionFrameworks = []string{"owasp-llm-2025:LLM01", "owasp-asi-2026:ASI01", "atlas:AML.T0051.001"}
	secretFrameworks    = []string{"owasp-llm-2025:LLM02", "nist-800-53:IA-5", "nist-800-53:SC-28"}
	ragFrameworks       = []string{"owasp-llm-2025:LLM04", "owasp-llm-2025:LLM08", "owasp-asi-2026:ASI06", "atlas:AML.T0070"}
)

// Unit is one text to scan with where it came from: a commit message, an
// IaC comment, an alert's annotations, a RAG chunk.
type Unit struct {
	ID     string // names the unit in findings: "git:<sha>", "alert:<name>", ...
	Source Source //
	Text   string //
	// Location is the file and the line Text starts on, where there is
	// one; findings count lines from it.
	Location *inventory.Location
}

// ScanUnits scans every unit and reports project findings: one injection
// finding per unit judged an injection (with the detector's findings as
// evidence), hidden-content and exfiltration findings that stand on their
// own, and one finding per secret.
func (in *Inspector) ScanUnits(units []Unit) []inventory.Finding {
	var out []inventory.Finding
	for _, u := range units {
		out = append(out, in.UnitFindings(u, in.Scan(u.Text, u.Source))...)
	}
	return out
}

// UnitFindings turns the result of scanning u into project findings.
func (in *Inspector) UnitFindings(u Unit, r Result) []inventory.Finding {
	var out []inventory.Finding
	loc := func(start int) *inventory.Location {
		if u.Location == nil {
			return nil
		}
		l := *u.Location
		if l.Line > 0 {
			for i := 0; i < start && i < len(u.Text); i++ {
				if u.Text[i] == '\n' {
					l.Line++
				}
			}
		}
		return &l
	}
	if r.Injection {
		sev := inventory.High
		if r.Score >= 0.95 {
			sev = inventory.Critical
		}
		start := 0
		if len(r.Findings) > 0 {
			start = r.Findings[0].Start
		}
		out = append(out, inventory.Finding{
			Check:    CheckInjection,
			Title:    fmt.Sprintf("Prompt injection in %s (score %.2f)", sourceName(u.Source), r.Score),
			Severity: sev, Resources: []string{u.ID},
			Evidence: map[string]any{"source": u.Source, "score": round3(r.Score), "threshold": round3(r.Threshold), "findings": r.Findings},
			Remediation: "Treat this text as data, not instructions: remove it at the source, and keep agents that read it " +
				"from acting on it without review (gateway response scanning, human approval for sensitive tools).",
			Frameworks: injectionFrameworks, Location: loc(start),
		})
	} else {
		for _, f := range r.Findings {
			check, title := "", ""
			switch {
			case f.Category == CategoryHidden:
				check, title = CheckHidden, "Hidden content in "+sourceName(u.Source)
			case f.Category == CategoryExfiltration && isStructural(f):
				check, title = CheckExfilURL, "URL that can carry data out in "+sourceName(u.Source)
			default:
				continue
			}
			out = append(out, inventory.Finding{
				Check: check, Title: title, Severity: inventory.Medium, Resources: []string{u.ID},
				Evidence:    map[string]any{"source": u.Source, "finding": f},
				Remediation: "Remove the hidden or disguised content; nothing a reader cannot see should reach an agent.",
				Frameworks:  injectionFrameworks, Location: loc(f.Start),
			})
		}
	}
	for _, s := range r.Secrets {
		out = append(out, inventory.Finding{
			Check: CheckSecret, Title: "Credential in " + sourceName(u.Source) + ": " + s.Kind,
			Severity: inventory.High, Resources: []string{u.ID},
			Evidence:    map[string]any{"kind": s.Kind, "fingerprint": s.Fingerprint, "start": s.Start, "end": s.End},
			Remediation: "Revoke and rotate the credential, then remove it from the text and its history.",
			Frameworks:  secretFrameworks, Location: loc(s.Start),
		})
	}
	return out
}

func sourceName(s Source) string {
	switch s {
	case SourceGitCommit:
		return "a commit message"
	case SourceRepoFile:
		return "a repository file"
	case SourceIaCComment:
		return "infrastructure code"
	case SourceAlert:
		return "an alert"
	case SourceRAGChunk:
		return "a RAG chunk"
	case SourceToolOutput:
		return "tool output"
	case SourceUser:
		return "user input"
	}
	return "text"
}

func round3(x float64) float64 { return float64(int(x*1000+0.5)) / 1000 }

// RAGFrameworks are the frameworks of memory-poisoning findings.
func RAGFrameworks() []string { return append([]string(nil), ragFrameworks...) }
