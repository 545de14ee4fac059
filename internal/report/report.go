// Package report renders findings for people and machines: a table for the
// terminal, the versioned JSON document, and the interchange formats (SARIF,
// CycloneDX, HTML, DOT) as they are added.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// Document is the JSON every finding-reporting command prints. Commands may
// embed it in a larger object with fields of their own.
type Document struct {
	Schema   string              `json:"schema"`
	Findings []inventory.Finding `json:"findings"`
}

// Sort orders findings by severity (highest first), then check id, then
// first resource, so output is stable and the worst comes first.
func Sort(fs []inventory.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if a.Check != b.Check {
			return a.Check < b.Check
		}
		return first(a.Resources) < first(b.Resources)
	})
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// JSON writes v as indented JSON without HTML escaping.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Findings writes the findings document in JSON.
func Findings(w io.Writer, fs []inventory.Finding) error {
	if fs == nil {
		fs = []inventory.Finding{}
	}
	return JSON(w, Document{Schema: inventory.SchemaFindings, Findings: fs})
}

// Table writes findings as an aligned table, one line each, with the path
// (for attack paths) on the lines below; with none, it says so.
func Table(w io.Writer, fs []inventory.Finding) error {
	if len(fs) == 0 {
		_, err := fmt.Fprintln(w, "No findings.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tCHECK\tRESOURCE\tTITLE")
	for _, f := range fs {
		res := first(f.Resources)
		if len(f.Resources) > 1 {
			res += fmt.Sprintf(" (+%d)", len(f.Resources)-1)
		}
		sev := strings.ToUpper(string(f.Severity))
		if f.Suppressed != nil {
			sev += " (suppressed)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", sev, f.Check, res, f.Title)
		for _, e := range f.Path {
			fmt.Fprintf(tw, "\t\t  %s -[%s]-> %s\t\n", e.From, e.Kind, e.To)
		}
	}
	return tw.Flush()
}
