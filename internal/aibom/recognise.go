package aibom

import (
	"sort"
	"strings"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// Node ID prefixes of the AI inventory. docs/aibom.md gives the full form
// of each.
const (
	AgentPrefix       = "ai:agent:"
	ToolPrefix        = "ai:tool:"
	ModelPrefix       = "ai:model:"
	VectorStorePrefix = "ai:vector_store:"
	APIKeyPrefix      = "ai:api_key:"
	EndpointPrefix    = "ai:endpoint:"
)

// computeKinds are the kinds whose configuration Recognise reads for AI
// software, keys and endpoints.
var computeKinds = map[string]bool{
	inventory.KindK8sPod:            true,
	inventory.KindK8sWorkload:       true,
	inventory.KindLambdaFunction:    true,
	inventory.KindECSTask:           true,
	inventory.KindAgentCoreRuntime:  true,
	inventory.KindSageMakerNotebook: true,
	inventory.KindSageMakerModel:    true,
}

// workload is what Recognise reads of a compute node.
type workload struct {
	images   []string
	cmdlines []string
	env      []string
	labels   map[string]string
}

func stringsOf(v any) []string {
	switch t := v.(type) {
	case []string:
		return t
	case []any:
		var out []string
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func objectsOf(v any) []map[string]any {
	switch t := v.(type) {
	case []map[string]any:
		return t
	case []any:
		var out []map[string]any
		for _, x := range t {
			if m, ok := x.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// readWorkload collects images, command lines, environment names and
// labels from a node's documented props (works on decoded snapshots too).
func readWorkload(n *inventory.Node) workload {
	w := workload{labels: n.Tags}
	w.images = append(w.images, stringsOf(n.Props["images"])...)
	w.images = append(w.images, stringsOf(n.Props["layers"])...)
	if u := str(n.Props, "container_uri"); u != "" {
		w.images = append(w.images, u)
	}
	for _, c := range objectsOf(n.Props["containers"]) {
		line := strings.Join(append(stringsOf(c["command"]), stringsOf(c["args"])...), " ")
		if ep := stringsOf(c["entrypoint"]); len(ep) > 0 {
			line = strings.Join(ep, " ") + " " + line
		}
		if strings.TrimSpace(line) != "" {
			w.cmdlines = append(w.cmdlines, line)
		}
	}
	w.env = stringsOf(n.Props["env"])
	var pl map[string]string
	switch t := n.Props["pod_labels"].(type) {
	case map[string]string:
		pl = t
	case map[string]any: // a decoded snapshot
		pl = map[string]string{}
		for k, v := range t {
			if s, ok := v.(string); ok {
				pl[k] = s
			}
		}
	}
	if len(pl) > 0 {
		merged := map[string]string{}
		for k, v := range w.labels {
			merged[k] = v
		}
		for k, v := range pl {
			merged[k] = v
		}
		w.labels = merged
	}
	return w
}

// match returns the rules a workload matches and, for each, the evidence.
func match(w workload) (rules []Rule, evidence []string) {
	for _, r := range Rules {
		ev := ""
		for _, img := range w.images {
			li := strings.ToLower(img)
			for _, p := range r.Images {
				if ev == "" && strings.Contains(li, p) {
					ev = "image " + img
				}
			}
		}
		for _, line := range w.cmdlines {
			ll := strings.ToLower(line) + " "
			for _, p := range r.Commands {
				if ev == "" && strings.Contains(ll, p) {
					ev = "command " + line
				}
			}
		}
		for _, e := range w.env {
			for _, p := range r.Env {
				if ev != "" {
					break
				}
				if pre, ok := strings.CutSuffix(p, "*"); ok && strings.HasPrefix(e, pre) || e == p {
					ev = "env " + e
				}
			}
		}
		for _, l := range r.Labels {
			k, v, hasV := strings.Cut(l, "=")
			if got, ok := w.labels[k]; ev == "" && ok && (!hasV || got == v) {
				ev = "label " + l
			}
		}
		if ev != "" {
			rules = append(rules, r)
			evidence = append(evidence, r.Name+": "+ev)
		}
	}
	return rules, evidence
}

// servedModels finds the model a model server is started with: vLLM's
// --model or "vllm serve <model>", TGI's --model-id.
func servedModels(w workload) []string {
	var out []string
	for _, line := range w.cmdlines {
		f := strings.Fields(line)
		for i, a := range f {
			switch {
			case (a == "--model" || a == "--model-id") && i+1 < len(f):
				out = append(out, f[i+1])
			case strings.HasPrefix(a, "--model="), strings.HasPrefix(a, "--model-id="):
				out = append(out, a[strings.IndexByte(a, '=')+1:])
			case a == "serve" && i > 0 && strings.HasSuffix(f[i-1], "vllm") && i+1 < len(f) && !strings.HasPrefix(f[i+1], "-"):
				out = append(out, f[i+1])
			}
		}
	}
	return out
}

// recogniser accumulates the AI inventory for one snapshot.
type recogniser struct {
	snap  *inventory.Snapshot
	nodes []*inventory.Node
	edges []*inventory.Edge
	seen  map[string]*inventory.Node
}

func (r *recogniser) add(n *inventory.Node) *inventory.Node {
	if old := r.seen[n.ID]; old != nil {
		for k, v := range n.Props {
			if _, ok := old.Props[k]; !ok {
				old.Props[k] = v
			}
		}
		return old
	}
	r.seen[n.ID] = n
	r.nodes = append(r.nodes, n)
	return n
}

func (r *recogniser) connect(from, to, kind string, props map[string]any) {
	r.edges = append(r.edges, &inventory.Edge{From: from, To: to, Kind: kind, Props: props})
}

func aiNode(id, kind, name string, on *inventory.Node, props map[string]any) *inventory.Node {
	n := &inventory.Node{ID: id, Kind: kind, Name: name, Props: props}
	if on != nil {
		n.Provider, n.Account, n.Region = on.Provider, on.Account, on.Region
	}
	return n
}

// Recognise adds the AI inventory to snap: ai.agent, ai.tool, ai.model,
// ai.vector_store, ai.api_key and ai.endpoint nodes with runs_on,
// uses_model, calls_tool, retrieves_from, holds_key and egress_to edges, and
// ai_* props on the nodes it recognised (see docs/aibom.md). Running it
// twice adds nothing new.
func Recognise(snap *inventory.Snapshot) {
	snap.Normalize()
	r := &recogniser{snap: snap, seen: map[string]*inventory.Node{}}
	for _, n := range snap.Nodes {
		switch {
		case computeKinds[n.Kind]:
			if controlled(snap, str(n.Props, "owner")) {
				continue // its controller stands for it
			}
			r.compute(n)
		case n.Kind == inventory.KindBedrockAgent:
			r.bedrockAgent(n)
		case n.Kind == inventory.KindBedrockKnowledgeBase:
			if m := str(n.Props, "embedding_model"); m != "" {
				id := r.bedrockModel(m, n)
				r.connect(n.ID, id, inventory.EdgeUsesModel, map[string]any{"field": "embeddingModelArn"})
			}
		case n.Kind == inventory.KindDataStore && n.Props["vector_store"] == true:
			vs := r.add(aiNode(VectorStorePrefix+n.ID, inventory.KindAIVectorStore, n.Name, n,
				map[string]any{"service": n.Props["service"], "hosted_by": n.ID}))
			r.connect(vs.ID, n.ID, inventory.EdgeRunsOn, nil)
		}
	}
	for _, n := range r.nodes {
		snap.Add(n)
	}
	snap.Edges = append(snap.Edges, r.edges...)
	snap.Normalize()
}

// controlled reports whether a pod's or workload's owner is in the
// snapshot. A ReplicaSet or Job missing from a dump still counts when the
// Deployment or CronJob that names it (name plus a "-<hash>" suffix) is
// there.
func controlled(snap *inventory.Snapshot, owner string) bool {
	if owner == "" {
		return false
	}
	if snap.Node(owner) != nil {
		return true
	}
	i := strings.LastIndexByte(owner, '-')
	if i < 0 {
		return false
	}
	trimmed := owner[:i]
	for _, pair := range [][2]string{{"/replicaset/", "/deployment/"}, {"/job/", "/cronjob/"}} {
		if strings.Contains(trimmed, pair[0]) && snap.Node(strings.Replace(trimmed, pair[0], pair[1], 1)) != nil {
			return true
		}
	}
	return false
}

func (r *recogniser) compute(n *inventory.Node) {
	w := readWorkload(n)
	rules, evidence := match(w)
	roles := map[string]bool{}
	var frameworks []string
	for _, rule := range rules {
		roles[rule.Role] = true
		frameworks = append(frameworks, rule.Name)
	}
	native := n.Kind == inventory.KindAgentCoreRuntime
	if native {
		roles[RoleAgent] = true
		evidence = append(evidence, "kind "+n.Kind)
	}
	if n.Kind == inventory.KindSageMakerModel {
		roles[RoleModelServer] = true
	}
	regName, registered := w.labels[RegistrationLabel]

	keys := objectsOf(n.Props["ai_keys"])
	hosts := stringsOf(n.Props["ai_hosts"])
	hasAI := len(keys) > 0 || len(hosts) > 0
	recognised := len(roles) > 0
	shadow := hasAI && !registered && !recognised

	if recognised || registered || hasAI {
		var rl []string
		for k := range roles {
			rl = append(rl, k)
		}
		sort.Strings(rl)
		n.Props["ai_roles"] = rl
		n.Props["ai_frameworks"] = frameworks
		n.Props["ai_evidence"] = evidence
		n.Props["ai_registered"] = registered
		n.Props["ai_shadow_candidate"] = shadow
	}

	// A shadow candidate gets no ai.agent node: being one is what it lacks,
	// and the graph reports it from ai_shadow_candidate and its keys.
	if roles[RoleAgent] || registered {
		props := map[string]any{
			"frameworks": frameworks, "registered": registered, "shadow": shadow,
			"hosted_by": n.ID, "hosted_kind": n.Kind, "evidence": evidence,
		}
		if registered {
			props["registration"] = regName
		}
		a := r.add(aiNode(AgentPrefix+n.ID, inventory.KindAIAgent, n.Name, n, props))
		r.connect(a.ID, n.ID, inventory.EdgeRunsOn, nil)
	}
	if roles[RoleMCPServer] {
		t := r.add(aiNode(ToolPrefix+n.ID, inventory.KindAITool, n.Name, n,
			map[string]any{"protocol": "mcp", "hosted_by": n.ID, "frameworks": frameworks}))
		r.connect(t.ID, n.ID, inventory.EdgeRunsOn, nil)
	}
	if roles[RoleVectorStore] {
		v := r.add(aiNode(VectorStorePrefix+n.ID, inventory.KindAIVectorStore, n.Name, n,
			map[string]any{"hosted_by": n.ID, "frameworks": frameworks}))
		r.connect(v.ID, n.ID, inventory.EdgeRunsOn, nil)
	}
	if roles[RoleModelServer] {
		if n.Kind == inventory.KindSageMakerModel {
			m := r.add(aiNode(ModelPrefix+n.ID, inventory.KindAIModel, n.Name, n,
				map[string]any{"provider": "sagemaker", "hosted_by": n.ID, "artifacts": n.Props["model_data_urls"]}))
			r.connect(m.ID, n.ID, inventory.EdgeRunsOn, nil)
		}
		server := ""
		for _, rule := range rules {
			if rule.Role == RoleModelServer {
				server = rule.Name
				break
			}
		}
		for _, name := range servedModels(w) {
			m := r.add(aiNode(ModelPrefix+"huggingface:"+name, inventory.KindAIModel, name, nil,
				map[string]any{"provider": "huggingface", "model_id": name}))
			r.connect(m.ID, n.ID, inventory.EdgeRunsOn, map[string]any{"server": server})
		}
	}

	for _, e := range stringsOf(n.Props["env"]) {
		if p := vectorStoreClients[e]; p != "" {
			v := r.add(aiNode(VectorStorePrefix+p, inventory.KindAIVectorStore, p, nil, map[string]any{"provider": p, "hosted": true}))
			r.connect(n.ID, v.ID, inventory.EdgeRetrievesFrom, map[string]any{"env": e})
		}
	}

	// Keys: one node per key, shared by every place that holds it.
	for _, k := range keys {
		provider := str(k, "provider")
		fp := str(k, "fingerprint")
		var id string
		switch {
		case fp != "":
			id = APIKeyPrefix + provider + ":" + fp
		case str(k, "value_from") != "":
			ref := str(k, "value_from")
			if ns := str(n.Props, "namespace"); ns != "" && strings.HasPrefix(ref, "secret:") {
				ref = "k8s://" + n.Account + "/" + ns + "/" + ref
			}
			id = APIKeyPrefix + provider + ":" + ref
		default:
			id = APIKeyPrefix + provider + ":" + n.ID + "#" + str(k, "env")
		}
		props := map[string]any{"provider": provider}
		if fp != "" {
			props["fingerprint"] = fp
		}
		if f := str(k, "format"); f != "" {
			props["format"] = f
		}
		if vf := str(k, "value_from"); vf != "" {
			props["value_from"] = vf
		}
		key := r.add(aiNode(id, inventory.KindAIAPIKey, provider+" key", nil, props))
		ev := map[string]any{"env": str(k, "env")}
		if c := str(k, "container"); c != "" {
			ev["container"] = c
		}
		r.connect(n.ID, key.ID, inventory.EdgeHoldsKey, ev)
		if h := providerHosts[provider]; h != "" {
			ep := r.endpoint(h)
			r.connect(n.ID, ep, inventory.EdgeEgressTo, map[string]any{"implied_by_key": str(k, "env")})
		}
	}
	for _, h := range hosts {
		r.connect(n.ID, r.endpoint(h), inventory.EdgeEgressTo, map[string]any{"named_in": "configuration"})
	}
}

// endpoint adds the ai.endpoint node of a host and returns its ID.
func (r *recogniser) endpoint(host string) string {
	props := map[string]any{"host": host}
	if e := MatchEndpoint(host); e != nil {
		props["provider"], props["kind"] = e.Provider, e.Kind
	}
	return r.add(aiNode(EndpointPrefix+host, inventory.KindAIEndpoint, host, nil, props)).ID
}

// bedrockModel adds the ai.model of a Bedrock model ID or ARN and returns
// its node ID.
func (r *recogniser) bedrockModel(model string, on *inventory.Node) string {
	id := model
	if i := strings.LastIndex(model, "foundation-model/"); i >= 0 {
		id = model[i+len("foundation-model/"):]
	}
	provider := "bedrock"
	if p, _, ok := strings.Cut(id, "."); ok {
		provider = "bedrock:" + p
	}
	n := r.add(aiNode(ModelPrefix+"bedrock:"+id, inventory.KindAIModel, id, nil,
		map[string]any{"provider": provider, "model_id": id}))
	if on != nil {
		n.Region = on.Region
	}
	return n.ID
}

func (r *recogniser) bedrockAgent(n *inventory.Node) {
	a := r.add(aiNode(AgentPrefix+n.ID, inventory.KindAIAgent, n.Name, n, map[string]any{
		"frameworks": []string{"bedrock-agents"}, "registered": false, "shadow": false,
		"hosted_by": n.ID, "hosted_kind": n.Kind, "guardrail": str(n.Props, "guardrail"),
	}))
	r.connect(a.ID, n.ID, inventory.EdgeRunsOn, nil)
	n.Props["ai_roles"] = []string{RoleAgent}
	if m := str(n.Props, "foundation_model"); m != "" {
		r.connect(a.ID, r.bedrockModel(m, n), inventory.EdgeUsesModel, map[string]any{"field": "foundationModel"})
	}
	for _, e := range r.snap.Edges {
		if e.From != n.ID {
			continue
		}
		switch e.Kind {
		case inventory.EdgeCallsTool:
			tool := r.snap.Node(e.To)
			name := e.To
			if tool != nil {
				name = tool.Name
			}
			props := map[string]any{"protocol": "bedrock-action-group", "hosted_by": e.To}
			if tool != nil {
				if b := str(tool.Props, "builtin"); b != "" {
					props["builtin"] = b
				}
				if l := str(tool.Props, "executor_lambda"); l != "" {
					props["executor"] = l
				}
			}
			t := r.add(aiNode(ToolPrefix+e.To, inventory.KindAITool, name, n, props))
			r.connect(t.ID, e.To, inventory.EdgeRunsOn, nil)
			r.connect(a.ID, t.ID, inventory.EdgeCallsTool, e.Props)
		case inventory.EdgeRetrievesFrom:
			r.connect(a.ID, e.To, inventory.EdgeRetrievesFrom, e.Props)
		}
	}
}
