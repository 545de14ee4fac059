package report

import (
	"bytes"
	"encoding/xml"
	"regexp"
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/inventory"
)

func samplePaths() ([]inventory.Finding, NodeInfo) {
	s := inventory.New()
	s.Add(&inventory.Node{ID: "k8s://prod/devops/agent/fixit", Kind: inventory.KindAIAgent, Name: "fixit <script>alert(1)</script>"})
	s.Add(&inventory.Node{ID: "https://github.com/acme/infra", Kind: "git.repository", Name: "acme/infra"})
	s.Add(&inventory.Node{ID: "k8s://prod/devops/serviceaccount/fixit", Kind: inventory.KindK8sServiceAccount, Name: "fixit"})
	s.Add(&inventory.Node{ID: "k8s://prod/payments/secret/db", Kind: inventory.KindK8sSecret, Name: "payments-db-credentials"})
	path := []inventory.Edge{
		{From: "k8s://prod/devops/agent/fixit", To: "https://github.com/acme/infra", Kind: inventory.EdgeReadsUntrusted},
		{From: "k8s://prod/devops/agent/fixit", To: "k8s://prod/devops/serviceaccount/fixit", Kind: inventory.EdgeRunsAs},
		{From: "k8s://prod/devops/serviceaccount/fixit", To: "k8s://prod/payments/secret/db", Kind: inventory.EdgeCanRead},
	}
	long := []inventory.Edge{}
	prev := inventory.InternetID
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		long = append(long, inventory.Edge{From: prev, To: n, Kind: inventory.EdgeReaches})
		prev = n
	}
	fs := []inventory.Finding{
		{Check: "PAR-AGENT-001", Title: `Agent "fixit" reads <untrusted> input`, Severity: inventory.Critical, Resources: []string{"k8s://prod/devops/agent/fixit"}, Path: path,
			Evidence: map[string]any{"risk_score": 36, "untrusted_input": []string{"git: acme/infra"}}, Remediation: "Split the trifecta.", Frameworks: []string{"owasp-llm-2025:LLM01"}},
		{Check: "PAR-PATH-001", Title: "Long path", Severity: inventory.High, Resources: []string{"a"}, Path: long,
			Evidence: map[string]any{"alternative_paths": [][]string{{inventory.InternetID, "a", "x", "g"}}}},
		{Check: "PAR-AWS-S3-001", Title: "Bucket public", Severity: inventory.Medium, Resources: []string{"arn:aws:s3:::b"}},
	}
	return fs, SnapshotInfo(s)
}

func TestHTMLIsOneSelfContainedFileWithAPicturePerPath(t *testing.T) {
	fs, info := samplePaths()
	var b bytes.Buffer
	inv := []InventoryRow{{Kind: inventory.KindAIAgent, Name: "fixit", ID: "ai:agent:x", Detail: "frameworks: langgraph"}}
	if err := HTML(&b, HTMLReport{Title: "Scan", Findings: fs, Info: info, Inventory: inv}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, banned := range []string{"<script", "<link", " src=", "@import", "url(http"} {
		if strings.Contains(out, banned) {
			t.Errorf("report contains %q: it must not fetch or run anything", banned)
		}
	}
	if m := regexp.MustCompile(`href="https?:`).FindString(out); m != "" {
		t.Errorf("report links out: %s", m)
	}
	svgs := regexp.MustCompile(`(?s)<svg .*?</svg>`).FindAllString(out, -1)
	if len(svgs) != 3 {
		t.Fatalf("%d pictures, want one per finding with a path and one per alternative path (3)", len(svgs))
	}
	if !strings.Contains(out, "1 other shortest paths") {
		t.Error("the alternative path is not offered")
	}
	for _, svg := range svgs {
		if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
			t.Errorf("picture is not well-formed XML: %v", err)
		}
	}
	if strings.Count(svgs[0], "<rect") != 4 {
		t.Errorf("first picture has %d boxes, want 4 (source, agent, service account, secret)", strings.Count(svgs[0], "<rect"))
	}
	if !strings.Contains(svgs[1], "<polyline") {
		t.Error("an eight-box path does not wrap to a second row")
	}
	if !strings.Contains(out, "acme/infra") || !strings.Contains(out, "untrusted input") {
		t.Error("the untrusted source is not drawn")
	}
	if strings.Count(out, `<marker id="arrow-1"`) != 1 || strings.Count(out, `<marker id="arrow-2"`) != 1 {
		t.Error("arrow markers are not unique per picture")
	}
	if !strings.Contains(out, "&lt;script&gt;") {
		t.Error("a node name is not escaped")
	}
	if !strings.Contains(out, "AI inventory: 1 items") || !strings.Contains(out, "frameworks: langgraph") {
		t.Error("the inventory table is missing")
	}
	var again bytes.Buffer
	HTML(&again, HTMLReport{Title: "Scan", Findings: fs, Info: info, Inventory: inv})
	if again.String() != out {
		t.Error("two renderings differ")
	}
}

func TestDOTAndMermaidDrawEachPath(t *testing.T) {
	fs, info := samplePaths()
	var d bytes.Buffer
	if err := DOT(&d, fs, info); err != nil {
		t.Fatal(err)
	}
	dot := d.String()
	if strings.Count(dot, "subgraph cluster_") != 2 {
		t.Errorf("want 2 clusters:\n%s", dot)
	}
	// The untrusted source flows into the agent.
	if !strings.Contains(dot, `p1_n1 -> p1_n0 [label="reads_untrusted"]`) {
		t.Errorf("reads_untrusted edge not reversed:\n%s", dot)
	}
	if !strings.Contains(dot, `\"fixit\" reads`) {
		t.Error("quotes in a title are not escaped for DOT")
	}
	if strings.Count(dot, "{") != strings.Count(dot, "}") {
		t.Error("unbalanced braces")
	}
	var m bytes.Buffer
	if err := Mermaid(&m, fs, info); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(m.String(), "```mermaid"); got != 2 {
		t.Errorf("%d mermaid blocks, want 2", got)
	}
	if strings.Contains(m.String(), "<script>") {
		t.Error("mermaid label not escaped")
	}
}
