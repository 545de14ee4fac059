package aibom_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/aibom"
	"github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/collect/k8s"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// container builds the containers prop as the Kubernetes collector does.
func container(image string, cmd ...string) map[string]any {
	c := map[string]any{"name": "main", "image": image}
	if len(cmd) > 0 {
		c["command"] = cmd
	}
	return c
}

func workloadNode(name string, images []string, containers []map[string]any, env []string, labels map[string]string, extra map[string]any) *inventory.Node {
	props := map[string]any{"kind": "Deployment", "namespace": "apps", "images": images, "containers": containers}
	if env != nil {
		props["env"] = env
	}
	for k, v := range extra {
		props[k] = v
	}
	return &inventory.Node{ID: k8s.ID("c", "apps", "Deployment", name), Kind: inventory.KindK8sWorkload, Provider: "k8s", Account: "c", Name: name, Tags: labels, Props: props}
}

// TestRecognitionTable is the labelled table of workloads and resources with
// the AI kinds Recognise must give them.
func TestRecognitionTable(t *testing.T) {
	openaiKey := []map[string]any{{"env": "OPENAI_API_KEY", "provider": "openai", "fingerprint": "sha256:0123456789ab"}}
	tests := []struct {
		name string
		node *inventory.Node
		want []string // AI kinds expected to run on (or be held by) the node, sorted
		// shadow is the expected ai_shadow_candidate prop
		shadow bool
	}{
		{"a LangGraph server image is an agent",
			workloadNode("lg", []string{"langchain/langgraph-api:0.2"}, nil, nil, nil, nil), []string{inventory.KindAIAgent}, false},
		{"a langgraph command is an agent",
			workloadNode("lg2", []string{"acme/app:1"}, []map[string]any{container("acme/app:1", "langgraph", "up")}, nil, nil, nil), []string{inventory.KindAIAgent}, false},
		{"LangChain tracing variables mark a LangChain agent",
			workloadNode("lc", []string{"acme/bot:1"}, nil, []string{"LANGCHAIN_TRACING_V2"}, nil, nil), []string{inventory.KindAIAgent}, false},
		{"a crewai command is an agent",
			workloadNode("crew", []string{"acme/research:1"}, []map[string]any{container("acme/research:1", "crewai", "run")}, nil, nil, nil), []string{inventory.KindAIAgent}, false},
		{"an AutoGen Studio image is an agent",
			workloadNode("ag", []string{"ghcr.io/acme/autogenstudio:0.4"}, nil, nil, nil, nil), []string{inventory.KindAIAgent}, false},
		{"OpenAI Agents SDK variables mark an agent",
			workloadNode("oa", []string{"acme/x:1"}, nil, []string{"OPENAI_AGENTS_DISABLE_TRACING"}, nil, nil), []string{inventory.KindAIAgent}, false},
		{"an MCP server image is a tool",
			workloadNode("mcp", []string{"ghcr.io/github/github-mcp-server:v0.6.0"}, nil, nil, nil, nil), []string{inventory.KindAITool}, false},
		{"an npx MCP server command is a tool",
			workloadNode("mcp2", []string{"node:22"}, []map[string]any{container("node:22", "npx", "-y", "@modelcontextprotocol/server-filesystem", "/data")}, nil, nil, nil), []string{inventory.KindAITool}, false},
		{"vLLM serving a model is a model server with its model",
			workloadNode("vllm", []string{"vllm/vllm-openai:v0.6.3"}, []map[string]any{{"name": "vllm", "image": "vllm/vllm-openai:v0.6.3", "args": []string{"--model", "meta-llama/Llama-3.1-8B-Instruct"}}}, nil, nil, nil), []string{inventory.KindAIModel}, false},
		{"Ollama is a model server",
			workloadNode("ollama", []string{"ollama/ollama:0.3.12"}, nil, nil, nil, nil), nil, false},
		{"TGI with --model-id serves that model",
			workloadNode("tgi", []string{"ghcr.io/huggingface/text-generation-inference:2.4"}, []map[string]any{{"name": "tgi", "image": "x", "args": []string{"--model-id", "mistralai/Mistral-7B-Instruct-v0.3"}}}, nil, nil, nil), []string{inventory.KindAIModel}, false},
		{"Triton is a model server",
			workloadNode("triton", []string{"nvcr.io/nvidia/tritonserver:24.09-py3"}, nil, nil, nil, nil), nil, false},
		{"Qdrant is a vector store",
			workloadNode("qdrant", []string{"qdrant/qdrant:v1.12.4"}, nil, nil, nil, nil), []string{inventory.KindAIVectorStore}, false},
		{"pgvector is a vector store",
			workloadNode("pg", []string{"pgvector/pgvector:pg16"}, nil, nil, nil, nil), []string{inventory.KindAIVectorStore}, false},
		{"a Pinecone key makes a hosted vector store client",
			workloadNode("pc", []string{"acme/search:1"}, nil, []string{"PINECONE_API_KEY"}, map[string]string{aibom.RegistrationLabel: "search"}, nil), []string{inventory.KindAIAgent, inventory.KindAIVectorStore}, false},
		{"an OpenAI key on an unregistered, unrecognised workload is a shadow agent",
			workloadNode("reports", []string{"acme/reporting:3"}, nil, []string{"OPENAI_API_KEY"}, nil, map[string]any{"ai_keys": openaiKey}), []string{inventory.KindAIAPIKey, inventory.KindAIEndpoint}, true},
		{"AI egress alone on an unregistered workload is a shadow agent",
			workloadNode("egress", []string{"acme/etl:1"}, nil, nil, nil, map[string]any{"ai_hosts": []string{"api.anthropic.com"}}), []string{inventory.KindAIEndpoint}, true},
		{"the same key on a registered agent is not a shadow",
			workloadNode("reg", []string{"acme/reporting:3"}, nil, []string{"OPENAI_API_KEY"}, map[string]string{aibom.RegistrationLabel: "reports"}, map[string]any{"ai_keys": openaiKey}), []string{inventory.KindAIAgent, inventory.KindAIAPIKey, inventory.KindAIEndpoint}, false},
		{"a plain web server is nothing",
			workloadNode("nginx", []string{"nginx:1.27.2"}, []map[string]any{container("nginx:1.27.2", "nginx", "-g", "daemon off;")}, []string{"PORT"}, nil, nil), nil, false},
		{"an AgentCore runtime is an agent",
			&inventory.Node{ID: "arn:aws:bedrock-agentcore:eu-west-1:1:runtime/x", Kind: inventory.KindAgentCoreRuntime, Name: "x", Props: map[string]any{}}, []string{inventory.KindAIAgent}, false},
		{"a SageMaker model is a model",
			&inventory.Node{ID: "arn:aws:sagemaker:eu-west-1:1:model/m", Kind: inventory.KindSageMakerModel, Name: "m", Props: map[string]any{}}, []string{inventory.KindAIModel}, false},
		{"a Bedrock agent is an agent using its foundation model",
			&inventory.Node{ID: "arn:aws:bedrock:eu-west-1:1:agent/A", Kind: inventory.KindBedrockAgent, Name: "a", Props: map[string]any{"foundation_model": "anthropic.claude-3-haiku-20240307-v1:0"}}, []string{inventory.KindAIAgent, inventory.KindAIModel}, false},
		{"a Lambda with LangChain variables is an agent",
			&inventory.Node{ID: "arn:aws:lambda:eu-west-1:1:function:f", Kind: inventory.KindLambdaFunction, Name: "f", Props: map[string]any{"env": []string{"LANGSMITH_API_KEY"}}}, []string{inventory.KindAIAgent}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := inventory.New()
			snap.Add(tt.node)
			aibom.Recognise(snap)
			var got []string
			related := map[string]bool{tt.node.ID: true}
			for _, e := range snap.Edges {
				if e.To == tt.node.ID && e.Kind == inventory.EdgeRunsOn {
					related[e.From] = true
				}
				if e.From == tt.node.ID {
					related[e.To] = true
				}
			}
			// Models a related agent uses count too.
			for _, e := range snap.Edges {
				if related[e.From] && e.Kind == inventory.EdgeUsesModel {
					related[e.To] = true
				}
			}
			seen := map[string]bool{}
			for id := range related {
				n := snap.Node(id)
				if n != nil && strings.HasPrefix(n.Kind, "ai.") && !seen[n.Kind] {
					seen[n.Kind] = true
					got = append(got, n.Kind)
				}
			}
			sortStrings(got)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("AI kinds = %v, want %v", got, tt.want)
			}
			if s, _ := snap.Node(tt.node.ID).Props["ai_shadow_candidate"].(bool); s != tt.shadow {
				t.Errorf("ai_shadow_candidate = %v, want %v", s, tt.shadow)
			}
		})
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func fixtures(t *testing.T) *inventory.Snapshot {
	t.Helper()
	snap, err := aws.CollectResources(filepath.Join("..", "collect", "aws", "testdata", "account-data"))
	if err != nil {
		t.Fatal(err)
	}
	ks, err := k8s.Options{Cluster: "prod-eks"}.Collect(filepath.Join("..", "collect", "k8s", "testdata", "eks-prod"))
	if err != nil {
		t.Fatal(err)
	}
	snap.Merge(ks)
	aibom.Recognise(snap)
	return snap
}

