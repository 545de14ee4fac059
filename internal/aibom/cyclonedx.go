package aibom

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/parapet-sec/parapet/internal/inventory"
)

// CycloneDXSpecVersion is the CycloneDX version CycloneDX writes.
const CycloneDXSpecVersion = "1.6"

type cdxProperty struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type cdxOrg struct {
	Name string `json:"name"`
}

type cdxData struct {
	Type string `json:"type"`
	Name string `json:"name,omitempty"`
}

type cdxComponent struct {
	Type        string        `json:"type"`
	BOMRef      string        `json:"bom-ref,omitempty"`
	Group       string        `json:"group,omitempty"`
	Name        string        `json:"name"`
	Description string        `json:"description,omitempty"`
	Data        []cdxData     `json:"data,omitempty"`
	Properties  []cdxProperty `json:"properties,omitempty"`
}

type cdxService struct {
	BOMRef        string        `json:"bom-ref"`
	Provider      *cdxOrg       `json:"provider,omitempty"`
	Name          string        `json:"name"`
	Endpoints     []string      `json:"endpoints,omitempty"`
	TrustBoundary bool          `json:"x-trust-boundary"`
	Properties    []cdxProperty `json:"properties,omitempty"`
}

type cdxDependency struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn,omitempty"`
}

type cdxBOM struct {
	BOMFormat    string `json:"bomFormat"`
	SpecVersion  string `json:"specVersion"`
	SerialNumber string `json:"serialNumber"`
	Version      int    `json:"version"`
	Metadata     struct {
		Tools struct {
			Components []cdxComponent `json:"components"`
		} `json:"tools"`
	} `json:"metadata"`
	Components   []cdxComponent  `json:"components"`
	Services     []cdxService    `json:"services,omitempty"`
	Dependencies []cdxDependency `json:"dependencies,omitempty"`
}

// cdxType maps AI node kinds to CycloneDX component types.
var cdxType = map[string]string{
	inventory.KindAIAgent:       "application",
	inventory.KindAITool:        "application",
	inventory.KindAIModel:       "machine-learning-model",
	inventory.KindAIVectorStore: "data",
}

func prop(props []cdxProperty, name string, v any) []cdxProperty {
	var s string
	switch t := v.(type) {
	case nil:
		return props
	case string:
		s = t
	case bool:
		s = fmt.Sprint(t)
	default:
		l := stringsOf(v)
		if l == nil {
			return props
		}
		s = strings.Join(l, ",")
	}
	if s == "" {
		return props
	}
	return append(props, cdxProperty{Name: "parapet:" + name, Value: s})
}

