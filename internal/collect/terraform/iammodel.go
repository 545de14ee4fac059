package terraform

import (
	"fmt"
	"sort"
	"strings"

	collectaws "github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/iam"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// UnknownConditionKey is the condition key added to a policy statement
// whose action or resource names hold a value unknown before apply. The
// unknown part is matched as a wildcard, and no request sets this key, so
// the IAM engine reports what the statement grants or denies as
// conditional ("potential"), never as a plain allow.
const UnknownConditionKey = "parapet:TerraformUnknownValue"

// IAMOptions configures AddIAM.
type IAMOptions struct {
	// ManagedPolicies is a folder of AWS-managed policy documents (the
	// layout collect/aws.ReadManagedPolicy reads). AWS-managed policies
	// attached in the configuration are read from it; without it they are
	// missing and their principals marked incomplete.
	ManagedPolicies string
}

// AddIAM adds the IAM users, roles and groups of the configuration to m,
// with their inline, attached and boundary policies, trust policies, and
// S3 bucket policies as resource policies. Principals carry the ARN they
// will have (unknown parts as markers: arn:aws:iam::<unknown>:user/NAME) and
// their Terraform address in Source. A trust-policy principal that is not
// one of the configuration's principals stays as written: one whose value
// is unknown (data.aws_caller_identity, a variable) names an account that
// is not the configuration's, so it is an outside principal. It returns
// warnings about what is missing.
func (c *Config) AddIAM(m *iam.Model, opts IAMOptions) []string {
	snap := c.Snapshot()
	a := &iamAdder{m: m, snap: snap, opts: opts, principals: map[string]bool{}, exact: map[string]bool{}}
	for _, n := range snap.Nodes {
		// The ARN of a resource of the configuration names exactly that
		// resource, whatever its unknown parts turn out to be.
		a.exact[n.ID] = true
		if arn, ok := n.Props["arn"].(string); ok {
			a.exact[arn] = true
		}
	}
	for _, n := range snap.Nodes {
		switch n.Kind {
		case inventory.KindIAMUser, inventory.KindIAMRole, inventory.KindIAMGroup:
			a.principals[n.ID] = true
		}
	}
	for _, n := range snap.Nodes {
		switch n.Kind {
		case inventory.KindIAMUser, inventory.KindIAMRole, inventory.KindIAMGroup:
			a.principal(n)
		case inventory.KindS3Bucket, inventory.KindSQSQueue, inventory.KindSNSTopic, inventory.KindSecret,
			inventory.KindKMSKey, inventory.KindECRRepository, inventory.KindDynamoDBTable:
			doc, ok := n.Props["policy"].(string)
			if !ok || doc == "" {
				continue
			}
			arn, _ := n.Props["arn"].(string)
			if arn == "" {
				arn = n.ID
			}
			if p := a.policy(doc, fmt.Sprintf("%s resource policy", addrOf(n)), nil); p != nil {
				m.SetResourcePolicy(arn, p)
				if n.Kind == inventory.KindS3Bucket {
					m.SetResourceOwner(arn, Unknown) // S3 ARNs carry no account
				}
			}
		}
	}
	sort.Strings(a.warnings)
	for _, w := range a.warnings {
		m.Warn(w)
	}
	return a.warnings
}

type iamAdder struct {
	m          *iam.Model
	snap       *inventory.Snapshot
	opts       IAMOptions
	principals map[string]bool
	exact      map[string]bool // ARNs of the configuration's resources
	warnings   []string
	managed    map[string]*iam.Policy
}

func addrOf(n *inventory.Node) string {
	a, _ := n.Props["terraform_address"].(string)
	return a
}

func (a *iamAdder) principal(n *inventory.Node) {
	kind := map[string]string{inventory.KindIAMUser: iam.KindUser, inventory.KindIAMRole: iam.KindRole, inventory.KindIAMGroup: iam.KindGroup}[n.Kind]
	account := Unknown
	if parts := strings.SplitN(n.ID, ":", 6); len(parts) == 6 && !IsUnknown(parts[4]) && parts[4] != "" {
		account = parts[4] // a principal that exists already
	}
	p := &iam.Principal{ARN: n.ID, Kind: kind, Name: n.Name, Account: account, Path: "/",
		Source: n.Source + " (" + addrOf(n) + ")", TagsKnown: true}
	for k, v := range n.Tags {
		if IsUnknown(k) || IsUnknown(v) {
			// A tag known only after apply: tag conditions are left to
			// the request, never decided on a marker.
			p.TagsKnown = false
			continue
		}
		if p.Tags == nil {
			p.Tags = map[string]string{}
		}
		p.Tags[k] = v
	}
	if s, ok := n.Props["path"].(string); ok {
		p.Path = s
	}
	p.ServiceLinked = strings.HasPrefix(p.Path, "/aws-service-role/")
	addr := addrOf(n)
	if inl, ok := n.Props["inline_policies"].(map[string]any); ok {
		for _, name := range sortedKeys(inl) {
			if pol := a.policy(inl[name], fmt.Sprintf("%s inline policy %s", addr, name), p); pol != nil {
				p.Inline = append(p.Inline, pol)
			}
		}
	}
	if mp, ok := n.Props["managed_policies"].([]string); ok {
		for _, arn := range mp {
			if pol := a.managedPolicy(arn, p); pol != nil {
				p.Managed = append(p.Managed, pol)
			}
		}
	}
	if b, ok := n.Props["permissions_boundary"].(string); ok && b != "" {
		if pol := a.managedPolicy(b, p); pol != nil {
			p.Boundary = pol
		} else {
			// An unknown boundary still limits: leave the principal
			// incomplete rather than unbounded.
			p.Incomplete = append(p.Incomplete, "permissions boundary "+b+" is not known")
		}
	}
	if g, ok := n.Props["groups"].([]string); ok {
		p.Groups = append(p.Groups, g...)
	}
	if kind == iam.KindRole {
		if pol := a.policy(n.Props["trust_policy"], addr+" trust policy", p); pol != nil {
			p.Trust = pol
		}
	}
	a.m.AddPrincipal(p)
}

// managedPolicy returns an attached policy: one of the configuration's, or
// an AWS-managed one from the managed-policies folder.
func (a *iamAdder) managedPolicy(arn string, p *iam.Principal) *iam.Policy {
	if n := a.snap.Node(arn); n != nil && n.Kind == inventory.KindIAMPolicy {
		return a.policy(n.Props["policy"], arn, p)
	}
	if a.managed == nil {
		a.managed = map[string]*iam.Policy{}
	}
	if pol, ok := a.managed[arn]; ok {
		return pol
	}
	var pol *iam.Policy
	if strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") && a.opts.ManagedPolicies != "" {
		var err error
		pol, err = collectaws.ReadManagedPolicy(a.opts.ManagedPolicies, arn)
		if err != nil {
			a.warnings = append(a.warnings, fmt.Sprintf("managed policy %s: %v", arn, err))
			pol = nil
		}
	}
	if pol == nil {
		p.Incomplete = append(p.Incomplete, "managed policy "+arn+" document not found")
		a.warnings = append(a.warnings, fmt.Sprintf("%s: managed policy %s is attached but its document is not in the input (give --managed-policies DIR); its permissions are not counted", p.Source, arn))
	}
	a.managed[arn] = pol
	return pol
}

