package k8s

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds the reader arbitrary JSON and YAML: it must return
// objects or an error, never panic or hang, and objects always have a kind.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*", "*"))
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"kind":"PodList","items":[{"metadata":{"name":"p"}}]}`))
	f.Add([]byte("kind: List\nitems:\n- kind: Pod\n"))
	f.Add([]byte("a: &a [1]\nb: *a\nkind: X\n<<: {c: 1}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		for _, o := range objs {
			if o.Kind() == "" {
				t.Fatalf("object without kind: %v", o.Raw)
			}
		}
		_ = Options{}.Build(objs)
	})
}