// CycloneDX writes the AI inventory of snap (the ai.* nodes Recognise adds)
// as a CycloneDX 1.6 JSON ML-BOM: agents and tools as application
// components, models as machine-learning-model components, vector stores as
// data components, external AI APIs as services, and what each agent uses
// as dependencies. Keys appear only as fingerprints in properties. The
// output is deterministic; its serial number is derived from its content.
func CycloneDX(w io.Writer, snap *inventory.Snapshot) error {
	snap.Normalize()
	bom := cdxBOM{BOMFormat: "CycloneDX", SpecVersion: CycloneDXSpecVersion, Version: 1}
	bom.Metadata.Tools.Components = []cdxComponent{{Type: "application", Name: "parapet", Group: "parapet-sec"}}
	bom.Components = []cdxComponent{}

	inBOM := map[string]bool{}
	hostedBy := map[string][]string{} // hosting node -> ai nodes running on it
	out := map[string][]*inventory.Edge{}
	for _, e := range snap.Edges {
		out[e.From] = append(out[e.From], e)
		if e.Kind == inventory.EdgeRunsOn {
			hostedBy[e.To] = append(hostedBy[e.To], e.From)
		}
	}
	for _, n := range snap.Nodes {
		if t, ok := cdxType[n.Kind]; ok {
			inBOM[n.ID] = true
			c := cdxComponent{Type: t, BOMRef: n.ID, Name: n.Name}
			if c.Name == "" {
				c.Name = n.ID
			}
			c.Group = str(n.Props, "provider")
			if strings.HasPrefix(c.Group, "bedrock:") {
				c.Group = strings.TrimPrefix(c.Group, "bedrock:")
			}
			c.Properties = prop(c.Properties, "kind", n.Kind)
			for _, k := range []string{"hosted_by", "hosted_kind", "frameworks", "registered", "registration", "shadow", "protocol", "model_id", "service", "guardrail"} {
				c.Properties = prop(c.Properties, k, n.Props[k])
			}
			if t == "data" {
				c.Data = []cdxData{{Type: "dataset", Name: c.Name}}
			}
			if n.Kind == inventory.KindAIAgent {
				for _, e := range out[str(n.Props, "hosted_by")] {
					if e.Kind == inventory.EdgeHoldsKey {
						if k := snap.Node(e.To); k != nil {
							c.Properties = prop(c.Properties, "api_key", str(k.Props, "provider")+" "+str(k.Props, "fingerprint")+" ("+str(e.Props, "env")+")")
						}
					}
				}
			}
			bom.Components = append(bom.Components, c)
		}
		if n.Kind == inventory.KindAIEndpoint {
			inBOM[n.ID] = true
			s := cdxService{BOMRef: n.ID, Name: n.Name, Endpoints: []string{"https://" + str(n.Props, "host")}, TrustBoundary: true}
			if p := str(n.Props, "provider"); p != "" {
				s.Provider = &cdxOrg{Name: p}
			}
			s.Properties = prop(s.Properties, "kind", n.Kind)
			s.Properties = prop(s.Properties, "endpoint_kind", n.Props["kind"])
			bom.Services = append(bom.Services, s)
		}
	}

	// refs resolves a target node to BOM references: itself, what runs on
	// it, or (one hop further) what it retrieves from.
	refs := func(id string, deep bool) []string {
		if inBOM[id] {
			return []string{id}
		}
		var r []string
		for _, h := range hostedBy[id] {
			if inBOM[h] {
				r = append(r, h)
			}
		}
		if len(r) == 0 && deep {
			for _, e := range out[id] {
				if e.Kind == inventory.EdgeRetrievesFrom || e.Kind == inventory.EdgeRoutesTo {
					for _, h := range hostedBy[e.To] {
						if inBOM[h] {
							r = append(r, h)
						}
					}
				}
			}
		}
		return r
	}
	uses := map[string]bool{inventory.EdgeUsesModel: true, inventory.EdgeCallsTool: true, inventory.EdgeRetrievesFrom: true, inventory.EdgeEgressTo: true}
	for _, n := range snap.Nodes {
		if !inBOM[n.ID] {
			continue
		}
		set := map[string]bool{}
		sources := []string{n.ID}
		if h := str(n.Props, "hosted_by"); h != "" && n.Kind == inventory.KindAIAgent {
			sources = append(sources, h)
		}
		for _, src := range sources {
			for _, e := range out[src] {
				if !uses[e.Kind] {
					continue
				}
				for _, r := range refs(e.To, true) {
					if r != n.ID {
						set[r] = true
					}
				}
			}
		}
		d := cdxDependency{Ref: n.ID}
		for r := range set {
			d.DependsOn = append(d.DependsOn, r)
		}
		sort.Strings(d.DependsOn)
		bom.Dependencies = append(bom.Dependencies, d)
	}

	body, err := json.Marshal(struct {
		C []cdxComponent
		S []cdxService
		D []cdxDependency
	}{bom.Components, bom.Services, bom.Dependencies})
	if err != nil {
		return err
	}
	bom.SerialNumber = serialNumber(body)

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(bom); err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// serialNumber derives an RFC 4122 name-based (version 5 layout) URN from
// the BOM's content, so that the same inventory gives the same BOM.
func serialNumber(content []byte) string {
	sum := sha256.Sum256(content)
	b := sum[:16]
	b[6] = (b[6] & 0x0f) | 0x50
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b)
	return "urn:uuid:" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
