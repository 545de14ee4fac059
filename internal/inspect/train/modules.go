package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
)

// textModules are the modules whose documentation and source serve as
// benign infrastructure text (see internal/inspect/dataset/modules.go):
// policy, Kubernetes, MCP, AWS IAM and STS, HCL and Terraform, CLI,
// metrics, PostgreSQL and JOSE. Their versions come from go.mod.
var textModules = []string{
	"github.com/open-policy-agent/opa",
	"k8s.io/api",
	"k8s.io/client-go",
	"github.com/modelcontextprotocol/go-sdk",
	"github.com/aws/aws-sdk-go-v2/service/iam",
	"github.com/aws/aws-sdk-go-v2/service/sts",
	"github.com/hashicorp/hcl/v2",
	"github.com/hashicorp/terraform-json",
	"github.com/spf13/cobra",
	"github.com/prometheus/client_golang",
	"github.com/jackc/pgx/v5",
	"github.com/go-jose/go-jose/v4",
}

// moduleDirs returns the module-cache folders of textModules at the
// versions the go.mod file at gomod requires.
func moduleDirs(gomod string) ([]string, error) {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return nil, err
	}
	f, err := modfile.Parse(gomod, data, nil)
	if err != nil {
		return nil, err
	}
	versions := map[string]string{}
	for _, r := range f.Require {
		versions[r.Mod.Path] = r.Mod.Version
	}
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		out, err := exec.Command("go", "env", "GOMODCACHE").Output()
		if err != nil {
			return nil, fmt.Errorf("go env GOMODCACHE: %w", err)
		}
		cache = strings.TrimSpace(string(out))
	}
	var dirs []string
	for _, p := range textModules {
		v, ok := versions[p]
		if !ok {
			return nil, fmt.Errorf("%s: %s is not required", gomod, p)
		}
		ep, err := module.EscapePath(p)
		if err != nil {
			return nil, err
		}
		ev, err := module.EscapeVersion(v)
		if err != nil {
			return nil, err
		}
		dir := filepath.Join(cache, filepath.FromSlash(ep)+"@"+ev)
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("%s@%s is not in the module cache (run go mod download %s): %w", p, v, p, err)
		}
		dirs = append(dirs, dir)
	}
	return dirs, nil
}
