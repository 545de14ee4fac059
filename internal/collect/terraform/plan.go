package terraform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// ReadPlan reads plan JSON as `terraform show -json tfplan` prints it. name
// is the file name, used in errors and in each resource's Source.
//
// Resources are the planned state: every resource change except deletions,
// with "after" values and "after_unknown" attributes as unknown markers,
// plus the data sources read during planning (from prior_state). An unknown
// attribute that the configuration sets to a plain reference to another
// resource's attribute takes that attribute's value (an IAM role's ARN with
// its unknown account, say), so that the plan links resources the way their
// source does.
func ReadPlan(name string, data []byte) (*Config, error) {
	var probe map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&probe); err != nil {
		return nil, fmt.Errorf("%s: %w", name, jsonError(data, dec, err))
	}
	if _, ok := probe["format_version"]; !ok {
		return nil, fmt.Errorf("%s: not Terraform plan JSON: no format_version field (run `terraform show -json tfplan`)", name)
	}
	if _, ok := probe["resource_changes"]; !ok {
		if _, isState := probe["values"]; isState {
			return nil, fmt.Errorf("%s: this is state JSON (`terraform show -json` without a plan file), not plan JSON", name)
		}
	}
	var p tfjson.Plan
	if err := p.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c := &Config{Prior: &Config{}}
	c.Region = providerRegions(&p)["aws"]
	for i, rc := range p.ResourceChanges {
		if rc == nil || rc.Change == nil {
			return nil, fmt.Errorf("%s: resource_changes[%d]: no change object", name, i)
		}
		if rc.Address == "" || rc.Type == "" {
			return nil, fmt.Errorf("%s: resource_changes[%d]: missing address or type", name, i)
		}
		action := actionName(rc.Change.Actions)
		if before, ok := rc.Change.Before.(map[string]any); ok && rc.Mode == tfjson.ManagedResourceMode {
			vals, _ := normalizeJSON(before).(map[string]any)
			c.Prior.Resources = append(c.Prior.Resources, &Resource{
				Address: rc.Address, Mode: "managed", Type: rc.Type, Name: rc.Name,
				Module: rc.ModuleAddress, Values: vals, Action: "prior",
				Source: fmt.Sprintf("%s#resource_changes[%d].change.before", name, i),
			})
		}
		if action == "delete" || action == "forget" {
			if rc.Mode == tfjson.ManagedResourceMode {
				id := "tf://" + rc.Address
				if before, ok := rc.Change.Before.(map[string]any); ok {
					if arn, ok := before["arn"].(string); ok && arn != "" {
						id = arn
					}
				}
				c.Removed = append(c.Removed, id)
			}
			continue
		}
		vals, _ := mergeUnknown(rc.Change.After, rc.Change.AfterUnknown, rc.Address, 0).(map[string]any)
		if vals == nil {
			vals = map[string]any{}
		}
		c.Resources = append(c.Resources, &Resource{
			Address: rc.Address, Mode: string(rc.Mode), Type: rc.Type, Name: rc.Name,
			Module: rc.ModuleAddress, Values: vals, Action: action,
			Source: fmt.Sprintf("%s#resource_changes[%d]", name, i),
		})
	}
	if p.PriorState != nil && p.PriorState.Values != nil {
		c.addPriorData(name, p.PriorState.Values.RootModule)
	}
	regions := providerRegions(&p)
	var ix *configIndex
	if p.Config != nil && p.Config.RootModule != nil {
		ix = newConfigIndex(p.Config.RootModule)
	}
	for _, r := range append(c.Resources, c.Prior.Resources...) {
		r.Region = c.Region
		if ix != nil {
			if cr := ix.resource(r); cr != nil && cr.ProviderConfigKey != "" {
				if reg, ok := regions[cr.ProviderConfigKey]; ok {
					r.Region = reg
				}
			}
		}
	}
	for _, r := range c.Resources {
		if r.Mode == "managed" {
			computedAttrs(r.Type, r.Address, r.Values, r.Region)
		}
		// A policy document whose reading Terraform deferred to apply (it
		// depends on a value not known yet) is rendered from its statement
		// blocks, unknown parts as markers, as source gives it.
		if r.Mode == "data" && r.Type == "aws_iam_policy_document" {
			if s, ok := r.Values["json"].(string); !ok || pureUnknown(s) {
				doc := renderPolicyDocument(r.Values)
				r.Values["json"], r.Values["minified_json"] = doc, doc
			}
		}
	}
	c.Prior.Region = c.Region
	for _, r := range c.Prior.Resources {
		computedAttrs(r.Type, r.Address, r.Values, r.Region)
	}
	c.Prior.sort()
	c.sort()
	if ix != nil {
		c.resolvePlanReferences(ix)
	}
	return c, nil
}

