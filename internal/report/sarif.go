package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// SARIFVersion is the version of the Static Analysis Results Interchange
// Format the SARIF writer produces.
const SARIFVersion = "2.1.0"

// sarifSchema is the $schema the writer names.
const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// SARIFRule is the metadata of one check, shown by code-scanning tools.
type SARIFRule struct {
	ID          string
	Title       string
	Description string
	Remediation string
	Severity    string
	Frameworks  []string
	HelpURI     string
}

// SARIFOptions tune the SARIF writer.
type SARIFOptions struct {
	// ToolVersion is Parapet's version.
	ToolVersion string
	// Rules gives metadata for checks; a finding of a check without a rule
	// here gets one from the finding's own title and severity.
	Rules []SARIFRule
	// BaseDir makes file locations relative (code scanning wants paths
	// relative to the repository root); empty keeps them as given.
	BaseDir string
}

// The SARIF 2.1.0 objects the writer emits: a subset of the format, with
// field names as the specification spells them.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool       sarifTool     `json:"tool"`
		Results    []sarifResult `json:"results"`
		ColumnKind string        `json:"columnKind"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Version        string      `json:"version,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string          `json:"id"`
		Name                 string          `json:"name,omitempty"`
		ShortDescription     *sarifText      `json:"shortDescription,omitempty"`
		FullDescription      *sarifText      `json:"fullDescription,omitempty"`
		Help                 *sarifText      `json:"help,omitempty"`
		HelpURI              string          `json:"helpUri,omitempty"`
		DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
		Properties           map[string]any  `json:"properties,omitempty"`
	}
	sarifRuleConfig struct {
		Level string `json:"level"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID              string             `json:"ruleId"`
		RuleIndex           int                `json:"ruleIndex"`
		Level               string             `json:"level"`
		Message             sarifText          `json:"message"`
		Locations           []sarifLocation    `json:"locations,omitempty"`
		PartialFingerprints map[string]string  `json:"partialFingerprints"`
		Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
		Properties          map[string]any     `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
		LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
	}
	sarifLogical struct {
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind"`
	}
	sarifSuppression struct {
		Kind          string         `json:"kind"`
		Status        string         `json:"status"`
		Justification string         `json:"justification"`
		Properties    map[string]any `json:"properties,omitempty"`
	}
)

// SARIF writes findings as a SARIF 2.1.0 log for code-scanning upload: one
// rule per check with its metadata, one result per finding located at its
// file and line where known (and always at its resource ids, as logical
// locations), suppressed findings kept with their justification.
func SARIF(w io.Writer, fs []inventory.Finding, opts SARIFOptions) error {
	rules := map[string]SARIFRule{}
	for _, r := range opts.Rules {
		rules[r.ID] = r
	}
	for _, f := range fs {
		if _, ok := rules[f.Check]; !ok {
			rules[f.Check] = SARIFRule{ID: f.Check, Title: f.Title, Severity: string(f.Severity), Remediation: f.Remediation, Frameworks: f.Frameworks}
		}
	}
	ids := make([]string, 0, len(rules))
	for id := range rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	index := make(map[string]int, len(ids))
	driver := sarifDriver{
		Name:           "parapet",
		InformationURI: "https://github.com/parapet-sec/parapet",
		Version:        opts.ToolVersion,
		Rules:          make([]sarifRule, 0, len(ids)),
	}
	for i, id := range ids {
		index[id] = i
		driver.Rules = append(driver.Rules, toSARIFRule(rules[id]))
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: make([]sarifResult, 0, len(fs)), ColumnKind: "unicodeCodePoints"}
	for _, f := range fs {
		run.Results = append(run.Results, toSARIFResult(f, index[f.Check], opts.BaseDir))
	}
	return JSON(w, sarifLog{Schema: sarifSchema, Version: SARIFVersion, Runs: []sarifRun{run}})
}

func toSARIFRule(r SARIFRule) sarifRule {
	out := sarifRule{
		ID:                   r.ID,
		Name:                 ruleName(r.Title),
		DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(inventory.Severity(r.Severity))},
		HelpURI:              r.HelpURI,
	}
	if r.Title != "" {
		out.ShortDescription = &sarifText{Text: r.Title}
	}
	if r.Description != "" {
		out.FullDescription = &sarifText{Text: r.Description}
	}
	if r.Remediation != "" {
		out.Help = &sarifText{Text: r.Remediation}
	}
	tags := []string{"security"}
	for _, f := range r.Frameworks {
		if !slices.Contains(tags, f) {
			tags = append(tags, f)
		}
	}
	out.Properties = map[string]any{
		"tags":              tags,
		"security-severity": securitySeverity(inventory.Severity(r.Severity)),
		"precision":         "high",
	}
	return out
}

