// Command cloudsplaining compares Parapet's privilege-escalation results on
// cloudsplaining's example authorization details with cloudsplaining's own
// results for that file, policy by policy and principal by principal, and
// prints the comparison as Markdown (the source of
// docs/cloudsplaining-comparison.md).
//
//	go run ./bench/iam/cloudsplaining [-data ../shared/data/aws-authz/cloudsplaining]
//
// Policy by policy: cloudsplaining judges each policy alone. Parapet is
// made to answer the same question: a probe user holding only that policy
// is added to the estate and analysed; the techniques it can use are
// compared with cloudsplaining's escalation types, mapped to catalogue ids.
// Principal by principal: cloudsplaining's principal results are the union
// of its policies' results; Parapet's are the edges and admin-equivalence
// of the principal in the whole estate.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	collectaws "github.com/parapet-sec/parapet/internal/collect/aws"
	"github.com/parapet-sec/parapet/internal/iam"
)

// typeToTechnique maps cloudsplaining's privilege-escalation types to the
// catalogue ids of Parapet's rule table ("" when the catalogue has none).
var typeToTechnique = map[string]string{
	"AddUserToGroup":                        "iam-013",
	"AttachGroupPolicy":                     "iam-010",
	"AttachUserPolicy":                      "iam-008",
	"AttachRolePolicy":                      "iam-014",
	"CreateAccessKey":                       "iam-002",
	"CreateLoginProfile":                    "iam-004",
	"CreateNewPolicyVersion":                "iam-001",
	"EditExistingLambdaFunctionWithRole":    "lambda-003",
	"PassExistingRoleToNewLambdaThenInvoke": "lambda-001",
	"PassExistingRoleToNewLambdaThenTriggerWithExistingDynamo": "lambda-002",
	"PassExistingRoleToNewLambdaThenTriggerWithNewDynamo":      "lambda-002",
	"PassExistingRoleToNewGlueDevEndpoint":                     "glue-001",
	"PassExistingRoleToCloudFormation":                         "cloudformation-001",
	"PassExistingRoleToNewDataPipeline":                        "datapipeline-001",
	"CreateEC2WithExistingIP":                                  "ec2-001",
	"PutGroupPolicy":                                           "iam-011",
	"PutRolePolicy":                                            "iam-017",
	"PutUserPolicy":                                            "iam-007",
	"SetExistingDefaultPolicyVersion":                          "",
	"UpdateExistingGlueDevEndpoint":                            "glue-002",
	"UpdateLoginProfile":                                       "iam-006",
	"UpdateRolePolicyToAssumeIt":                               "iam-012",
}

type csPolicy struct {
	PolicyName        string `json:"PolicyName"`
	Arn               string `json:"Arn"`
	PolicyDocument    json.RawMessage
	PolicyVersionList []struct {
		Document         json.RawMessage `json:"Document"`
		IsDefaultVersion bool            `json:"IsDefaultVersion"`
	} `json:"PolicyVersionList"`
	PrivilegeEscalation []struct {
		Type    string   `json:"type"`
		Actions []string `json:"actions"`
	} `json:"PrivilegeEscalation"`
	IsExcluded bool `json:"is_excluded"`
}

type csPrincipal struct {
	Arn                     string            `json:"arn"`
	InlinePolicies          map[string]string `json:"inline_policies"`
	CustomerManagedPolicies map[string]string `json:"customer_managed_policies"`
	AWSManagedPolicies      map[string]string `json:"aws_managed_policies"`
	Groups                  map[string]struct {
		InlinePolicies          map[string]string `json:"inline_policies"`
		CustomerManagedPolicies map[string]string `json:"customer_managed_policies"`
		AWSManagedPolicies      map[string]string `json:"aws_managed_policies"`
	} `json:"groups"`
}

type csResults struct {
	Users                   map[string]csPrincipal `json:"users"`
	Groups                  map[string]csPrincipal `json:"groups"`
	Roles                   map[string]csPrincipal `json:"roles"`
	AWSManagedPolicies      map[string]csPolicy    `json:"aws_managed_policies"`
	CustomerManagedPolicies map[string]csPolicy    `json:"customer_managed_policies"`
	InlinePolicies          map[string]csPolicy    `json:"inline_policies"`
}