func TestRecogniseOnTheFixtureEstate(t *testing.T) {
	snap := fixtures(t)
	has := func(from, to, kind string) bool {
		for _, e := range snap.Edges {
			if e.From == from && e.To == to && e.Kind == kind {
				return true
			}
		}
		return false
	}
	report := k8s.ID("prod-eks", "web", "Deployment", "report-generator")
	chatbot := k8s.ID("prod-eks", "agents", "Deployment", "support-chatbot")
	tests := []struct {
		name string
		ok   bool
	}{
		{"the report generator is a shadow agent", snap.Node(report).Props["ai_shadow_candidate"] == true},
		{"a shadow agent gets no ai.agent node", snap.Node(aibom.AgentPrefix+report) == nil},
		{"the registered devops agent is not a shadow", snap.Node(k8s.ID("prod-eks", "agents", "Deployment", "devops-agent")).Props["ai_shadow_candidate"] == false},
		{"the devops agent is registered", snap.Node(aibom.AgentPrefix + k8s.ID("prod-eks", "agents", "Deployment", "devops-agent")).Props["registration"] == "devops"},
		{"the report generator egresses to OpenAI", has(report, aibom.EndpointPrefix+"api.openai.com", inventory.EdgeEgressTo)},
		{"the chatbot holds an Anthropic key", func() bool {
			for _, e := range snap.Edges {
				if e.From == chatbot && e.Kind == inventory.EdgeHoldsKey && strings.HasPrefix(e.To, aibom.APIKeyPrefix+"anthropic:sha256:") {
					return true
				}
			}
			return false
		}()},
		{"the devops agent's key is named by its secret reference", has(k8s.ID("prod-eks", "agents", "Deployment", "devops-agent"),
			aibom.APIKeyPrefix+"openai:k8s://prod-eks/agents/secret:openai-credentials/api-key", inventory.EdgeHoldsKey)},
		{"vLLM serves Llama", has(aibom.ModelPrefix+"huggingface:meta-llama/Llama-3.1-8B-Instruct", k8s.ID("prod-eks", "ml", "StatefulSet", "vllm"), inventory.EdgeRunsOn)},
		{"the Bedrock agent uses Claude", has(aibom.AgentPrefix+"arn:aws:bedrock:eu-west-1:111122223333:agent/KX7M2P9QWE", aibom.ModelPrefix+"bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0", inventory.EdgeUsesModel)},
		{"the Bedrock agent calls its order tool", has(aibom.AgentPrefix+"arn:aws:bedrock:eu-west-1:111122223333:agent/KX7M2P9QWE", aibom.ToolPrefix+"arn:aws:bedrock:eu-west-1:111122223333:agent/KX7M2P9QWE/action-group/QWE12RTY34", inventory.EdgeCallsTool)},
		{"the knowledge base's OpenSearch collection is a vector store", snap.Node(aibom.VectorStorePrefix+"arn:aws:aoss:eu-west-1:111122223333:collection/k1t2b3v4c5x6") != nil},
		{"the AgentCore runtime is a LangGraph agent", func() bool {
			n := snap.Node(aibom.AgentPrefix + "arn:aws:bedrock-agentcore:eu-west-1:111122223333:runtime/incident_triage-Xy7Qp2Lm9N")
			return n != nil && fmtAny(n.Props["frameworks"]) == "langgraph;"
		}()},
		{"the GitHub MCP server is a tool", snap.Node(aibom.ToolPrefix+k8s.ID("prod-eks", "agents", "Deployment", "github-mcp")) != nil},
		{"pods owned by a workload in the dump are left to it", snap.Node(aibom.AgentPrefix+k8s.ID("prod-eks", "agents", "Pod", "support-chatbot-5f8d7c9b6-abcde")) != nil == false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Fail()
			}
		})
	}
}