// ruleName turns a title into the PascalCase name SARIF suggests.
func ruleName(title string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(title, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s inventory.Severity) string {
	switch s {
	case inventory.Critical, inventory.High:
		return "error"
	case inventory.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is the score GitHub code scanning ranks security results
// by (9.0 and up critical, 7.0 high, 4.0 medium, below that low).
func securitySeverity(s inventory.Severity) string {
	switch s {
	case inventory.Critical:
		return "9.5"
	case inventory.High:
		return "8.0"
	case inventory.Medium:
		return "5.5"
	case inventory.Low:
		return "3.0"
	}
	return "0.0"
}

func toSARIFResult(f inventory.Finding, ruleIndex int, base string) sarifResult {
	r := sarifResult{
		RuleID:    f.Check,
		RuleIndex: ruleIndex,
		Level:     sarifLevel(f.Severity),
		Message:   sarifText{Text: resultMessage(f)},
		PartialFingerprints: map[string]string{
			"parapetFinding/v1": fingerprint(f),
		},
		Properties: map[string]any{"severity": string(f.Severity), "resources": f.Resources},
	}
	if len(f.Frameworks) > 0 {
		r.Properties["frameworks"] = f.Frameworks
	}
	if len(f.Path) > 0 {
		r.Properties["path"] = f.Path
	}
	var logical []sarifLogical
	for _, id := range f.Resources {
		logical = append(logical, sarifLogical{FullyQualifiedName: id, Kind: "resource"})
	}
	loc := sarifLocation{LogicalLocations: logical}
	if f.Location != nil && f.Location.File != "" {
		uri := fileURI(f.Location.File, base)
		p := &sarifPhysical{ArtifactLocation: sarifArtifact{URI: uri}}
		if !strings.HasPrefix(uri, "file://") {
			p.ArtifactLocation.URIBaseID = "%SRCROOT%"
		}
		if f.Location.Line > 0 {
			p.Region = &sarifRegion{StartLine: f.Location.Line, StartColumn: f.Location.Column}
		}
		loc.PhysicalLocation = p
	}
	if loc.PhysicalLocation != nil || len(loc.LogicalLocations) > 0 {
		r.Locations = []sarifLocation{loc}
	}
	if s := f.Suppressed; s != nil {
		kind := "external"
		if f.Location != nil && strings.HasPrefix(s.Source, f.Location.File+":") {
			kind = "inSource"
		}
		props := map[string]any{}
		if s.Owner != "" {
			props["owner"] = s.Owner
		}
		if s.Expires != "" {
			props["expires"] = s.Expires
		}
		if s.Source != "" {
			props["source"] = s.Source
		}
		r.Suppressions = []sarifSuppression{{Kind: kind, Status: "accepted", Justification: s.Reason, Properties: props}}
	}
	return r
}

// resultMessage is the finding's own message where the check gave one
// (evidence "message"), else its title and resources.
func resultMessage(f inventory.Finding) string {
	if m, ok := f.Evidence["message"].(string); ok && m != "" {
		return m
	}
	msg := f.Title
	if len(f.Resources) > 0 {
		msg += ": " + strings.Join(f.Resources, ", ")
	}
	if msg == "" {
		msg = f.Check
	}
	return msg
}

// fingerprint identifies a finding across runs: check, resources and
// message, not the line, so moving code does not reopen it.
func fingerprint(f inventory.Finding) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%v", f.Check, strings.Join(f.Resources, "\x00"), f.Evidence["message"])
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// fileURI makes path relative to base and writes it with forward slashes,
// percent-encoding what a URI reference may not hold; a path that stays
// absolute becomes a file:// URI.
func fileURI(path, base string) string {
	if base != "" {
		if abs, err := filepath.Abs(path); err == nil {
			if b, err := filepath.Abs(base); err == nil {
				if rel, err := filepath.Rel(b, abs); err == nil && !strings.HasPrefix(rel, "..") {
					path = rel
				}
			}
		}
	}
	abs := filepath.IsAbs(path)
	path = filepath.ToSlash(path)
	var b strings.Builder
	if abs {
		b.WriteString("file://")
	}
	for _, c := range []byte(path) {
		if c > 0x20 && c < 0x7f && !strings.ContainsRune(`"%<>\^`+"`{|}#?", rune(c)) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
