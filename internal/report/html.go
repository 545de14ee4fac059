package report

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// HTMLReport is what the HTML report shows.
type HTMLReport struct {
	Title string
	// Summary is one line under the title ("3 AWS accounts, 1 cluster ...").
	Summary  string
	Findings []inventory.Finding
	// Info names the nodes of paths; nil shows IDs.
	Info NodeInfo
	// Inventory, when set, is listed after the summary: for example the
	// AI inventory (agents, tools, models, keys) of the scanned estate.
	Inventory []InventoryRow
}

// InventoryRow is one line of the report's inventory table.
type InventoryRow struct {
	Kind, Name, ID, Detail string
}

// AIInventory lists the ai.* nodes of a snapshot for the HTML report:
// kind, name, ID, and what the AI inventory found (frameworks, provider,
// registration).
func AIInventory(s *inventory.Snapshot) []InventoryRow {
	var out []InventoryRow
	if s == nil {
		return nil
	}
	for _, n := range s.Nodes {
		if !strings.HasPrefix(n.Kind, "ai.") {
			continue
		}
		var detail []string
		for _, k := range []string{"frameworks", "provider", "protocol", "model_id", "host", "hosted_by"} {
			switch v := n.Props[k].(type) {
			case string:
				if v != "" {
					detail = append(detail, k+": "+v)
				}
			case []string:
				if len(v) > 0 {
					detail = append(detail, k+": "+strings.Join(v, ", "))
				}
			case []any:
				var parts []string
				for _, x := range v {
					parts = append(parts, fmt.Sprint(x))
				}
				if len(parts) > 0 {
					detail = append(detail, k+": "+strings.Join(parts, ", "))
				}
			}
		}
		if r, ok := n.Props["registered"].(bool); ok {
			detail = append(detail, fmt.Sprintf("registered: %v", r))
		}
		out = append(out, InventoryRow{Kind: n.Kind, Name: n.Name, ID: n.ID, Detail: strings.Join(detail, "; ")})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// HTML writes the report as one self-contained HTML file: inline CSS and
// SVG, no scripts, no external fetches. Each attack path is drawn as boxes
// and arrows laid out here, so the file opens anywhere, offline. The output
// is deterministic for the same input.
func HTML(w io.Writer, r HTMLReport) error {
	counts := map[inventory.Severity]int{}
	for _, f := range r.Findings {
		counts[f.Severity]++
	}
	type sevCount struct {
		Name  string
		Count int
	}
	var sc []sevCount
	for _, s := range []inventory.Severity{inventory.Critical, inventory.High, inventory.Medium, inventory.Low, inventory.Info} {
		sc = append(sc, sevCount{string(s), counts[s]})
	}
	type card struct {
		N           int
		Anchor      string
		Severity    string
		Check       string
		Title       string
		Picture     template.HTML
		Others      []template.HTML
		Resources   []string
		Evidence    []kv
		Remediation string
		Frameworks  []string
		Location    string
		Suppressed  string
	}
	var cards []card
	for i, f := range r.Findings {
		c := card{
			N: i + 1, Anchor: fmt.Sprintf("f%d", i+1), Severity: string(f.Severity), Check: f.Check,
			Title: f.Title, Resources: f.Resources, Evidence: evidenceList(f.Evidence),
			Remediation: f.Remediation, Frameworks: f.Frameworks,
		}
		if len(f.Path) > 0 {
			c.Picture = template.HTML(pathSVG(f.Path, r.Info, fmt.Sprintf("arrow-%d", i+1)))
		}
		for j, alt := range alternativePaths(f.Evidence["alternative_paths"]) {
			c.Others = append(c.Others, template.HTML(pathSVG(alt, r.Info, fmt.Sprintf("arrow-%d-%d", i+1, j+1))))
		}
		if f.Location != nil {
			c.Location = f.Location.File
			if f.Location.Line > 0 {
				c.Location += fmt.Sprintf(":%d", f.Location.Line)
			}
		}
		if f.Suppressed != nil {
			c.Suppressed = f.Suppressed.Reason
		}
		cards = append(cards, c)
	}
	title := r.Title
	if title == "" {
		title = "Parapet scan report"
	}
	return htmlPage.Execute(w, map[string]any{
		"Title": title, "Summary": r.Summary, "Counts": sc, "Cards": cards, "Total": len(r.Findings),
		"Inventory": r.Inventory,
	})
}

// alternativePaths reads the evidence's alternative paths (lists of node
// IDs) as edges without kinds, for drawing.
func alternativePaths(v any) [][]inventory.Edge {
	var lists [][]string
	switch t := v.(type) {
	case [][]string:
		lists = t
	case []any:
		for _, x := range t {
			var ids []string
			for _, y := range asAnySlice(x) {
				if s, ok := y.(string); ok {
					ids = append(ids, s)
				}
			}
			lists = append(lists, ids)
		}
	}
	var out [][]inventory.Edge
	for _, ids := range lists {
		var p []inventory.Edge
		for i := 1; i < len(ids); i++ {
			p = append(p, inventory.Edge{From: ids[i-1], To: ids[i]})
		}
		if len(p) > 0 {
			out = append(out, p)
		}
	}
	return out
}

func asAnySlice(v any) []any {
	switch t := v.(type) {
	case []any:
		return t
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out
	}
	return nil
}

type kv struct {
	Key   string
	Value string
}

// evidenceList flattens evidence into sorted key/value lines; lists of
// strings become one item per line, other values compact JSON.
func evidenceList(ev map[string]any) []kv {
	keys := make([]string, 0, len(ev))
	for k := range ev {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []kv
	for _, k := range keys {
		var v string
		switch t := ev[k].(type) {
		case string:
			v = t
		case []string:
			v = strings.Join(t, "\n")
		default:
			b, err := json.Marshal(t)
			if err != nil {
				v = fmt.Sprint(t)
			} else {
				v = string(b)
			}
		}
		if v == "" || v == "null" || v == "[]" {
			continue
		}
		out = append(out, kv{k, v})
	}
	return out
}

// Layout of the path pictures, in SVG user units.
const (
	boxW, boxH = 176, 58
	gapX, gapY = 64, 46
	perRow     = 5
	margin     = 8
)

// step is one box of a path picture and the label of the arrow into it.
type step struct {
	id, arrow string
	dashed    bool
}

// pathSteps turns a path's edges into the sequence of boxes to draw. An
// untrusted read is drawn with the source first, flowing into the agent;
// a gap between edges (two segments joined at different nodes) is drawn
// dashed.
func pathSteps(p []inventory.Edge) []step {
	var out []step
	for i, e := range p {
		if i == 0 {
			if e.Kind == inventory.EdgeReadsUntrusted {
				out = append(out, step{id: e.To}, step{id: e.From, arrow: "untrusted input"})
				continue
			}
			out = append(out, step{id: e.From})
		}
		if last := out[len(out)-1].id; last != e.From {
			out = append(out, step{id: e.From, arrow: "…", dashed: true})
		}
		out = append(out, step{id: e.To, arrow: e.Kind})
	}
	return out
}

// PathSVG draws a path as an inline SVG picture: one box per node (kind
// above, name below, coloured by layer, full ID as a tooltip), arrows
// labelled with the edge kind, wrapping after five boxes.
func PathSVG(p []inventory.Edge, info NodeInfo) string {
	return pathSVG(p, info, "arrow")
}

// pathSVG is PathSVG with the arrow marker's ID, unique within a page.
func pathSVG(p []inventory.Edge, info NodeInfo, marker string) string {
	steps := pathSteps(p)
	if len(steps) == 0 {
		return ""
	}
	rows := (len(steps) + perRow - 1) / perRow
	cols := min(len(steps), perRow)
	width := margin*2 + cols*boxW + (cols-1)*gapX
	height := margin*2 + rows*boxH + (rows-1)*gapY
	pos := func(i int) (x, y int) {
		return margin + (i%perRow)*(boxW+gapX), margin + (i/perRow)*(boxH+gapY)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="path" viewBox="0 0 %d %d" width="%d" height="%d" role="img">`, width, height, width, height)
	fmt.Fprintf(&b, `<defs><marker id="%s" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>`, marker)
	// Arrows first, so boxes sit on top of them.
	for i := 1; i < len(steps); i++ {
		x0, y0 := pos(i - 1)
		x1, y1 := pos(i)
		dash := ""
		if steps[i].dashed {
			dash = ` stroke-dasharray="5,4"`
		}
		label := html.EscapeString(steps[i].arrow)
		if y0 == y1 {
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#555" stroke-width="1.6" marker-end="url(#%s)"%s/>`, x0+boxW, y0+boxH/2, x1-2, y1+boxH/2, marker, dash)
			fmt.Fprintf(&b, `<text x="%d" y="%d" class="edge">%s</text>`, x0+boxW+gapX/2, y0+boxH/2-6, label)
			continue
		}
		// Wrap to the next row: down, back left, down.
		mid := y0 + boxH + gapY/2
		fmt.Fprintf(&b, `<polyline points="%d,%d %d,%d %d,%d %d,%d" fill="none" stroke="#555" stroke-width="1.6" marker-end="url(#%s)"%s/>`,
			x0+boxW/2, y0+boxH, x0+boxW/2, mid, x1+boxW/2, mid, x1+boxW/2, y1-2, marker, dash)
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="edge">%s</text>`, (x0+x1)/2+boxW/2, mid-5, label)
	}
	for i, s := range steps {
		x, y := pos(i)
		name, kind := label(info, s.id)
		layer := layerOf(kind)
		fmt.Fprintf(&b, `<g class="node %s"><title>%s</title>`, layer, html.EscapeString(s.id))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="8" fill="%s" stroke="%s"/>`, x, y, boxW, boxH, layerColour(kind), layerStroke(layer))
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="kind">%s</text>`, x+boxW/2, y+20, html.EscapeString(clip(labelKind(s.id, kind), 28)))
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="name">%s</text>`, x+boxW/2, y+40, html.EscapeString(clip(name, 24)))
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func kindLabel(kind string) string {
	if kind == "" {
		return "external"
	}
	return kind
}

// labelKind is the kind shown for an ID: the node's, or for the derived
// untrusted-content nodes ("untrusted:git"), "untrusted input".
func labelKind(id, kind string) string {
	if kind == "" && strings.HasPrefix(id, "untrusted:") {
		return "untrusted input"
	}
	return kindLabel(kind)
}

func layerStroke(layer string) string {
	switch layer {
	case "internet", "control":
		return "#c0392b"
	case "data":
		return "#1e8449"
	case "agent":
		return "#7d3c98"
	}
	return "#7f8c8d"
}

// clip shortens s to n runes with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

var htmlPage = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
:root { --crit:#b03a2e; --high:#d35400; --med:#b7950b; --low:#2874a6; --info:#7f8c8d; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color:#222; margin:0; background:#fafafa; }
header { background:#1f2a36; color:#fff; padding:20px 32px; }
header h1 { margin:0 0 4px; font-size:22px; }
header p { margin:0; color:#cfd8e3; }
main { padding:20px 32px; max-width:1280px; }
.counts span { display:inline-block; margin-right:8px; padding:3px 10px; border-radius:12px; color:#fff; font-weight:600; }
.sev-critical { background:var(--crit); } .sev-high { background:var(--high); } .sev-medium { background:var(--med); }
.sev-low { background:var(--low); } .sev-info { background:var(--info); }
table.toc { border-collapse:collapse; margin:16px 0 24px; width:100%; background:#fff; }
table.toc td, table.toc th { border-bottom:1px solid #e5e5e5; padding:5px 8px; text-align:left; vertical-align:top; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; color:#fff; font-size:12px; font-weight:600; text-transform:uppercase; }
section.finding { background:#fff; border:1px solid #e0e0e0; border-radius:8px; padding:14px 18px; margin:0 0 18px; }
section.finding h2 { font-size:16px; margin:0 0 8px; }
.check { font-family: ui-monospace, Menlo, Consolas, monospace; color:#555; font-size:12px; }
.picture { overflow-x:auto; margin:8px 0 4px; }
svg.path text { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; text-anchor:middle; }
svg.path text.kind { font-size:10px; fill:#555; }
svg.path text.name { font-size:13px; font-weight:600; fill:#111; }
svg.path text.edge { font-size:10px; fill:#444; }
dl { display:grid; grid-template-columns: 180px 1fr; gap:3px 12px; margin:8px 0; }
dt { color:#666; } dd { margin:0; white-space:pre-wrap; word-break:break-all; font-family: ui-monospace, Menlo, Consolas, monospace; font-size:12px; }
.fix { background:#eef7ee; border-left:4px solid #27ae60; padding:8px 12px; margin:8px 0; }
.fw span { display:inline-block; background:#eef1f5; border-radius:4px; padding:1px 6px; margin:2px 4px 2px 0; font-size:12px; font-family: ui-monospace, Menlo, Consolas, monospace; }
footer { color:#888; padding:12px 32px 32px; font-size:12px; }
</style>
</head>
<body>
<header><h1>{{.Title}}</h1>{{if .Summary}}<p>{{.Summary}}</p>{{end}}</header>
<main>
<p class="counts">{{range .Counts}}<span class="sev-{{.Name}}">{{.Count}} {{.Name}}</span>{{end}}</p>
{{if .Inventory}}
<details><summary>AI inventory: {{len .Inventory}} items</summary>
<table class="toc"><tr><th>Kind</th><th>Name</th><th>Details</th></tr>
{{range .Inventory}}<tr><td class="check">{{.Kind}}</td><td title="{{.ID}}">{{.Name}}</td><td>{{.Detail}}</td></tr>
{{end}}</table>
</details>
{{end}}
{{if .Cards}}
<table class="toc"><tr><th>#</th><th>Severity</th><th>Check</th><th>Finding</th></tr>
{{range .Cards}}<tr><td>{{.N}}</td><td><span class="badge sev-{{.Severity}}">{{.Severity}}</span></td><td class="check">{{.Check}}</td><td><a href="#{{.Anchor}}">{{.Title}}</a></td></tr>
{{end}}</table>
{{range .Cards}}
<section class="finding" id="{{.Anchor}}">
<h2><span class="badge sev-{{.Severity}}">{{.Severity}}</span> {{.N}}. {{.Title}}</h2>
<div class="check">{{.Check}}{{if .Location}} · {{.Location}}{{end}}{{if .Suppressed}} · suppressed: {{.Suppressed}}{{end}}</div>
{{if .Picture}}<div class="picture">{{.Picture}}</div>{{end}}
{{if .Others}}<details><summary>{{len .Others}} other shortest paths</summary>{{range .Others}}<div class="picture">{{.}}</div>{{end}}</details>{{end}}
<dl>
<dt>resources</dt><dd>{{range .Resources}}{{.}}
{{end}}</dd>
{{range .Evidence}}<dt>{{.Key}}</dt><dd>{{.Value}}</dd>
{{end}}</dl>
{{if .Remediation}}<div class="fix"><strong>Fix:</strong> {{.Remediation}}</div>{{end}}
{{if .Frameworks}}<div class="fw">{{range .Frameworks}}<span>{{.}}</span>{{end}}</div>{{end}}
</section>
{{end}}
{{else}}<p>No findings.</p>{{end}}
</main>
<footer>{{.Total}} findings · Parapet</footer>
</body>
</html>
`))
