package k8s

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRecordsFileAndLine(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string // kind/name@line
	}{
		{
			name:  "a kubectl List gives each item with the line it starts on",
			input: "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"items\": [\n    {\"kind\": \"Pod\", \"metadata\": {\"name\": \"a\"}},\n    {\n      \"kind\": \"Service\", \"metadata\": {\"name\": \"b\"}\n    }\n  ]\n}\n",
			want:  []string{"Pod/a@5", "Service/b@6"},
		},
		{
			name:  "an API server PodList gives items their kind",
			input: `{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"name":"p"}}]}`,
			want:  []string{"Pod/p@1"},
		},
		{
			name:  "concatenated JSON objects are read one by one",
			input: "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}\n{\"kind\":\"Pod\",\"metadata\":{\"name\":\"b\"}}\n",
			want:  []string{"Pod/a@1", "Pod/b@2"},
		},
		{
			name:  "a JSON array of objects is read",
			input: "[\n{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}},\n{\"kind\":\"Pod\",\"metadata\":{\"name\":\"b\"}}]",
			want:  []string{"Pod/a@2", "Pod/b@3"},
		},
		{
			name:  "YAML documents start at their first content line, comments and empty documents skipped",
			input: "---\n# Source: x\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\n---\nkind: Service\nmetadata:\n  name: b\n",
			want:  []string{"Pod/a@3", "Service/b@9"},
		},
		{
			name:  "a byte-order mark before JSON is ignored",
			input: "\xef\xbb\xbf{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}",
			want:  []string{"Pod/a@1"},
		},
		{
			name:  "a YAML List gives each item its line",
			input: "kind: List\nitems:\n- kind: Pod\n  metadata: {name: a}\n- kind: Pod\n  metadata: {name: b}\n",
			want:  []string{"Pod/a@3", "Pod/b@5"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Parse("in", []byte(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				if o.File != "in" {
					t.Errorf("File = %q", o.File)
				}
				got = append(got, o.Kind()+"/"+o.Name()+"@"+strings.TrimPrefix(o.Source(), "in:"))
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseRejectsMalformedInputNamingTheLine(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"broken JSON names line and column", "{\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": }\n}", "in:3:"},
		{"broken YAML names the line", "kind: Pod\nmetadata:\n  name: [a\n", "in:"},
		{"an object without kind is refused", "metadata:\n  name: a\n", "in:1: object has no kind"},
		{"metadata that is not an object is refused", "kind: Pod\nmetadata: 3\n", "metadata is not an object"},
		{"a scalar document is refused", "just a string\n", "document is not an object"},
		{"an alias bomb is refused", aliasBomb(), "too many nodes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("in", []byte(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// aliasBomb builds a YAML document whose aliases expand to 10^9 nodes.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("kind: Pod\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestSecretValuesAreScrubbedOnRead(t *testing.T) {
	objs, err := ReadFile(filepath.Join("testdata", "manifests", "research-agent.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.Kind() != "Secret" {
			continue
		}
		sd := obj(o.Raw, "stringData")
		if _, ok := sd["OPENAI_API_KEY"]; !ok {
			t.Fatal("the key name should be kept")
		}
		if sd["OPENAI_API_KEY"] != "" {
			t.Errorf("secret value kept: %v", sd["OPENAI_API_KEY"])
		}
		return
	}
	t.Fatal("no Secret read")
}

func TestReadWalksAFolderInNameOrder(t *testing.T) {
	objs, err := Read(filepath.Join("testdata", "eks-prod"))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) < 60 {
		t.Fatalf("read %d objects, want the whole dump", len(objs))
	}
	if !strings.HasSuffix(objs[0].File, "core.json") {
		t.Errorf("first file = %s, want core.json", objs[0].File)
	}
}

func TestReadNamesAMissingPath(t *testing.T) {
	_, err := Read(filepath.Join(t.TempDir(), "absent"))
	if err == nil || !os.IsNotExist(err) {
		t.Errorf("error = %v", err)
	}
}
