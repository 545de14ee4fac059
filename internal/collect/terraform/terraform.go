// Package terraform reads Terraform configurations into Parapet's inventory
// before they are deployed: plan JSON as `terraform show -json` prints it, and
// HCL source folders with no plan (variables, tfvars, locals, references,
// count and for_each, local modules, the common functions and
// aws_iam_policy_document data sources).
//
// Both readers produce a Config: the resource instances the configuration
// describes, each with its attribute values. Values Terraform only learns at
// apply time stay unknown and are never guessed: a fully unknown value is the
// marker "<unknown>" (or "<unknown:ADDRESS.ATTR>" when it is the computed
// attribute of a known resource), and a partly known string keeps its known
// parts around the marker, as in "agentcore_<unknown:var.cgid>" or
// "arn:aws:iam::<unknown>:role/agent". Config.Snapshot turns a Config into
// inventory nodes and edges, the same for both readers.
package terraform

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Resource is one resource instance of a configuration: a managed resource
// or a data source, after count and for_each are expanded.
type Resource struct {
	// Address is the full instance address, as in
	// `module.agent.aws_iam_role.this["worker"]`.
	Address string `json:"address"`
	// Mode is "managed" or "data".
	Mode string `json:"mode"`
	Type string `json:"type"`
	Name string `json:"name"`
	// Module is the module instance address ("" for the root module).
	Module string `json:"module,omitempty"`
	// Values holds the attribute values as JSON-like Go values (string,
	// float64, bool, []any, map[string]any, nil), with unknown values as
	// markers (see IsUnknown).
	Values map[string]any `json:"values"`
	// Source is where the resource is declared: file:line for HCL, the plan
	// file and its resource_changes index for plans.
	Source string `json:"source"`
	// Region is the region of the AWS provider configuration the resource
	// uses, where known.
	Region string `json:"region,omitempty"`
	// Action is the planned change for plans ("create", "update",
	// "replace", "no-op", "read"); empty for HCL source.
	Action string `json:"action,omitempty"`
}

// Config is a Terraform configuration read from a plan or from source.
type Config struct {
	// Resources are sorted by address.
	Resources []*Resource
	// Region is the AWS provider's region where the configuration sets it.
	Region string
	// Prior is the configuration's managed resources as they stand before
	// the change (a plan's "before" values), or nil for source folders,
	// which do not say.
	Prior *Config
	// Removed lists the node IDs of resources a plan deletes (their ARN
	// where the prior state knows it, else tf://<address>), so that a plan
	// can be applied to a snapshot of the estate.
	Removed []string
	// Warnings lists what could not be evaluated (each left unknown):
	// unsupported functions, remote modules, expressions that failed.
	Warnings []string

	byAddr map[string]*Resource
}

// Resource returns the resource instance with the given address, or nil.
func (c *Config) Resource(addr string) *Resource {
	if c.byAddr == nil {
		c.byAddr = make(map[string]*Resource, len(c.Resources))
		for _, r := range c.Resources {
			c.byAddr[r.Address] = r
		}
	}
	return c.byAddr[addr]
}

func (c *Config) sort() {
	sort.Slice(c.Resources, func(i, j int) bool { return c.Resources[i].Address < c.Resources[j].Address })
	c.byAddr = nil
}

// Load reads path: a plan JSON file, or a folder of .tf files. A folder is
// read as the root module, with its terraform.tfvars and *.auto.tfvars.
func Load(path string) (*Config, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("terraform: %w", err)
	}
	if st.IsDir() {
		return LoadDir(path, nil)
	}
	if strings.HasSuffix(path, ".tf") {
		return nil, fmt.Errorf("terraform: %s is a .tf file: give its folder, which Terraform reads as one module", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("terraform: %w", err)
	}
	if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		return nil, fmt.Errorf("terraform: %s is not plan JSON (run `terraform show -json tfplan > plan.json`); binary plan files cannot be read", path)
	}
	return ReadPlan(path, data)
}