// providerRegions returns the region of each aws provider configuration by
// its key ("aws", "aws.west"): a constant, or a root variable's value.
func providerRegions(p *tfjson.Plan) map[string]string {
	out := map[string]string{}
	if p.Config == nil {
		return out
	}
	for key, pc := range p.Config.ProviderConfigs {
		if pc == nil || pc.Name != "aws" && !strings.HasPrefix(key, "aws") {
			continue
		}
		e := pc.Expressions["region"]
		if e == nil {
			continue
		}
		region, _ := e.ConstantValue.(string)
		if v, ok := singleVariable(e.References); ok && p.Variables[v] != nil {
			region, _ = p.Variables[v].Value.(string)
		}
		if region != "" {
			out[key] = region
		}
	}
	return out
}

// addPriorData adds the data sources Terraform read while planning.
func (c *Config) addPriorData(name string, m *tfjson.StateModule) {
	if m == nil {
		return
	}
	have := map[string]bool{}
	for _, r := range c.Resources {
		have[r.Address] = true
	}
	var walk func(m *tfjson.StateModule)
	walk = func(m *tfjson.StateModule) {
		for _, r := range m.Resources {
			if r == nil || r.Mode != tfjson.DataResourceMode || have[r.Address] {
				continue
			}
			vals := map[string]any{}
			for k, v := range r.AttributeValues {
				vals[k] = normalizeJSON(v)
			}
			c.Resources = append(c.Resources, &Resource{
				Address: r.Address, Mode: "data", Type: r.Type, Name: r.Name,
				Module: m.Address, Values: vals, Action: "read",
				Source: name + "#prior_state",
			})
		}
		for _, ch := range m.ChildModules {
			if ch != nil {
				walk(ch)
			}
		}
	}
	walk(m)
}

// actionName names a change's action list the way `terraform plan` does.
func actionName(a tfjson.Actions) string {
	switch {
	case a.Replace():
		return "replace"
	case a.Create():
		return "create"
	case a.Update():
		return "update"
	case a.Delete():
		return "delete"
	case a.Read():
		return "read"
	case a.NoOp():
		return "no-op"
	case a.Forget():
		return "forget"
	}
	return strings.Join(toStrings(a), ",")
}

func toStrings(a tfjson.Actions) []string {
	out := make([]string, len(a))
	for i, x := range a {
		out[i] = string(x)
	}
	return out
}

// mergeUnknown overlays after_unknown on after: a true leaf becomes an
// unknown marker (naming the attribute at the top level).
func mergeUnknown(after, unknown any, path string, depth int) any {
	if b, ok := unknown.(bool); ok && b {
		if depth == 1 {
			return unknownRef(path)
		}
		return Unknown
	}
	switch u := unknown.(type) {
	case map[string]any:
		a, _ := after.(map[string]any)
		out := map[string]any{}
		for k, v := range a {
			out[k] = normalizeJSON(v)
		}
		for k, uv := range u {
			out[k] = mergeUnknown(a[k], uv, path+"."+k, depth+1)
		}
		return out
	case []any:
		a, _ := after.([]any)
		n := max(len(a), len(u))
		out := make([]any, n)
		for i := range n {
			var av, uv any
			if i < len(a) {
				av = a[i]
			}
			if i < len(u) {
				uv = u[i]
			}
			out[i] = mergeUnknown(av, uv, path, depth+1)
		}
		return out
	}
	return normalizeJSON(after)
}