func TestRecogniseIsIdempotent(t *testing.T) {
	snap := fixtures(t)
	var a, b strings.Builder
	if err := snap.Encode(&a); err != nil {
		t.Fatal(err)
	}
	aibom.Recognise(snap)
	if err := snap.Encode(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("a second Recognise changed the snapshot")
	}
}

func TestEndpointsMatchHostsAndGlobs(t *testing.T) {
	tests := []struct {
		host, want string
	}{
		{"api.openai.com", "openai"},
		{"acme-prod.openai.azure.com", "azure-openai"},
		{"bedrock-runtime.eu-west-1.amazonaws.com", "aws-bedrock"},
		{"us-central1-aiplatform.googleapis.com", "google"},
		{"openai.azure.com", ""},
		{"api.openai.com.evil.example", ""},
		{"example.com", ""},
	}
	for _, tt := range tests {
		got := ""
		if e := aibom.MatchEndpoint(tt.host); e != nil {
			got = e.Provider
		}
		if got != tt.want {
			t.Errorf("aibom.MatchEndpoint(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
	if h := aibom.EndpointHosts("base=https://acme.openai.azure.com/openai/deployments/gpt4o?api-version=2024-06-01 fallback api.anthropic.com:443"); strings.Join(h, ",") != "acme.openai.azure.com,api.anthropic.com" {
		t.Errorf("EndpointHosts = %v", h)
	}
}

func TestInspectEnvNeverKeepsTheValue(t *testing.T) {
	f := aibom.InspectEnv("LLM_TOKEN", "hf_"+strings.Repeat("aB3dE5fG7h", 4))
	if f.KeyProvider != "huggingface" || f.KeyKind == "" || !strings.HasPrefix(f.Fingerprint, "sha256:") {
		t.Errorf("fact = %+v, want a Hugging Face token recognised by its format", f)
	}
	props := map[string]any{}
	aibom.EnvProps(props, "c", []aibom.EnvFact{f})
	if strings.Contains(strings.ToLower(fmtAny(props)), "ab3de5fg7h") {
		t.Error("props hold the value")
	}
}

func fmtAny(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				b.WriteString(k + "=")
				walk(x)
			}
		case []map[string]any:
			for _, x := range t {
				walk(x)
			}
		case []string:
			b.WriteString(strings.Join(t, ","))
		case string:
			b.WriteString(t)
		}
		b.WriteString(";")
	}
	walk(v)
	return b.String()
}

