package dataset

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Benign infrastructure text: the documentation and source of Go modules
// this project already depends on (Kubernetes API types, OPA, the MCP SDK,
// the AWS SDK, HCL, Terraform JSON, ...), read from the module cache. They
// talk about credentials, admin roles, deleting resources, tools and
// prompts all day, without instructing anyone; as clean carriers they keep
// the detector from treating the vocabulary of infrastructure as an
// attack, and as carriers of injections they teach it that an injection
// inside such text is still one. The module versions are pinned by go.mod
// and go.sum, so the text, and the model trained on it, are reproducible.

// maxModuleChunk is the size of the slice taken from each file.
const maxModuleChunk = 2500

// moduleCarriers takes up to perModule files (Markdown and non-test Go)
// from each module folder, chosen by a hash of their path, and a slice of
// up to maxModuleChunk bytes from each, starting at a line boundary chosen
// the same way.
func moduleCarriers(dirs []string, perModule int) ([]carrier, error) {
	var out []carrier
	for _, dir := range dirs {
		var files []string
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if p != dir && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor" || name == "third_party") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
				rel, _ := filepath.Rel(dir, p)
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("module text %s: %w (run go mod download)", dir, err)
		}
		sort.Slice(files, func(i, j int) bool {
			hi, hj := hash32(files[i]), hash32(files[j])
			if hi != hj {
				return hi < hj
			}
			return files[i] < files[j]
		})
		taken := 0
		for _, rel := range files {
			if taken >= perModule {
				break
			}
			data, err := os.ReadFile(filepath.Join(dir, rel))
			if err != nil {
				return nil, fmt.Errorf("module text: %w", err)
			}
			text := string(data)
			if len(text) < 400 {
				continue
			}
			if len(text) > maxModuleChunk {
				off := int(hash32(rel+"#off") % uint32(len(text)-maxModuleChunk))
				if k := strings.IndexByte(text[off:], '\n'); k >= 0 {
					off += k + 1
				}
				text = text[off:min(len(text), off+maxModuleChunk)]
			}
			text = strings.ToValidUTF8(text, "")
			out = append(out, carrier{id: "mod/" + filepath.Base(dir) + "/" + rel, kind: "module", text: text})
			taken++
		}
	}
	return out, nil
}