// normalizeJSON turns json.Number into float64 so that plan values compare
// equal to values evaluated from source.
func normalizeJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case int:
		return float64(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalizeJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeJSON(e)
		}
		return out
	}
	return v
}

var instanceKey = regexp.MustCompile(`\[[^\]]*\]`)

// resolvePlanReferences gives an attribute left unknown by the plan (at
// the top level, or in a nested block) the value of the resource attribute
// its configuration expression is a plain reference to, following module
// input variables up to the calling module.
func (c *Config) resolvePlanReferences(ix *configIndex) {
	root := ix.root
	for range 4 { // chains of references: a -> b -> c
		changed := false
		for _, r := range c.Resources {
			cr := ix.resource(r)
			if cr == nil {
				continue
			}
			for k, v := range r.Values {
				e := cr.Expressions[k]
				if e == nil {
					continue
				}
				if s, ok := v.(string); ok && s == unknownRef(r.Address+"."+k) {
					if nv, ok := c.follow(root, r.Module, e.References); ok && nv != s {
						r.Values[k] = nv
						changed = true
					}
					continue
				}
				list, ok := v.([]any)
				if !ok || len(e.NestedBlocks) != len(list) {
					continue
				}
				for i, blk := range e.NestedBlocks {
					obj, ok := list[i].(map[string]any)
					if !ok {
						continue
					}
					for nk, ne := range blk {
						if ne == nil || obj[nk] != Unknown {
							continue
						}
						if nv, ok := c.follow(root, r.Module, ne.References); ok && nv != Unknown {
							obj[nk] = nv
							changed = true
						}
					}
				}
			}
		}
		if !changed {
			return
		}
	}
}

// follow resolves a reference list found in the module at module to the
// value it stands for.
func (c *Config) follow(root *tfjson.ConfigModule, module string, refs []string) (string, bool) {
	for range maxModuleDepth {
		if v, ok := singleVariable(refs); ok && module != "" {
			parent, call := parentModule(module)
			pm := configModule(root, parent)
			if pm == nil || pm.ModuleCalls[call] == nil || pm.ModuleCalls[call].Expressions[v] == nil {
				return "", false
			}
			refs, module = pm.ModuleCalls[call].Expressions[v].References, parent
			continue
		}
		if call, out, ok := moduleOutput(refs); ok {
			child := prefixAddr(module, "module."+call)
			cm := configModule(root, child)
			if cm == nil || cm.Outputs[out] == nil || cm.Outputs[out].Expression == nil {
				return "", false
			}
			refs, module = cm.Outputs[out].Expression.References, child
			continue
		}
		break
	}
	target, attr, ok := plainReference(refs)
	if !ok {
		return "", false
	}
	if module != "" {
		target = module + "." + target
	}
	tr := c.Resource(target)
	if tr == nil {
		return "", false
	}
	if ns, ok := tr.Values[attr].(string); ok && ns != Unknown {
		return ns, true
	}
	if tr.Values[attr] == nil || tr.Values[attr] == Unknown {
		return unknownRef(target + "." + attr), true
	}
	return "", false
}

// moduleOutput returns the call and output of a reference list that names
// one output of a module called without count or for_each
// (["module.x.out", "module.x"]).
func moduleOutput(refs []string) (call, out string, ok bool) {
	for _, r := range refs {
		parts := strings.Split(r, ".")
		if parts[0] != "module" || strings.Contains(r, "[") {
			return "", "", false
		}
		switch len(parts) {
		case 2:
			if call != "" && call != parts[1] {
				return "", "", false
			}
			call = parts[1]
		case 3:
			if out != "" || (call != "" && call != parts[1]) {
				return "", "", false
			}
			call, out = parts[1], parts[2]
		default:
			return "", "", false
		}
	}
	return call, out, out != ""
}

