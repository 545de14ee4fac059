package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// NodeInfo finds what a report shows of a node: its kind and name. It may
// return nil for IDs it does not know (the report then shows the ID).
type NodeInfo func(id string) *inventory.Node

// SnapshotInfo is the NodeInfo of a snapshot; a nil snapshot knows nothing.
func SnapshotInfo(s *inventory.Snapshot) NodeInfo {
	return func(id string) *inventory.Node {
		if s == nil {
			return nil
		}
		return s.Node(id)
	}
}

// label gives a node's display name and kind.
func label(info NodeInfo, id string) (name, kind string) {
	if info != nil {
		if n := info(id); n != nil {
			name, kind = n.Name, n.Kind
		}
	}
	if id == inventory.InternetID {
		return "internet", inventory.KindInternet
	}
	if name == "" {
		name = id
		if i := strings.LastIndexAny(id, "/:"); i >= 0 && i < len(id)-1 {
			name = id[i+1:]
		}
	}
	return name, kind
}

// pathFindings returns the findings that carry a path.
func pathFindings(fs []inventory.Finding) []inventory.Finding {
	var out []inventory.Finding
	for _, f := range fs {
		if len(f.Path) > 0 {
			out = append(out, f)
		}
	}
	return out
}

// dotQuote quotes s as a DOT string.
func dotQuote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	s = strings.ReplaceAll(s, "\n", `\n`)
	return `"` + s + `"`
}

// DOT writes the attack paths of fs as one Graphviz digraph, a cluster per
// finding, nodes labelled with kind and name. Render it with
// `dot -Tsvg paths.dot > paths.svg`.
func DOT(w io.Writer, fs []inventory.Finding, info NodeInfo) error {
	var b strings.Builder
	b.WriteString("digraph parapet_attack_paths {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f5f5f5\", fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
	for i, f := range pathFindings(fs) {
		fmt.Fprintf(&b, "  subgraph cluster_%d {\n    label=%s;\n", i+1, dotQuote(fmt.Sprintf("%d. [%s] %s %s", i+1, strings.ToUpper(string(f.Severity)), f.Check, f.Title)))
		ids := map[string]string{}
		node := func(id string) string {
			if n, ok := ids[id]; ok {
				return n
			}
			n := fmt.Sprintf("p%d_n%d", i+1, len(ids))
			ids[id] = n
			name, kind := label(info, id)
			fmt.Fprintf(&b, "    %s [label=%s, fillcolor=%s, tooltip=%s];\n", n, dotQuote(kind+"\n"+name), dotQuote(layerColour(kind)), dotQuote(id))
			return n
		}
		for _, e := range f.Path {
			from, to := node(e.From), node(e.To)
			if e.Kind == inventory.EdgeReadsUntrusted {
				from, to = to, from // the untrusted source flows into the agent
			}
			fmt.Fprintf(&b, "    %s -> %s [label=%s];\n", from, to, dotQuote(e.Kind))
		}
		b.WriteString("  }\n")
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// Mermaid writes the attack paths of fs as Mermaid flowcharts, one per
// finding, in a Markdown document (GitHub and most wikis render them).
func Mermaid(w io.Writer, fs []inventory.Finding, info NodeInfo) error {
	var b strings.Builder
	for i, f := range pathFindings(fs) {
		fmt.Fprintf(&b, "### %d. [%s] %s: %s\n\n```mermaid\nflowchart LR\n", i+1, strings.ToUpper(string(f.Severity)), f.Check, mermaidText(f.Title))
		ids := map[string]string{}
		node := func(id string) string {
			if n, ok := ids[id]; ok {
				return n
			}
			n := fmt.Sprintf("n%d", len(ids))
			ids[id] = n
			name, kind := label(info, id)
			fmt.Fprintf(&b, "  %s[\"%s<br/><b>%s</b>\"]\n", n, mermaidText(kind), mermaidText(name))
			return n
		}
		for _, e := range f.Path {
			from, to := node(e.From), node(e.To)
			if e.Kind == inventory.EdgeReadsUntrusted {
				from, to = to, from
			}
			fmt.Fprintf(&b, "  %s -->|%s| %s\n", from, e.Kind, to)
		}
		b.WriteString("```\n\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidText escapes text for a quoted Mermaid label.
func mermaidText(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "|", "#124;", "\n", " ")
	return r.Replace(s)
}

// layerColour colours a node by the layer of the attack path it sits in.
func layerColour(kind string) string {
	switch layerOf(kind) {
	case "internet":
		return "#fde2e1"
	case "exposure":
		return "#fff1d6"
	case "compute":
		return "#e3efff"
	case "agent":
		return "#f1e4ff"
	case "identity":
		return "#e9e3ff"
	case "data":
		return "#ddf5e6"
	case "control":
		return "#ffd6d6"
	}
	return "#f0f0f0"
}

// layerOf names the layer of a node kind: internet, exposure, compute,
// agent, identity, data, control, or other.
func layerOf(kind string) string {
	switch kind {
	case inventory.KindInternet:
		return "internet"
	case inventory.KindLoadBalancer, inventory.KindAPIGateway, inventory.KindK8sIngress, inventory.KindK8sService, inventory.KindSecurityGroup, inventory.KindNetworkInterface:
		return "exposure"
	case inventory.KindEC2Instance, inventory.KindLambdaFunction, inventory.KindECSTask, inventory.KindK8sPod, inventory.KindK8sWorkload, inventory.KindSageMakerNotebook, inventory.KindSageMakerEndpoint, inventory.KindAgentCoreRuntime:
		return "compute"
	case inventory.KindAIAgent, inventory.KindBedrockAgent, inventory.KindAITool, inventory.KindAIModel:
		return "agent"
	case inventory.KindIAMRole, inventory.KindIAMUser, inventory.KindIAMGroup, inventory.KindIAMInstanceProfile, inventory.KindK8sServiceAccount, inventory.KindK8sRole, inventory.KindK8sClusterRole:
		return "identity"
	case inventory.KindAWSAccount, inventory.KindK8sCluster:
		return "control"
	case inventory.KindS3Bucket, inventory.KindRDSInstance, inventory.KindDynamoDBTable, inventory.KindSecret, inventory.KindK8sSecret, inventory.KindAIVectorStore, inventory.KindBedrockKnowledgeBase, inventory.KindSageMakerModel, inventory.KindDataStore, inventory.KindKMSKey, inventory.KindSQSQueue, inventory.KindSNSTopic:
		return "data"
	}
	return "other"
}