// TestDocsListEveryRule keeps docs/aibom.md true to aibom.Rules and
// aibom.Endpoints.
func TestDocsListEveryRule(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "aibom.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range aibom.Rules {
		if !strings.Contains(string(doc), "| "+r.Name+" | "+r.Role+" |") {
			t.Errorf("docs/aibom.md has no row for rule %s (%s)", r.Name, r.Role)
		}
		for _, p := range append(append(append([]string{}, r.Images...), r.Env...), r.Labels...) {
			if !strings.Contains(string(doc), "`"+p+"`") {
				t.Errorf("docs/aibom.md does not list %q of rule %s", p, r.Name)
			}
		}
	}
	for _, e := range aibom.Endpoints {
		if !strings.Contains(string(doc), "`"+e.Pattern+"`") {
			t.Errorf("docs/aibom.md does not list endpoint %s", e.Pattern)
		}
	}
}

// TestRecogniseReadsADecodedSnapshotAlike: a snapshot written with
// --snapshot and read back gives the same AI inventory as the collected one.
func TestRecogniseReadsADecodedSnapshotAlike(t *testing.T) {
	collect := func() *inventory.Snapshot {
		snap, err := aws.CollectResources(filepath.Join("..", "collect", "aws", "testdata", "account-data"))
		if err != nil {
			t.Fatal(err)
		}
		ks, err := k8s.Options{Cluster: "prod-eks"}.Collect(filepath.Join("..", "collect", "k8s", "testdata", "eks-prod"))
		if err != nil {
			t.Fatal(err)
		}
		snap.Merge(ks)
		return snap
	}
	live := collect()
	aibom.Recognise(live)
	var want strings.Builder
	if err := live.Encode(&want); err != nil {
		t.Fatal(err)
	}

	var saved strings.Builder
	if err := collect().Encode(&saved); err != nil {
		t.Fatal(err)
	}
	decoded, err := inventory.Decode(strings.NewReader(saved.String()), "snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	aibom.Recognise(decoded)
	var got strings.Builder
	if err := decoded.Encode(&got); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Error("Recognise on a decoded snapshot differs from Recognise on the collected one")
	}
}
