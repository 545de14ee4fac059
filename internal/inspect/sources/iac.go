// Package sources extracts the text an infrastructure agent reads from
// where it lives: commit messages and repository templates (git), comments
// and descriptions in Terraform, YAML and Dockerfiles (iac), and the
// annotations of Alertmanager and CloudWatch alarms (alerts). Each piece
// becomes an inspect.Unit with the file and line it came from.
package sources

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"go.yaml.in/yaml/v3"

	"github.com/parapet-sec/parapet/internal/inspect"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// proseKeys are attribute and field names whose values are prose meant for
// people, and so for the agents that read them.
var proseKeys = map[string]bool{
	"description": true, "summary": true, "comment": true, "comments": true, "notes": true,
	"note": true, "message": true, "help": true, "title": true, "details": true,
	"runbook": true, "instructions": true, "purpose": true,
}

// maxIaCFile bounds the size of one IaC file read.
const maxIaCFile = 8 << 20

// IaC walks dir and returns the comments and prose fields of every
// Terraform (.tf, .tfvars, .hcl), YAML (.yaml, .yml) and Dockerfile in it.
// Hidden folders (.git, .terraform) are skipped.
func IaC(dir string) ([]inspect.Unit, error) {
	var units []inspect.Unit
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		kind := IaCKind(path)
		if kind == "" {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Size() > maxIaCFile {
			return fmt.Errorf("%s: %d bytes, more than the %d a file may have", path, info.Size(), maxIaCFile)
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		us, err := IaCFile(path, kind, src)
		if err != nil {
			return err
		}
		units = append(units, us...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return units, nil
}

// IaC file kinds.
const (
	KindTerraform  = "terraform"
	KindYAML       = "yaml"
	KindDockerfile = "dockerfile"
)

// IaCKind names the kind of an IaC file by its name, or "" when it is not
// one.
func IaCKind(path string) string {
	base := strings.ToLower(filepath.Base(path))
	switch ext := filepath.Ext(base); {
	case ext == ".tf" || ext == ".tfvars" || ext == ".hcl":
		return KindTerraform
	case ext == ".yaml" || ext == ".yml":
		return KindYAML
	case base == "dockerfile" || strings.HasPrefix(base, "dockerfile.") || strings.HasSuffix(base, ".dockerfile") || base == "containerfile":
		return KindDockerfile
	}
	return ""
}

// IaCFile extracts the units of one file of the given kind; path names it
// in units and errors.
func IaCFile(path, kind string, src []byte) ([]inspect.Unit, error) {
	switch kind {
	case KindTerraform:
		return terraformUnits(path, src)
	case KindYAML:
		return yamlUnits(path, src)
	case KindDockerfile:
		return dockerfileUnits(path, src), nil
	}
	return nil, fmt.Errorf("%s: unknown IaC kind %q", path, kind)
}

func unit(path string, line int, what, text string) inspect.Unit {
	return inspect.Unit{
		ID:       fmt.Sprintf("%s:%d (%s)", path, line, what),
		Source:   inspect.SourceIaCComment,
		Text:     text,
		Location: &inventory.Location{File: path, Line: line},
	}
}

// terraformUnits lexes HCL: every comment, and every quoted or heredoc
// string assigned to a prose attribute. Runs of line comments on adjacent
// lines become one unit, as a reader sees them.
func terraformUnits(path string, src []byte) ([]inspect.Unit, error) {
	toks, diags := hclsyntax.LexConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s: %s", path, diags.Error())
	}
	var units []inspect.Unit
	var run strings.Builder
	runLine, lastLine := 0, -2
	flush := func() {
		if run.Len() > 0 {
			units = append(units, unit(path, runLine, "comment", run.String()))
			run.Reset()
		}
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.Type {
		case hclsyntax.TokenComment:
			text := commentText(string(t.Bytes))
			if t.Range.Start.Line != lastLine+1 || strings.HasPrefix(string(t.Bytes), "/*") {
				flush()
				runLine = t.Range.Start.Line
			}
			run.WriteString(text)
			run.WriteByte('\n')
			lastLine = t.Range.End.Line - 1
			if strings.HasPrefix(string(t.Bytes), "/*") {
				flush()
			}
		case hclsyntax.TokenIdent:
			if !proseKeys[strings.ToLower(string(t.Bytes))] || i+2 >= len(toks) || toks[i+1].Type != hclsyntax.TokenEqual {
				continue
			}
			open := toks[i+2]
			if open.Type != hclsyntax.TokenOQuote && open.Type != hclsyntax.TokenOHeredoc {
				continue
			}
			var s strings.Builder
			j := i + 3
			for ; j < len(toks); j++ {
				tt := toks[j].Type
				if tt == hclsyntax.TokenQuotedLit || tt == hclsyntax.TokenStringLit {
					s.Write(toks[j].Bytes)
					continue
				}
				if tt == hclsyntax.TokenCQuote || tt == hclsyntax.TokenCHeredoc {
					break
				}
				if tt == hclsyntax.TokenTemplateInterp {
					s.WriteString("${...}")
				}
			}
			if s.Len() > 0 {
				flush()
				units = append(units, unit(path, open.Range.Start.Line, string(t.Bytes), unescapeHCL(s.String())))
			}
			i = j
		}
	}
	flush()
	return units, nil
}

// commentText strips the comment markers.
func commentText(c string) string {
	c = strings.TrimRight(c, "\r\n")
	switch {
	case strings.HasPrefix(c, "//"):
		return strings.TrimSpace(c[2:])
	case strings.HasPrefix(c, "#"):
		return strings.TrimSpace(c[1:])
	case strings.HasPrefix(c, "/*"):
		c = strings.TrimSuffix(strings.TrimPrefix(c, "/*"), "*/")
		return strings.TrimSpace(c)
	}
	return c
}

func unescapeHCL(s string) string {
	r := strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\"`, `"`, `\\`, `\`)
	return r.Replace(s)
}

// yamlUnits parses every document of a YAML stream and returns its
// comments and the values of prose keys (Kubernetes annotations included).
func yamlUnits(path string, src []byte) ([]inspect.Unit, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var units []inspect.Unit
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if bytes.Contains(src, []byte("{{")) {
				// A Helm or other template is not YAML until rendered:
				// read its comments and prose lines line by line.
				return templatedYAMLUnits(path, src), nil
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		walkYAML(path, &doc, "", &units)
	}
	sort.SliceStable(units, func(i, j int) bool { return units[i].Location.Line < units[j].Location.Line })
	return units, nil
}

func walkYAML(path string, n *yaml.Node, key string, units *[]inspect.Unit) {
	for _, c := range []struct {
		text string
		line int
	}{{n.HeadComment, n.Line - strings.Count(n.HeadComment, "\n") - 1}, {n.LineComment, n.Line}, {n.FootComment, n.Line + 1}} {
		if t := strings.TrimSpace(c.text); t != "" {
			var b strings.Builder
			for _, l := range strings.Split(t, "\n") {
				b.WriteString(commentText(strings.TrimSpace(l)))
				b.WriteByte('\n')
			}
			*units = append(*units, unit(path, max(1, c.line), "comment", b.String()))
		}
	}
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			walkYAML(path, c, key, units)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			walkYAML(path, k, "", units)
			walkYAML(path, v, k.Value, units)
		}
	case yaml.ScalarNode:
		lk := strings.ToLower(key)
		// Keys like "description" or Kubernetes annotations such as
		// "kubernetes.io/description" or "summary".
		if last := lk[strings.LastIndexAny(lk, "./")+1:]; proseKeys[last] && n.Value != "" {
			*units = append(*units, unit(path, n.Line, key, n.Value))
		}
	}
}

// templatedYAMLUnits reads a YAML template line by line: comments (runs
// of adjacent comment lines as one unit) and the values of prose keys on
// their own line.
func templatedYAMLUnits(path string, src []byte) []inspect.Unit {
	var units []inspect.Unit
	var run strings.Builder
	runLine := 0
	flush := func() {
		if run.Len() > 0 {
			units = append(units, unit(path, runLine, "comment", run.String()))
			run.Reset()
		}
	}
	for i, l := range strings.Split(string(src), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "#") {
			if run.Len() == 0 {
				runLine = i + 1
			}
			run.WriteString(commentText(t))
			run.WriteByte('\n')
			continue
		}
		flush()
		if k, v, ok := strings.Cut(strings.TrimPrefix(t, "- "), ":"); ok {
			lk := strings.ToLower(strings.Trim(k, `"' `))
			v = strings.Trim(strings.TrimSpace(v), `"'`)
			if last := lk[strings.LastIndexAny(lk, "./")+1:]; proseKeys[last] && v != "" && v != "|" && v != ">" {
				units = append(units, unit(path, i+1, k, v))
			}
		}
	}
	flush()
	return units
}

