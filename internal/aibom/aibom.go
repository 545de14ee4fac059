// Package aibom builds Parapet's AI bill of materials: it recognises AI
// agents, model servers, vector stores, AI API keys and egress to AI
// endpoints in an inventory snapshot, adds them as ai.* nodes and edges, and
// exports them as a CycloneDX 1.6 ML-BOM.
//
// Recognition is driven by documented tables (Rules, Endpoints, the key
// variable names); docs/aibom.md lists them. Secret values are never kept:
// collectors hand environment values to InspectEnv, which keeps names,
// fingerprints and endpoint hosts only.
package aibom
