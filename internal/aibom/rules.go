package aibom

// What a recognition rule says a workload is.
const (
	RoleAgent       = "agent"        // an AI agent framework or runtime
	RoleMCPServer   = "mcp_server"   // a Model Context Protocol server: tools for agents
	RoleModelServer = "model_server" // serves models (inference server)
	RoleVectorStore = "vector_store" // a vector database
)

// Rule recognises an AI workload by what its configuration shows. A
// workload matches when any one pattern matches; docs/aibom.md lists the
// table.
type Rule struct {
	Name string // stable identifier, e.g. "langgraph"
	Role string // RoleAgent, RoleMCPServer, RoleModelServer or RoleVectorStore
	// Images are substrings of the lower-cased image reference.
	Images []string
	// Commands are substrings of the lower-cased command line (command and
	// arguments joined by spaces).
	Commands []string
	// Env are environment variable names; a trailing "*" matches a prefix.
	Env []string
	// Labels are label keys, or key=value pairs.
	Labels []string
}

// Rules is the recognition table, in the order matches are reported.
var Rules = []Rule{
	{Name: "langgraph", Role: RoleAgent,
		Images:   []string{"langchain/langgraph-api", "langgraph"},
		Commands: []string{"langgraph ", "langgraph_api", "langgraph-cli"},
		Env:      []string{"LANGGRAPH_*"}},
	{Name: "langchain", Role: RoleAgent,
		Images:   []string{"langchain", "langserve"},
		Commands: []string{"langserve", "langchain"},
		Env:      []string{"LANGCHAIN_*", "LANGSMITH_*"}},
	{Name: "crewai", Role: RoleAgent,
		Images:   []string{"crewai"},
		Commands: []string{"crewai "},
		Env:      []string{"CREWAI_*"}},
	{Name: "autogen", Role: RoleAgent,
		Images:   []string{"autogen"},
		Commands: []string{"autogen", "autogenstudio"},
		Env:      []string{"AUTOGEN_*"}},
	{Name: "openai-agents", Role: RoleAgent,
		Images:   []string{"openai-agents"},
		Commands: []string{"openai-agents", "openai_agents"},
		Env:      []string{"OPENAI_AGENTS_*"}},
	{Name: "llamaindex", Role: RoleAgent,
		Images:   []string{"llamaindex", "llama-index", "llama_index"},
		Commands: []string{"llama_index", "llama-index", "llamaindex"},
		Env:      []string{"LLAMA_CLOUD_API_KEY", "LLAMA_INDEX_*"}},
	{Name: "bedrock-agentcore", Role: RoleAgent,
		Images:   []string{"bedrock-agentcore", "bedrock_agentcore"},
		Commands: []string{"bedrock_agentcore", "bedrock-agentcore"},
		Env:      []string{"BEDROCK_AGENTCORE_*"}},
	{Name: "mcp-server", Role: RoleMCPServer,
		Images:   []string{"mcp-server", "-mcp:", "-mcp-", "/mcp/", "mcp/", "modelcontextprotocol"},
		Commands: []string{"@modelcontextprotocol/server-", "mcp-server-", "mcp-proxy", "fastmcp", "mcp.server", "mcp run"},
		Env:      []string{"MCP_SERVER_*", "MCP_TRANSPORT"},
		Labels:   []string{"app.kubernetes.io/component=mcp-server"}},
	{Name: "vllm", Role: RoleModelServer,
		Images:   []string{"vllm/vllm-openai", "vllm"},
		Commands: []string{"vllm serve", "vllm.entrypoints"},
		Env:      []string{"VLLM_*"}},
	{Name: "ollama", Role: RoleModelServer,
		Images:   []string{"ollama/ollama", "ollama"},
		Commands: []string{"ollama serve"},
		Env:      []string{"OLLAMA_*"}},
	{Name: "tgi", Role: RoleModelServer,
		Images:   []string{"text-generation-inference"},
		Commands: []string{"text-generation-launcher"}},
	{Name: "triton", Role: RoleModelServer,
		Images:   []string{"tritonserver"},
		Commands: []string{"tritonserver"}},
	{Name: "qdrant", Role: RoleVectorStore, Images: []string{"qdrant/qdrant"}},
	{Name: "weaviate", Role: RoleVectorStore, Images: []string{"semitechnologies/weaviate", "cr.weaviate.io/"}},
	{Name: "chroma", Role: RoleVectorStore, Images: []string{"chromadb/chroma"}, Commands: []string{"chroma run"}},
	{Name: "pgvector", Role: RoleVectorStore, Images: []string{"pgvector/pgvector", "ankane/pgvector"}},
	{Name: "milvus", Role: RoleVectorStore, Images: []string{"milvusdb/milvus"}},
}

// RegistrationLabel marks a workload as a registered agent; its value names
// the agent. A workload with AI keys or AI egress that is neither
// registered nor recognised as AI software is a shadow-agent candidate.
const RegistrationLabel = "parapet.dev/agent"

// vectorStoreClients are environment variables that show a workload uses a
// hosted vector database, by provider.
var vectorStoreClients = map[string]string{
	"PINECONE_API_KEY":  "pinecone",
	"PINECONE_HOST":     "pinecone",
	"WEAVIATE_URL":      "weaviate",
	"WEAVIATE_API_KEY":  "weaviate",
	"QDRANT_URL":        "qdrant",
	"QDRANT_API_KEY":    "qdrant",
	"CHROMA_HOST":       "chroma",
	"MILVUS_URI":        "milvus",
	"PGVECTOR_URL":      "pgvector",
	"PGVECTOR_DSN":      "pgvector",
	"VECTOR_DB_URL":     "vector-db",
	"VECTOR_STORE_URL":  "vector-db",
	"OPENSEARCH_VECTOR": "opensearch",
}

// providerHosts are the default API hosts of providers whose key a
// workload holds: holding the key implies egress to them.
var providerHosts = map[string]string{
	"openai":      "api.openai.com",
	"anthropic":   "api.anthropic.com",
	"google":      "generativelanguage.googleapis.com",
	"huggingface": "api-inference.huggingface.co",
	"cohere":      "api.cohere.com",
	"mistral":     "api.mistral.ai",
	"groq":        "api.groq.com",
	"together":    "api.together.xyz",
	"deepseek":    "api.deepseek.com",
	"openrouter":  "openrouter.ai",
	"xai":         "api.x.ai",
	"perplexity":  "api.perplexity.ai",
	"replicate":   "api.replicate.com",
}