// dockerfileUnits returns comments (runs of adjacent comment lines as one
// unit) and LABEL values whose key names prose.
func dockerfileUnits(path string, src []byte) []inspect.Unit {
	var units []inspect.Unit
	lines := strings.Split(string(src), "\n")
	var run strings.Builder
	runLine := 0
	flush := func() {
		if run.Len() > 0 {
			units = append(units, unit(path, runLine, "comment", run.String()))
			run.Reset()
		}
	}
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "#") {
			if run.Len() == 0 {
				runLine = i + 1
			}
			run.WriteString(commentText(t))
			run.WriteByte('\n')
			continue
		}
		flush()
		if len(t) > 6 && strings.EqualFold(t[:6], "LABEL ") {
			for _, kv := range splitLabels(t[6:]) {
				k := strings.ToLower(kv[0])
				if last := k[strings.LastIndexAny(k, "./")+1:]; proseKeys[last] {
					units = append(units, unit(path, i+1, kv[0], kv[1]))
				}
			}
		}
	}
	flush()
	return units
}

// splitLabels splits `k1="v 1" k2=v2` into key-value pairs.
func splitLabels(s string) [][2]string {
	var out [][2]string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			break
		}
		k := strings.TrimSpace(s[:eq])
		s = s[eq+1:]
		var v string
		if strings.HasPrefix(s, `"`) {
			end := 1
			for end < len(s) && (s[end] != '"' || s[end-1] == '\\') {
				end++
			}
			v = strings.ReplaceAll(s[1:min(end, len(s))], `\"`, `"`)
			s = s[min(end+1, len(s)):]
		} else {
			sp := strings.IndexAny(s, " \t")
			if sp < 0 {
				sp = len(s)
			}
			v, s = s[:sp], s[sp:]
		}
		out = append(out, [2]string{strings.Trim(k, `"`), v})
	}
	return out
}