// singleVariable returns NAME when refs is exactly ["var.NAME"].
func singleVariable(refs []string) (string, bool) {
	if len(refs) == 1 && strings.HasPrefix(refs[0], "var.") && !strings.ContainsAny(refs[0][4:], ".[") {
		return refs[0][4:], true
	}
	return "", false
}

// parentModule splits "module.a.module.b[0]" into "module.a" and "b".
func parentModule(addr string) (parent, call string) {
	i := strings.LastIndex(addr, "module.")
	parent = strings.TrimSuffix(addr[:i], ".")
	call = instanceKey.ReplaceAllString(addr[i+len("module."):], "")
	return parent, call
}

// configIndex finds the configuration block of resource instances. Plans
// of thousands of resources look blocks up by module and address, not by
// scanning.
type configIndex struct {
	root    *tfjson.ConfigModule
	modules map[string]map[string]*tfjson.ConfigResource // module path without keys -> local address
}

func newConfigIndex(root *tfjson.ConfigModule) *configIndex {
	return &configIndex{root: root, modules: map[string]map[string]*tfjson.ConfigResource{}}
}

// resource returns the configuration of r, or nil.
func (ix *configIndex) resource(r *Resource) *tfjson.ConfigResource {
	if ix == nil || ix.root == nil {
		return nil
	}
	path := instanceKey.ReplaceAllString(r.Module, "")
	byAddr, ok := ix.modules[path]
	if !ok {
		byAddr = map[string]*tfjson.ConfigResource{}
		if mod := configModule(ix.root, r.Module); mod != nil {
			for _, x := range mod.Resources {
				if x != nil {
					byAddr[x.Address] = x
				}
			}
		}
		ix.modules[path] = byAddr
	}
	local := r.Type + "." + r.Name
	if r.Mode == "data" {
		local = "data." + local
	}
	return byAddr[local]
}

// plainReference reads Terraform's reference list for one expression
// (["aws_iam_policy.p.arn", "aws_iam_policy.p"]) and returns the resource
// address and attribute when the expression refers to exactly one resource
// attribute.
func plainReference(refs []string) (addr, attr string, ok bool) {
	var full string
	for _, ref := range refs {
		if strings.HasPrefix(ref, "var.") || strings.HasPrefix(ref, "local.") || strings.HasPrefix(ref, "each.") ||
			strings.HasPrefix(ref, "count.") || strings.HasPrefix(ref, "path.") || strings.HasPrefix(ref, "module.") ||
			strings.HasPrefix(ref, "terraform.") || strings.HasPrefix(ref, "self.") {
			return "", "", false
		}
		if full == "" || len(ref) > len(full) {
			if full != "" && !strings.HasPrefix(ref, full) {
				return "", "", false
			}
			full = ref
		} else if !strings.HasPrefix(full, ref) {
			return "", "", false
		}
	}
	if full == "" {
		return "", "", false
	}
	parts := strings.Split(instanceKey.ReplaceAllStringFunc(full, func(s string) string { return strings.ReplaceAll(s, ".", "\x00") }), ".")
	for i := range parts {
		parts[i] = strings.ReplaceAll(parts[i], "\x00", ".")
	}
	n := 3
	if parts[0] == "data" {
		n = 4
	}
	if len(parts) != n {
		return "", "", false
	}
	return strings.Join(parts[:n-1], "."), parts[n-1], true
}

// configModule finds the configuration of the module instance at addr
// ("module.a[0].module.b").
func configModule(root *tfjson.ConfigModule, addr string) *tfjson.ConfigModule {
	m := root
	if addr == "" {
		return m
	}
	parts := strings.Split(instanceKey.ReplaceAllString(addr, ""), ".")
	for i := 0; i+1 < len(parts); i += 2 {
		if parts[i] != "module" || m == nil {
			return nil
		}
		call := m.ModuleCalls[parts[i+1]]
		if call == nil {
			return nil
		}
		m = call.Module
	}
	return m
}

// jsonError adds the line and column to a JSON decoding error.
func jsonError(data []byte, dec *json.Decoder, err error) error {
	var off int64
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	default:
		off = dec.InputOffset()
	}
	line, col := inventory.LineCol(data, off)
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}