func main() {
	dir := flag.String("data", filepath.Join("..", "shared", "data", "aws-authz", "cloudsplaining"), "folder with example.json and iam-results-example.json")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "cloudsplaining:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	raw, err := os.ReadFile(filepath.Join(dir, "iam-results-example.json"))
	if err != nil {
		return err
	}
	var cs csResults
	if err := json.Unmarshal(raw, &cs); err != nil {
		return fmt.Errorf("iam-results-example.json: %w", err)
	}
	input := filepath.Join(dir, "example.json")

	fmt.Println("## Policy by policy")
	fmt.Println()
	fmt.Println("| policy | kind | cloudsplaining | Parapet, probe in 012345678901 | only cloudsplaining | only Parapet | Parapet, probe in 200611803367 |")
	fmt.Println("|---|---|---|---|---|---|---|")
	type named struct {
		kind string
		p    csPolicy
	}
	var all []named
	for _, p := range cs.AWSManagedPolicies {
		all = append(all, named{"AWS managed", p})
	}
	for _, p := range cs.CustomerManagedPolicies {
		all = append(all, named{"customer managed", p})
	}
	for _, p := range cs.InlinePolicies {
		all = append(all, named{"inline", p})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].kind != all[j].kind {
			return all[i].kind < all[j].kind
		}
		return all[i].p.PolicyName < all[j].p.PolicyName
	})
	for _, n := range all {
		theirs := map[string]bool{}
		var theirTypes []string
		for _, pe := range n.p.PrivilegeEscalation {
			theirTypes = append(theirTypes, pe.Type)
			if id := typeToTechnique[pe.Type]; id != "" {
				theirs[id] = true
			} else {
				theirs[pe.Type+" (not in the catalogue)"] = true
			}
		}
		doc := n.p.PolicyDocument
		for _, v := range n.p.PolicyVersionList {
			if v.IsDefaultVersion {
				doc = v.Document
			}
		}
		ours, err := probe(input, "012345678901", n.p, doc)
		if err != nil {
			return fmt.Errorf("policy %s: %w", n.p.PolicyName, err)
		}
		other, err := probe(input, "200611803367", n.p, doc)
		if err != nil {
			return fmt.Errorf("policy %s: %w", n.p.PolicyName, err)
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s |\n", n.p.PolicyName, n.kind, list(sortedKeys(theirs)), list(ours.list()),
			list(minus(sortedKeys(theirs), ours.set)), list(minus(ours.list(), theirs)), list(other.list()))
	}

	fmt.Println()
	fmt.Println("## Principal by principal")
	fmt.Println()
	data, err := collectaws.LoadIAM(collectaws.IAMInputs{Authz: []string{input}})
	if err != nil {
		return err
	}
	res := iam.AnalyzeEscalation(data.Model, iam.AnalyzeOptions{Lateral: true})
	policyFindings := map[string][]string{}
	for _, n := range all {
		for _, pe := range n.p.PrivilegeEscalation {
			policyFindings[n.p.PolicyName] = append(policyFindings[n.p.PolicyName], pe.Type)
		}
	}
	fmt.Println("| principal | policies in cloudsplaining's results | policies in example.json | cloudsplaining (union of its policies) | Parapet admin-equivalent | Parapet techniques from it (targets) |")
	fmt.Println("|---|---|---|---|---|---|")
	type pr struct {
		name string
		p    csPrincipal
	}
	var ps []pr
	for n, p := range cs.Users {
		ps = append(ps, pr{n, p})
	}
	for n, p := range cs.Groups {
		ps = append(ps, pr{n, p})
	}
	for n, p := range cs.Roles {
		ps = append(ps, pr{n, p})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].p.Arn < ps[j].p.Arn })
	for _, x := range ps {
		theirs := map[string]bool{}
		add := func(names map[string]string) {
			for _, name := range names {
				for _, t := range policyFindings[name] {
					theirs[t] = true
				}
			}
		}
		var theirPolicies []string
		addNames := func(names map[string]string) {
			add(names)
			for _, n := range names {
				theirPolicies = append(theirPolicies, n)
			}
		}
		addNames(x.p.InlinePolicies)
		addNames(x.p.CustomerManagedPolicies)
		addNames(x.p.AWSManagedPolicies)
		for _, g := range x.p.Groups {
			addNames(g.InlinePolicies)
			addNames(g.CustomerManagedPolicies)
			addNames(g.AWSManagedPolicies)
		}
		var ourPolicies []string
		if q := data.Model.Principal(x.p.Arn); q != nil {
			ourPolicies = policyNames(data.Model, q)
		}
		admin := "no (not in example.json)"
		for _, p := range res.Principals {
			if p.ARN == x.p.Arn {
				admin = "no"
				if p.Status.Admin {
					admin = "yes: " + p.Status.Reason
				}
			}
		}
		techs := map[string]map[string]bool{}
		for _, e := range res.Edges {
			if e.From != x.p.Arn {
				continue
			}
			if techs[e.Technique.ID] == nil {
				techs[e.Technique.ID] = map[string]bool{}
			}
			techs[e.Technique.ID][shortName(e.To)] = true
		}
		var ours []string
		ids := make([]string, 0, len(techs))
		for id := range techs {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			targets := sortedKeys(techs[id])
			if len(targets) > 3 {
				targets = append(targets[:3], fmt.Sprintf("+%d more", len(techs[id])-3))
			}
			ours = append(ours, id+" ("+strings.Join(targets, ", ")+")")
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", shortName(x.p.Arn), list(uniqueSorted(theirPolicies)), list(ourPolicies), list(sortedKeys(theirs)), admin, list(ours))
	}
	return nil
}