// policy parses a policy document of the configuration. Action and
// resource names with unknown parts are matched as wildcards under
// UnknownConditionKey; a document unknown as a whole is missing, and the
// principal incomplete.
func (a *iamAdder) policy(v any, source string, p *iam.Principal) *iam.Policy {
	doc, _ := v.(string)
	if doc == "" {
		return nil
	}
	var parsed any
	if pureUnknown(doc) || jsonUnmarshal(doc, &parsed) != nil {
		msg := source + " is unknown until apply"
		if !pureUnknown(doc) {
			msg = source + " is not valid JSON"
		}
		if p != nil {
			p.Incomplete = append(p.Incomplete, msg)
		}
		a.warnings = append(a.warnings, msg)
		return nil
	}
	markUnknowns(parsed, a.exact)
	pol, err := iam.PolicyFromJSON(parsed)
	if err != nil {
		msg := fmt.Sprintf("%s: %v", source, err)
		if p != nil {
			p.Incomplete = append(p.Incomplete, msg)
		}
		a.warnings = append(a.warnings, msg)
		return nil
	}
	pol.Source = source
	return pol
}

// wildcardUnknowns replaces the unknown markers of a policy string with
// "*" and reports whether it replaced any. The plain <unknown> that stands
// for the configuration's own account or region in an ARN the provider
// computes (arn:aws:iam::<unknown>:role/agent) is kept: it is the same
// account as the configuration's principals', so it matches them exactly.
func wildcardUnknowns(s string) (string, bool) {
	if !IsUnknown(s) {
		return s, false
	}
	if strings.HasPrefix(s, "arn:") {
		// Split on the ARN's colons, not on those inside markers.
		hidden := unknownMarker.ReplaceAllStringFunc(s, func(m string) string { return strings.ReplaceAll(m, ":", "\x01") })
		parts := strings.SplitN(hidden, ":", 6)
		if len(parts) == 6 {
			replaced := false
			for i := range parts {
				f := strings.ReplaceAll(parts[i], "\x01", ":")
				parts[i] = f
				if (i == 3 || i == 4) && f == Unknown {
					continue
				}
				if IsUnknown(f) {
					parts[i], replaced = unknownMarker.ReplaceAllString(f, "*"), true
				}
			}
			return strings.Join(parts, ":"), replaced
		}
	}
	return unknownMarker.ReplaceAllString(s, "*"), true
}

