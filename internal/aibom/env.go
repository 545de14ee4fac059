package aibom

import (
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/parapet-sec/parapet/internal/inspect"
)

// EnvFact is what Parapet keeps of one environment variable or configuration
// value: its name and, instead of its value, what the value points at. The
// value itself is never kept.
type EnvFact struct {
	Name string
	// KeyProvider names the AI service whose API key the variable holds
	// ("openai", "anthropic", ...), or is empty.
	KeyProvider string
	// Fingerprint identifies the key without revealing it: "sha256:" and the
	// first 12 hex digits of the SHA-256 of the value (inspect.Fingerprint).
	// Empty when the value is not known (a reference to a Kubernetes
	// Secret, for example).
	Fingerprint string
	// KeyKind is the secret format inspect.Secrets recognised in the value
	// ("openai-api-key", ...), or empty when only the name says it is a key.
	KeyKind string
	// Secrets are other credentials (not AI keys) found in the value by
	// inspect.Secrets: their kinds and fingerprints.
	Secrets []inspect.Secret
	// Hosts are AI API endpoints the value names (api.openai.com, ...).
	Hosts []string
	// ValueFrom says where the value comes from when it is a reference
	// instead of a literal ("secret:<name>/<key>", "configmap:<name>/<key>").
	ValueFrom string
}

// keyNames maps environment variable names that hold AI API keys to the
// provider. Names are matched exactly, after upper-casing.
var keyNames = map[string]string{
	"OPENAI_API_KEY":           "openai",
	"OPENAI_KEY":               "openai",
	"OPENAI_ADMIN_KEY":         "openai",
	"ANTHROPIC_API_KEY":        "anthropic",
	"CLAUDE_API_KEY":           "anthropic",
	"ANTHROPIC_AUTH_TOKEN":     "anthropic",
	"GOOGLE_API_KEY":           "google",
	"GEMINI_API_KEY":           "google",
	"GOOGLE_GENAI_API_KEY":     "google",
	"GOOGLE_AI_API_KEY":        "google",
	"PALM_API_KEY":             "google",
	"AZURE_OPENAI_API_KEY":     "azure-openai",
	"AZURE_OPENAI_KEY":         "azure-openai",
	"AZURE_AI_API_KEY":         "azure-openai",
	"HF_TOKEN":                 "huggingface",
	"HF_API_TOKEN":             "huggingface",
	"HF_API_KEY":               "huggingface",
	"HUGGINGFACE_TOKEN":        "huggingface",
	"HUGGINGFACE_API_KEY":      "huggingface",
	"HUGGING_FACE_HUB_TOKEN":   "huggingface",
	"HUGGINGFACEHUB_API_TOKEN": "huggingface",
	"COHERE_API_KEY":           "cohere",
	"CO_API_KEY":               "cohere",
	"MISTRAL_API_KEY":          "mistral",
	"GROQ_API_KEY":             "groq",
	"TOGETHER_API_KEY":         "together",
	"DEEPSEEK_API_KEY":         "deepseek",
	"OPENROUTER_API_KEY":       "openrouter",
	"XAI_API_KEY":              "xai",
	"PERPLEXITY_API_KEY":       "perplexity",
	"REPLICATE_API_TOKEN":      "replicate",
	"LANGCHAIN_API_KEY":        "langsmith",
	"LANGSMITH_API_KEY":        "langsmith",
	"PINECONE_API_KEY":         "pinecone",
	"WEAVIATE_API_KEY":         "weaviate",
	"QDRANT_API_KEY":           "qdrant",
}

// KeyProviderForName reports the AI provider whose API key an environment
// variable of this name holds by convention, or "".
func KeyProviderForName(name string) string {
	return keyNames[strings.ToUpper(strings.TrimSpace(name))]
}

// keyKindProviders maps inspect's AI key kinds to providers.
var keyKindProviders = map[string]string{
	inspect.SecretOpenAIKey:        "openai",
	inspect.SecretAnthropicKey:     "anthropic",
	inspect.SecretGoogleAPIKey:     "google",
	inspect.SecretAzureOpenAIKey:   "azure-openai",
	inspect.SecretHuggingFaceToken: "huggingface",
}

