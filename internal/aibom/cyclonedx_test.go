package aibom_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/parapet-sec/parapet/internal/aibom"
)

// loadSchema reads one schema file of testdata/cyclonedx.
func loadSchema(name string) (*jsonschema.Schema, error) {
	raw, err := os.ReadFile(filepath.Join("testdata", "cyclonedx", name))
	if err != nil {
		return nil, err
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &s, nil
}

// cdxSchema resolves the official CycloneDX 1.6 schema, loading the SPDX
// and JSF schemas it refers to from testdata instead of the network.
func cdxSchema(t *testing.T) *jsonschema.Resolved {
	t.Helper()
	s, err := loadSchema("bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Resolve(&jsonschema.ResolveOptions{Loader: func(u *url.URL) (*jsonschema.Schema, error) {
		return loadSchema(path.Base(u.Path))
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCycloneDXValidatesAgainstTheSchema(t *testing.T) {
	snap := fixtures(t)
	var buf bytes.Buffer
	if err := aibom.CycloneDX(&buf, snap); err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if err := cdxSchema(t).Validate(doc); err != nil {
		t.Fatalf("BOM does not validate: %v", err)
	}

	var bom struct {
		BOMFormat, SpecVersion string
		Components             []struct {
			Type, Name string
			BOMRef     string `json:"bom-ref"`
		}
		Services []struct {
			Name      string
			BOMRef    string `json:"bom-ref"`
			Endpoints []string
		}
		Dependencies []struct {
			Ref       string
			DependsOn []string
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &bom); err != nil {
		t.Fatal(err)
	}
	if bom.BOMFormat != "CycloneDX" || bom.SpecVersion != "1.6" {
		t.Errorf("bomFormat/specVersion = %s/%s", bom.BOMFormat, bom.SpecVersion)
	}
	types := map[string]int{}
	refs := map[string]bool{}
	for _, c := range bom.Components {
		types[c.Type]++
		refs[c.BOMRef] = true
	}
	for _, s := range bom.Services {
		refs[s.BOMRef] = true
	}
	for _, want := range []string{"machine-learning-model", "application", "data"} {
		if types[want] == 0 {
			t.Errorf("no %s component", want)
		}
	}
	if len(bom.Services) == 0 {
		t.Error("no services for external AI endpoints")
	}
	agent := aibom.AgentPrefix + "arn:aws:bedrock:eu-west-1:111122223333:agent/KX7M2P9QWE"
	found := false
	for _, d := range bom.Dependencies {
		if !refs[d.Ref] {
			t.Errorf("dependency ref %s names nothing in the BOM", d.Ref)
		}
		for _, x := range d.DependsOn {
			if !refs[x] {
				t.Errorf("dependsOn %s names nothing in the BOM", x)
			}
		}
		if d.Ref == agent {
			found = true
			joined := strings.Join(d.DependsOn, " ")
			for _, want := range []string{aibom.ModelPrefix + "bedrock:anthropic.claude-3-5-sonnet", aibom.VectorStorePrefix + "arn:aws:aoss:", aibom.ToolPrefix} {
				if !strings.Contains(joined, want) {
					t.Errorf("the Bedrock agent's dependencies %v lack %s", d.DependsOn, want)
				}
			}
		}
	}
	if !found {
		t.Error("no dependency entry for the Bedrock agent")
	}
	for _, secret := range []string{"FAKEKEYFORTESTSONLY", "FAKEFAKEFAKE"} {
		if bytes.Contains(buf.Bytes(), []byte(secret)) {
			t.Errorf("BOM holds a key value (%s)", secret)
		}
	}
}

func TestCycloneDXIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := aibom.CycloneDX(&a, fixtures(t)); err != nil {
		t.Fatal(err)
	}
	if err := aibom.CycloneDX(&b, fixtures(t)); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("two exports of the same estate differ")
	}
}

// The schema must be able to fail, or the validation above proves nothing.
func TestTheSchemaRejectsBrokenBOMs(t *testing.T) {
	r := cdxSchema(t)
	ok := `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"data","name":"x","licenses":[{"license":{"id":"Apache-2.0"}}]}]}`
	var v any
	if err := json.Unmarshal([]byte(ok), &v); err != nil {
		t.Fatal(err)
	}
	if err := r.Validate(v); err != nil {
		t.Fatalf("schema rejected a valid BOM with an SPDX licence id: %v", err)
	}
	for name, doc := range map[string]string{
		"a component without a name":     `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"application"}]}`,
		"an unknown component type":      `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"agent","name":"x"}]}`,
		"a misspelled field":             `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"data","name":"x","bomref":"y"}]}`,
		"a bad serial number":            `{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"urn:uuid:nope"}`,
		"a dependency without a ref":     `{"bomFormat":"CycloneDX","specVersion":"1.6","dependencies":[{"dependsOn":["a"]}]}`,
		"a service without a name":       `{"bomFormat":"CycloneDX","specVersion":"1.6","services":[{"bom-ref":"s"}]}`,
		"another format":                 `{"bomFormat":"SPDX","specVersion":"1.6"}`,
		"a data item without a type":     `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"data","name":"x","data":[{"name":"y"}]}]}`,
		"a property without a name":      `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"data","name":"x","properties":[{"value":"v"}]}]}`,
		"a top-level field that is none": `{"bomFormat":"CycloneDX","specVersion":"1.6","agents":[]}`,
		"an unknown SPDX licence id":     `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"data","name":"x","licenses":[{"license":{"id":"NOT-A-LICENCE"}}]}]}`,
		"a malformed model card":         `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"machine-learning-model","name":"m","modelCard":{"modelParameters":{"task":7}}}]}`,
	} {
		var v any
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatal(err)
		}
		if r.Validate(v) == nil {
			t.Errorf("schema accepted %s", name)
		}
	}
}