// markUnknowns rewrites the statements of a parsed policy document that
// hold unknown parts. In Action and Resource lists, the entries with
// unknown parts move to a copy of the statement where each marker becomes
// "*" and the UnknownConditionKey condition is added, so that what they
// match is conditional, while the known entries keep their plain effect.
// Unknown parts in NotAction or NotResource make the whole statement
// conditional: leaving them out would widen it. Entries that are exactly
// the ARN of a resource of the configuration (exact) stay as they are.
func markUnknowns(doc any, exact map[string]bool) {
	m, ok := doc.(map[string]any)
	if !ok {
		return
	}
	var stmts []any
	switch s := m["Statement"].(type) {
	case []any:
		stmts = s
	case map[string]any:
		stmts = []any{s}
	default:
		return
	}
	var out []any
	for _, st := range stmts {
		s, ok := st.(map[string]any)
		if !ok {
			out = append(out, st)
			continue
		}
		known := clonePolicyMap(s)
		partial := clonePolicyMap(s)
		anyPartial, keepKnown := false, true
		for _, k := range []string{"Action", "NotAction", "Resource", "NotResource"} {
			list, isList := s[k].([]any)
			if one, isStr := s[k].(string); isStr {
				list, isList = []any{one}, true
			}
			if !isList {
				continue
			}
			var kn, all []any
			fieldPartial := false
			for _, e := range list {
				es, ok := e.(string)
				if !ok {
					kn, all = append(kn, e), append(all, e)
					continue
				}
				w, p := wildcardUnknowns(es)
				if exact[es] || exact[strings.TrimSuffix(es, "/*")] {
					w, p = es, false // the configuration's own resource (or its objects)
				}
				all = append(all, w)
				if p {
					fieldPartial = true
				} else {
					kn = append(kn, es)
				}
			}
			partial[k] = all
			if !fieldPartial {
				continue
			}
			anyPartial = true
			if strings.HasPrefix(k, "Not") || len(kn) == 0 {
				keepKnown = false
			} else {
				known[k] = kn
			}
		}
		// A condition compared with an unknown value cannot be decided:
		// it becomes the unknown-value condition.
		if cond, ok := s["Condition"].(map[string]any); ok {
			c2, changed := map[string]any{}, false
			for op, kv := range cond {
				keys, ok := kv.(map[string]any)
				if !ok {
					c2[op] = kv
					continue
				}
				k2 := map[string]any{}
				for key, vals := range keys {
					if hasUnknownString(vals) || IsUnknown(key) {
						changed = true
						continue
					}
					k2[key] = vals
				}
				if len(k2) > 0 {
					c2[op] = k2
				}
			}
			if changed {
				eq, _ := c2["StringEquals"].(map[string]any)
				eq = clonePolicyMap(eq)
				eq[UnknownConditionKey] = "known-after-apply"
				c2["StringEquals"] = eq
				known["Condition"], partial["Condition"] = c2, c2
				if !anyPartial {
					out = append(out, known)
					continue
				}
			}
		}
		if !anyPartial {
			out = append(out, s)
			continue
		}
		if keepKnown {
			out = append(out, known)
		}
		cond, _ := partial["Condition"].(map[string]any)
		cond = clonePolicyMap(cond)
		eq, _ := cond["StringEquals"].(map[string]any)
		eq = clonePolicyMap(eq)
		eq[UnknownConditionKey] = "known-after-apply"
		cond["StringEquals"] = eq
		partial["Condition"] = cond
		out = append(out, partial)
	}
	m["Statement"] = out
}

// hasUnknownString reports whether a condition value (a string or a list)
// holds an unknown marker.
func hasUnknownString(v any) bool {
	switch x := v.(type) {
	case string:
		return IsUnknown(x)
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && IsUnknown(s) {
				return true
			}
		}
	}
	return false
}

func clonePolicyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