// InspectEnv looks at one environment variable. The value is read, with
// inspect.Secrets, to recognise and fingerprint an AI key (by its format, or
// by the variable's name when the format is not known), other credentials,
// and the AI endpoints it names; it is not kept.
func InspectEnv(name, value string) EnvFact {
	f := EnvFact{Name: name, KeyProvider: KeyProviderForName(name)}
	for _, s := range inspect.Secrets(value) {
		if p, ok := keyKindProviders[s.Kind]; ok && f.KeyKind == "" {
			f.KeyKind, f.KeyProvider = s.Kind, p
			f.Fingerprint = "sha256:" + s.Fingerprint
			continue
		}
		f.Secrets = append(f.Secrets, s)
	}
	if f.KeyProvider != "" && f.Fingerprint == "" && value != "" {
		f.Fingerprint = Fingerprint(value)
	}
	f.Hosts = EndpointHosts(value)
	return f
}

// Fingerprint returns a short, stable identifier of a secret value that does
// not reveal it, the same inspect.Secrets reports: "sha256:" and the first
// 12 hex digits of its SHA-256.
func Fingerprint(value string) string {
	return "sha256:" + inspect.Fingerprint(value)
}

// hostToken finds host names in free text: URLs, host:port pairs, bare names.
var hostToken = regexp.MustCompile(`(?i)[a-z0-9](?:[a-z0-9-]{0,62}\.)+[a-z]{2,63}`)

// EndpointHosts returns the AI API endpoint hosts (see Endpoints) named in
// s, lower-cased, sorted and without duplicates.
func EndpointHosts(s string) []string {
	if s == "" {
		return nil
	}
	seen := map[string]bool{}
	for _, tok := range hostToken.FindAllString(s, -1) {
		h := strings.ToLower(tok)
		if u, err := url.Parse(tok); err == nil && u.Host != "" {
			h = strings.ToLower(u.Hostname())
		}
		if MatchEndpoint(h) != nil {
			seen[h] = true
		}
	}
	if len(seen) == 0 {
		return nil
	}
	out := make([]string, 0, len(seen))
	for h := range seen {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// EnvProps records facts in a node's props in the documented shape:
// "env" (names, []string), "ai_keys" ([]map[string]any with "env",
// "provider", "fingerprint", "format", "value_from", and "container" when
// given), "env_secrets" ([]map[string]any with "env", "kind",
// "fingerprint", "container") and "ai_hosts" ([]string). container may be
// empty.
func EnvProps(props map[string]any, container string, facts []EnvFact) {
	names, _ := props["env"].([]string)
	keys, _ := props["ai_keys"].([]map[string]any)
	others, _ := props["env_secrets"].([]map[string]any)
	hostSet := map[string]bool{}
	if hs, ok := props["ai_hosts"].([]string); ok {
		for _, h := range hs {
			hostSet[h] = true
		}
	}
	for _, f := range facts {
		names = append(names, f.Name)
		if f.KeyProvider != "" {
			k := map[string]any{"env": f.Name, "provider": f.KeyProvider}
			if f.Fingerprint != "" {
				k["fingerprint"] = f.Fingerprint
			}
			if f.KeyKind != "" {
				k["format"] = f.KeyKind
			}
			if f.ValueFrom != "" {
				k["value_from"] = f.ValueFrom
			}
			if container != "" {
				k["container"] = container
			}
			keys = append(keys, k)
		}
		for _, sec := range f.Secrets {
			o := map[string]any{"env": f.Name, "kind": sec.Kind, "fingerprint": "sha256:" + sec.Fingerprint}
			if container != "" {
				o["container"] = container
			}
			others = append(others, o)
		}
		for _, h := range f.Hosts {
			hostSet[h] = true
		}
	}
	if len(names) > 0 {
		props["env"] = names
	}
	if len(keys) > 0 {
		props["ai_keys"] = keys
	}
	if len(others) > 0 {
		props["env_secrets"] = others
	}
	if len(hostSet) > 0 {
		hs := make([]string, 0, len(hostSet))
		for h := range hostSet {
			hs = append(hs, h)
		}
		sort.Strings(hs)
		props["ai_hosts"] = hs
	}
}
