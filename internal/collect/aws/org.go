package aws

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/parapet-sec/parapet/internal/iam"
)

// An organization folder holds the JSON output of AWS Organizations CLI
// calls, one file per call (a `.json` suffix is optional):
//
//	describe-organization.json                       the organization and its management account
//	list-roots.json                                  the root
//	list-organizational-units-for-parent/<id>.json   OUs under a root or OU
//	list-accounts-for-parent/<id>.json               accounts under a root or OU
//	list-policies-SERVICE_CONTROL_POLICY.json        SCPs (optional: describe-policy/ is enough)
//	list-policies-RESOURCE_CONTROL_POLICY.json       RCPs (optional)
//	describe-policy/<policy-id>.json                 each policy and its content
//	list-targets-for-policy/<policy-id>.json         where each policy is attached
//
// docs/iam.md shows the commands that write it.

type orgFolder struct{ dir string }

// read decodes dir/name(.json) into v; it reports false when the file does
// not exist. Several JSON objects one after another (pages) are merged by
// calling v's decoder for each: merge must append.
func (o orgFolder) read(name string, v any, merge func()) (bool, error) {
	path := filepath.Join(o.dir, name+".json")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		path = filepath.Join(o.dir, name)
		data, err = os.ReadFile(path)
	}
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	pages := 0
	for {
		err := dec.Decode(v)
		if err == io.EOF {
			break
		}
		if err != nil {
			return false, jsonError(path, data, pages+1, err)
		}
		pages++
		if merge != nil {
			merge()
		}
	}
	if pages == 0 {
		return false, fmt.Errorf("%s: empty file", path)
	}
	return true, nil
}

type orgEntity struct {
	ID   string `json:"Id"`
	Arn  string `json:"Arn"`
	Name string `json:"Name"`
}

// LoadOrganization reads an organization folder into m: the tree of roots,
// OUs and accounts, the management account, and every SCP and RCP with its
// targets. Files are optional except list-roots.json; a malformed one is an
// error naming it.
func LoadOrganization(dir string, m *iam.Model) error {
	if st, err := os.Stat(dir); err != nil {
		return err
	} else if !st.IsDir() {
		return fmt.Errorf("%s: not a folder (want a folder of AWS Organizations listings; see docs/iam.md)", dir)
	}
	o := orgFolder{dir: dir}
	org := &iam.Organization{Parents: map[string]string{}}

	var desc struct {
		Organization struct {
			ID              string `json:"Id"`
			MasterAccountID string `json:"MasterAccountId"`
		} `json:"Organization"`
	}
	ok, err := o.read("describe-organization", &desc, nil)
	if err != nil {
		return err
	}
	if ok {
		org.ID = desc.Organization.ID
		org.ManagementAccount = desc.Organization.MasterAccountID
	} else {
		m.Warn(dir + ": no describe-organization.json: the management account is unknown, so SCPs and RCPs are applied to every account in the tree")
	}

	var roots []orgEntity
	var page struct {
		Roots []orgEntity `json:"Roots"`
	}
	ok, err = o.read("list-roots", &page, func() { roots = append(roots, page.Roots...); page.Roots = nil })
	if err != nil {
		return err
	}
	if !ok || len(roots) == 0 {
		return fmt.Errorf("%s: no list-roots.json with a root (want the output of aws organizations list-roots; see docs/iam.md)", dir)
	}
	// Walk the tree from the roots.
	queue := []string{}
	for _, r := range roots {
		org.Parents[r.ID] = ""
		queue = append(queue, r.ID)
	}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		var ous []orgEntity
		var oup struct {
			OrganizationalUnits []orgEntity `json:"OrganizationalUnits"`
		}
		if _, err := o.read(filepath.Join("list-organizational-units-for-parent", parent), &oup, func() {
			ous = append(ous, oup.OrganizationalUnits...)
			oup.OrganizationalUnits = nil
		}); err != nil {
			return err
		}
		for _, ou := range ous {
			if _, dup := org.Parents[ou.ID]; dup {
				return fmt.Errorf("%s: OU %s appears under more than one parent", filepath.Join(dir, "list-organizational-units-for-parent", parent), ou.ID)
			}
			org.Parents[ou.ID] = parent
			queue = append(queue, ou.ID)
		}
		var accts []orgEntity
		var ap struct {
			Accounts []orgEntity `json:"Accounts"`
		}
		if _, err := o.read(filepath.Join("list-accounts-for-parent", parent), &ap, func() {
			accts = append(accts, ap.Accounts...)
			ap.Accounts = nil
		}); err != nil {
			return err
		}
		for _, a := range accts {
			org.Parents[a.ID] = parent
		}
	}
	m.SetOrganization(org)

	// Policies: from the list files, else every describe-policy file.
	var ids []string
	for _, typ := range []string{"SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"} {
		var pp struct {
			Policies []orgEntity `json:"Policies"`
		}
		if _, err := o.read("list-policies-"+typ, &pp, func() {
			for _, p := range pp.Policies {
				ids = append(ids, p.ID)
			}
			pp.Policies = nil
		}); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		entries, err := os.ReadDir(filepath.Join(dir, "describe-policy"))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		for _, e := range entries {
			if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				ids = append(ids, strings.TrimSuffix(e.Name(), ".json"))
			}
		}
	}
	sort.Strings(ids)
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err := loadOrgPolicy(o, id, m); err != nil {
			return err
		}
	}
	return nil
}

func loadOrgPolicy(o orgFolder, id string, m *iam.Model) error {
	var dp struct {
		Policy struct {
			PolicySummary struct {
				ID   string `json:"Id"`
				Name string `json:"Name"`
				Type string `json:"Type"`
			} `json:"PolicySummary"`
			Content string `json:"Content"`
		} `json:"Policy"`
	}
	name := filepath.Join("describe-policy", id)
	path := filepath.Join(o.dir, name+".json")
	ok, err := o.read(name, &dp, nil)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s: missing: policy %s is listed but not described (aws organizations describe-policy --policy-id %s)", path, id, id)
	}
	var kind iam.OrgPolicyKind
	switch dp.Policy.PolicySummary.Type {
	case "SERVICE_CONTROL_POLICY":
		kind = iam.SCP
	case "RESOURCE_CONTROL_POLICY":
		kind = iam.RCP
	default:
		return nil // tag, backup and other policy types do not authorize
	}
	pol, err := iam.ParsePolicy([]byte(dp.Policy.Content))
	if err != nil {
		var pe *iam.PolicyError
		if errors.As(err, &pe) && pe.Path != "" {
			return fmt.Errorf("%s: Policy.Content.%s: %s", path, pe.Path, pe.Msg)
		}
		return fmt.Errorf("%s: Policy.Content: %v", path, err)
	}
	pol.Source = fmt.Sprintf("%s %s (%s)", kind, id, dp.Policy.PolicySummary.Name)
	var targets []string
	var tp struct {
		Targets []struct {
			TargetID string `json:"TargetId"`
		} `json:"Targets"`
	}
	ok, err = o.read(filepath.Join("list-targets-for-policy", id), &tp, func() {
		for _, t := range tp.Targets {
			targets = append(targets, t.TargetID)
		}
		tp.Targets = nil
	})
	if err != nil {
		return err
	}
	if !ok {
		m.Warn(fmt.Sprintf("%s: no list-targets-for-policy/%s.json: %s is taken as attached nowhere", o.dir, id, pol.Source))
	}
	m.AddOrgPolicy(kind, pol, targets...)
	return nil
}
