package aibom

import (
	"strings"
)

// Endpoint is an external AI API. Pattern is a host name or a glob with
// "*" for one or more labels ("*.openai.azure.com").
type Endpoint struct {
	Pattern  string
	Provider string
	// Kind is "model_api" for inference APIs and "vector_store" for hosted
	// vector databases.
	Kind string
}

// Endpoints is the table of AI API hosts Parapet recognises in environment
// values, arguments and URLs. docs/aibom.md lists it.
var Endpoints = []Endpoint{
	{"api.openai.com", "openai", "model_api"},
	{"*.openai.azure.com", "azure-openai", "model_api"},
	{"*.cognitiveservices.azure.com", "azure-openai", "model_api"},
	{"*.services.ai.azure.com", "azure-openai", "model_api"},
	{"api.anthropic.com", "anthropic", "model_api"},
	{"generativelanguage.googleapis.com", "google", "model_api"},
	{"aiplatform.googleapis.com", "google", "model_api"},
	{"*-aiplatform.googleapis.com", "google", "model_api"},
	{"bedrock-runtime.*.amazonaws.com", "aws-bedrock", "model_api"},
	{"bedrock-runtime-fips.*.amazonaws.com", "aws-bedrock", "model_api"},
	{"bedrock-agent-runtime.*.amazonaws.com", "aws-bedrock", "model_api"},
	{"bedrock-agentcore.*.amazonaws.com", "aws-bedrock", "model_api"},
	{"api-inference.huggingface.co", "huggingface", "model_api"},
	{"router.huggingface.co", "huggingface", "model_api"},
	{"*.endpoints.huggingface.cloud", "huggingface", "model_api"},
	{"api.cohere.ai", "cohere", "model_api"},
	{"api.cohere.com", "cohere", "model_api"},
	{"api.mistral.ai", "mistral", "model_api"},
	{"api.groq.com", "groq", "model_api"},
	{"api.together.xyz", "together", "model_api"},
	{"api.deepseek.com", "deepseek", "model_api"},
	{"openrouter.ai", "openrouter", "model_api"},
	{"api.x.ai", "xai", "model_api"},
	{"api.perplexity.ai", "perplexity", "model_api"},
	{"api.replicate.com", "replicate", "model_api"},
	{"*.pinecone.io", "pinecone", "vector_store"},
	{"*.weaviate.network", "weaviate", "vector_store"},
	{"*.weaviate.cloud", "weaviate", "vector_store"},
	{"*.cloud.qdrant.io", "qdrant", "vector_store"},
}

// MatchEndpoint returns the endpoint entry a host name matches, or nil.
func MatchEndpoint(host string) *Endpoint {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for i := range Endpoints {
		e := &Endpoints[i]
		if !strings.Contains(e.Pattern, "*") {
			if host == e.Pattern {
				return e
			}
			continue
		}
		// "*" stands for one or more characters, dots included (labels).
		pre, suf, _ := strings.Cut(e.Pattern, "*")
		if len(host) > len(pre)+len(suf) && strings.HasPrefix(host, pre) && strings.HasSuffix(host, suf) {
			return e
		}
	}
	return nil
}