// techniques is what a probe could use.
type techniques struct {
	set       map[string]bool
	potential map[string]bool
}

func (t techniques) list() []string {
	var out []string
	for id := range t.set {
		s := id
		if t.potential[id] {
			s += " (potential)"
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// probe adds a user of account acct holding only doc to the estate of
// input (attached as the managed policy it is, or inline) and returns the
// techniques it can use.
func probe(input, acct string, p csPolicy, doc json.RawMessage) (techniques, error) {
	data, err := collectaws.LoadIAM(collectaws.IAMInputs{Authz: []string{input}})
	if err != nil {
		return techniques{}, err
	}
	m := data.Model
	pol, err := iam.ParsePolicy(doc)
	if err != nil {
		return techniques{}, err
	}
	u := &iam.Principal{ARN: "arn:aws:iam::" + acct + ":user/parapet-probe", Kind: iam.KindUser, Name: "parapet-probe", Account: acct, Path: "/"}
	if p.Arn != "" {
		pol.Source = p.Arn
		u.Managed = []*iam.Policy{pol}
	} else {
		pol.Source = "user/parapet-probe inline policy " + p.PolicyName
		u.Inline = []*iam.Policy{pol}
	}
	m.AddPrincipal(u)
	res := iam.AnalyzeEscalation(m, iam.AnalyzeOptions{Lateral: true})
	out := techniques{set: map[string]bool{}, potential: map[string]bool{}}
	concrete := map[string]bool{}
	for _, e := range res.Edges {
		if e.From != u.ARN {
			continue
		}
		out.set[e.Technique.ID] = true
		if !e.Potential {
			concrete[e.Technique.ID] = true
		}
	}
	for id := range out.set {
		out.potential[id] = !concrete[id]
	}
	return out, nil
}

// policyNames lists the names of the identity policies of p and of its
// groups.
func policyNames(m *iam.Model, p *iam.Principal) []string {
	var out []string
	each := func(q *iam.Principal) {
		for _, pol := range append(append([]*iam.Policy(nil), q.Inline...), q.Managed...) {
			name := pol.Source
			if i := strings.LastIndex(name, " inline policy "); i >= 0 {
				name = name[i+len(" inline policy "):]
			}
			out = append(out, shortName(name))
		}
	}
	each(p)
	for _, g := range p.Groups {
		if q := m.Principal(g); q != nil {
			each(q)
		}
	}
	return uniqueSorted(out)
}

func uniqueSorted(s []string) []string {
	m := map[string]bool{}
	for _, x := range s {
		m[x] = true
	}
	return sortedKeys(m)
}

func shortName(arn string) string {
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// minus returns the elements of a (ids, possibly with a " (potential)"
// suffix) not in b.
func minus(a []string, b map[string]bool) []string {
	var out []string
	for _, x := range a {
		id, _, _ := strings.Cut(x, " ")
		if !b[id] && !b[x] {
			out = append(out, x)
		}
	}
	return out
}

func list(s []string) string {
	if len(s) == 0 {
		return "—"
	}
	return strings.Join(s, ", ")
}
