package aws

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/parapet-sec/parapet/internal/iam"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// IAMInputs names the inputs of an IAM model. Every field is optional but
// at least one source of principals (Authz, or Accounts holding an
// authorization-details file) is needed.
type IAMInputs struct {
	// Authz lists files of `aws iam get-account-authorization-details`
	// output: one or several accounts, each file holding one response or
	// several pages one after another.
	Authz []string
	// Org is a folder of AWS Organizations listings (see docs/iam.md) for
	// SCPs and RCPs.
	Org string
	// Accounts lists CloudMapper account-data folders (an account folder,
	// or a folder of them): their resource-based policies, and their
	// authorization details when present.
	Accounts []string
	// ManagedPolicies is a folder of AWS-managed policy documents, one
	// `aws iam get-policy-version` response per file named by policy name,
	// for policies whose documents the authorization details lack.
	ManagedPolicies string
}

// IAMData is what LoadIAM read: the model to evaluate, the principals as
// inventory nodes (kinds aws.iam.user, aws.iam.role, aws.iam.group, ID the
// ARN, with member_of edges), and warnings about incomplete input.
type IAMData struct {
	Model    *iam.Model
	Snapshot *inventory.Snapshot
	Warnings []string
	// ManagedPolicies holds the default version of every customer- or
	// AWS-managed policy listed in the authorization details (Policies),
	// by ARN, whether attached or not.
	ManagedPolicies map[string]*iam.Policy
}

// LoadIAM reads every input into one model. Any malformed input is an error
// naming the file and the JSON path or line of the problem, and no partial
// model is returned. A managed policy referenced but found nowhere is not an
// error: it is a warning, and the principals that use it are marked
// incomplete.
func LoadIAM(in IAMInputs) (*IAMData, error) {
	l := &authzLoader{
		model:    iam.NewModel(),
		snap:     inventory.New(),
		managed:  map[string]*managedDoc{},
		groups:   map[string]string{},
		seen:     map[string]string{},
		dups:     map[string]int{},
		mpDir:    in.ManagedPolicies,
		mpLoaded: map[string]*iam.Policy{},
	}
	// Files decode on all cores; pages keep the order of the files.
	perFile := make([][]authzPage, len(in.Authz))
	errs := make([]error, len(in.Authz))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(in.Authz)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(in.Authz) {
					return
				}
				data, err := os.ReadFile(in.Authz[i])
				if err != nil {
					errs[i] = err
					continue
				}
				perFile[i], errs[i] = decodeAuthz(in.Authz[i], data)
			}
		}()
	}
	wg.Wait()
	var pages []authzPage
	for i := range in.Authz {
		if errs[i] != nil {
			return nil, errs[i]
		}
		pages = append(pages, perFile[i]...)
	}
	var accounts []*AccountData
	for _, dir := range in.Accounts {
		as, err := DiscoverAccountData(dir)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			accounts = append(accounts, a)
			for _, r := range a.Regions {
				path := a.Dir + "/" + r + "/iam-get-account-authorization-details.json"
				data, err := os.ReadFile(path)
				if errors.Is(err, os.ErrNotExist) {
					continue
				}
				if err != nil {
					return nil, err
				}
				ps, err := decodeAuthz(path, data)
				if err != nil {
					return nil, err
				}
				pages = append(pages, ps...)
				break // IAM is global: CloudMapper writes it in one region
			}
		}
	}
	if len(pages) == 0 {
		return nil, errors.New("no IAM input: give --authz FILE (aws iam get-account-authorization-details) or --aws DIR with iam-get-account-authorization-details.json")
	}
	if err := l.load(pages); err != nil {
		return nil, err
	}
	for _, key := range l.dupOrder {
		file, first, _ := strings.Cut(key, "\x00")
		l.model.Warn(fmt.Sprintf("%s: %d principals already read from %s; keeping the first", file, l.dups[key], first))
	}
	for _, a := range accounts {
		if err := LoadResourcePolicies(a, l.model); err != nil {
			return nil, err
		}
	}
	if in.Org != "" {
		if err := LoadOrganization(in.Org, l.model); err != nil {
			return nil, err
		}
	}
	l.snap.Normalize()
	mps := make(map[string]*iam.Policy, len(l.managed))
	for arn, d := range l.managed {
		mps[arn] = d.policy
	}
	return &IAMData{Model: l.model, Snapshot: l.snap, Warnings: l.model.Warnings(), ManagedPolicies: mps}, nil
}

// authzPage is one response of get-account-authorization-details.
type authzPage struct {
	file  string
	index int // page number within the file, from 1
	pages int // pages in the file
	body  authzDetails
}

func (p *authzPage) where(path string) string {
	if p.pages > 1 {
		return fmt.Sprintf("%s: page %d: %s", p.file, p.index, path)
	}
	return p.file + ": " + path
}

type authzDetails struct {
	UserDetailList  []authzUser   `json:"UserDetailList"`
	GroupDetailList []authzGroup  `json:"GroupDetailList"`
	RoleDetailList  []authzRole   `json:"RoleDetailList"`
	Policies        []authzPolicy `json:"Policies"`
	IsTruncated     bool          `json:"IsTruncated"`
	Marker          string        `json:"Marker"`
}

type authzInline struct {
	PolicyName     string          `json:"PolicyName"`
	PolicyDocument json.RawMessage `json:"PolicyDocument"`
}

type authzAttached struct {
	PolicyName string `json:"PolicyName"`
	PolicyArn  string `json:"PolicyArn"`
}

type authzBoundary struct {
	PermissionsBoundaryType string `json:"PermissionsBoundaryType"`
	PermissionsBoundaryArn  string `json:"PermissionsBoundaryArn"`
}

type authzTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type authzUser struct {
	Path                    string          `json:"Path"`
	UserName                string          `json:"UserName"`
	UserID                  string          `json:"UserId"`
	Arn                     string          `json:"Arn"`
	GroupList               []string        `json:"GroupList"`
	UserPolicyList          []authzInline   `json:"UserPolicyList"`
	AttachedManagedPolicies []authzAttached `json:"AttachedManagedPolicies"`
	PermissionsBoundary     *authzBoundary  `json:"PermissionsBoundary"`
	Tags                    *[]authzTag     `json:"Tags"`
}

type authzGroup struct {
	Path                    string          `json:"Path"`
	GroupName               string          `json:"GroupName"`
	GroupID                 string          `json:"GroupId"`
	Arn                     string          `json:"Arn"`
	GroupPolicyList         []authzInline   `json:"GroupPolicyList"`
	AttachedManagedPolicies []authzAttached `json:"AttachedManagedPolicies"`
}

type authzRole struct {
	Path                     string          `json:"Path"`
	RoleName                 string          `json:"RoleName"`
	RoleID                   string          `json:"RoleId"`
	Arn                      string          `json:"Arn"`
	AssumeRolePolicyDocument json.RawMessage `json:"AssumeRolePolicyDocument"`
	RolePolicyList           []authzInline   `json:"RolePolicyList"`
	AttachedManagedPolicies  []authzAttached `json:"AttachedManagedPolicies"`
	PermissionsBoundary      *authzBoundary  `json:"PermissionsBoundary"`
	Tags                     *[]authzTag     `json:"Tags"`
}

type authzPolicy struct {
	PolicyName        string `json:"PolicyName"`
	PolicyID          string `json:"PolicyId"`
	Arn               string `json:"Arn"`
	Path              string `json:"Path"`
	DefaultVersionID  string `json:"DefaultVersionId"`
	PolicyVersionList []struct {
		Document         json.RawMessage `json:"Document"`
		VersionID        string          `json:"VersionId"`
		IsDefaultVersion bool            `json:"IsDefaultVersion"`
	} `json:"PolicyVersionList"`
}

// decodeAuthz reads one file: a single response, or several pages (JSON
// objects) one after another.
func decodeAuthz(name string, data []byte) ([]authzPage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var pages []authzPage
	for {
		var body authzDetails
		err := dec.Decode(&body)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, jsonError(name, data, len(pages)+1, err)
		}
		pages = append(pages, authzPage{file: name, index: len(pages) + 1, body: body})
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("%s: empty file (want the JSON of aws iam get-account-authorization-details)", name)
	}
	for i := range pages {
		pages[i].pages = len(pages)
		b := &pages[i].body
		if b.UserDetailList == nil && b.GroupDetailList == nil && b.RoleDetailList == nil && b.Policies == nil {
			return nil, fmt.Errorf("%s: page %d has none of UserDetailList, GroupDetailList, RoleDetailList, Policies: not the output of aws iam get-account-authorization-details", name, i+1)
		}
	}
	return pages, nil
}

// jsonError names the file, the line and column, and for a truncated file
// the page of a JSON decoding error.
func jsonError(name string, data []byte, page int, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: truncated JSON in page %d (the file ends inside a JSON value)", name, page)
	}
	return inventory.JSONError(name, data, err)
}

type managedDoc struct {
	policy *iam.Policy
	where  string
}

type authzLoader struct {
	model    *iam.Model
	snap     *inventory.Snapshot
	managed  map[string]*managedDoc // policy ARN -> default version
	groups   map[string]string      // account/name -> group ARN
	seen     map[string]string      // principal ARN -> file first read from
	mpDir    string
	mpLoaded map[string]*iam.Policy // AWS-managed policies read from mpDir, by ARN
	missing  map[string]bool
	parsed   map[docKey]*iam.Policy // documents parsed ahead, taken once each
	dups     map[string]int         // "file\x00first file" -> principals read twice
	dupOrder []string
}

// docKey names a policy document by its page and JSON path.
type docKey struct {
	page *authzPage
	path string
}

// preparse parses every policy document of the pages on all cores, ahead
// of load, which takes them from l.parsed. A document that fails is left
// out: load parses it again and reports the error with its place.
func (l *authzLoader) preparse(pages []authzPage) {
	type job struct {
		key docKey
		raw json.RawMessage
	}
	var jobs []job
	add := func(p *authzPage, path string, raw json.RawMessage) {
		if len(raw) > 0 && string(raw) != "null" {
			jobs = append(jobs, job{docKey{p, path}, raw})
		}
	}
	for pi := range pages {
		p := &pages[pi]
		for i, mp := range p.body.Policies {
			for j, v := range mp.PolicyVersionList {
				if v.IsDefaultVersion || mp.DefaultVersionID != "" && v.VersionID == mp.DefaultVersionID {
					add(p, fmt.Sprintf("Policies[%d].PolicyVersionList[%d].Document", i, j), v.Document)
				}
			}
		}
		for i, g := range p.body.GroupDetailList {
			for j, ip := range g.GroupPolicyList {
				add(p, fmt.Sprintf("GroupDetailList[%d].GroupPolicyList[%d].PolicyDocument", i, j), ip.PolicyDocument)
			}
		}
		for i, u := range p.body.UserDetailList {
			for j, ip := range u.UserPolicyList {
				add(p, fmt.Sprintf("UserDetailList[%d].UserPolicyList[%d].PolicyDocument", i, j), ip.PolicyDocument)
			}
		}
		for i, r := range p.body.RoleDetailList {
			add(p, fmt.Sprintf("RoleDetailList[%d].AssumeRolePolicyDocument", i), r.AssumeRolePolicyDocument)
			for j, ip := range r.RolePolicyList {
				add(p, fmt.Sprintf("RoleDetailList[%d].RolePolicyList[%d].PolicyDocument", i, j), ip.PolicyDocument)
			}
		}
	}
	results := make([]*iam.Policy, len(jobs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				if pol, err := iam.ParsePolicy(jobs[i].raw); err == nil {
					results[i] = pol
				}
			}
		}()
	}
	wg.Wait()
	l.parsed = make(map[docKey]*iam.Policy, len(jobs))
	for i, j := range jobs {
		if results[i] != nil {
			l.parsed[j.key] = results[i]
		}
	}
}

// parseDoc parses a policy document found at path within a page (or takes
// it from the documents parsed ahead).
func (l *authzLoader) parseDoc(p *authzPage, path string, raw json.RawMessage, source string) (*iam.Policy, error) {
	if pol, ok := l.parsed[docKey{p, path}]; ok {
		delete(l.parsed, docKey{p, path})
		pol.Source = source
		return pol, nil
	}
	if len(raw) == 0 || string(raw) == "null" {
		return nil, fmt.Errorf("%s: missing policy document", p.where(path))
	}
	pol, err := iam.ParsePolicy(raw)
	if err != nil {
		var pe *iam.PolicyError
		if errors.As(err, &pe) && pe.Path != "" {
			return nil, fmt.Errorf("%s.%s: %s", p.where(path), pe.Path, pe.Msg)
		}
		return nil, fmt.Errorf("%s: %v", p.where(path), err)
	}
	pol.Source = source
	return pol, nil
}

func (l *authzLoader) load(pages []authzPage) error {
	l.preparse(pages)
	// Managed policies first: principals refer to them by ARN.
	for pi := range pages {
		p := &pages[pi]
		for i, mp := range p.body.Policies {
			path := fmt.Sprintf("Policies[%d]", i)
			found := false
			for j, v := range mp.PolicyVersionList {
				if !v.IsDefaultVersion && !(mp.DefaultVersionID != "" && v.VersionID == mp.DefaultVersionID) {
					continue
				}
				pol, err := l.parseDoc(p, fmt.Sprintf("%s.PolicyVersionList[%d].Document", path, j), v.Document, mp.Arn)
				if err != nil {
					return err
				}
				l.managed[mp.Arn] = &managedDoc{policy: pol, where: p.where(path)}
				found = true
				break
			}
			if !found && mp.Arn != "" {
				l.model.Warn(fmt.Sprintf("%s: managed policy %s has no default version document", p.where(path), mp.Arn))
			}
		}
	}
	// Groups, so that users can be linked to them.
	for pi := range pages {
		p := &pages[pi]
		for i, g := range p.body.GroupDetailList {
			path := fmt.Sprintf("GroupDetailList[%d]", i)
			pr, err := l.principal(p, path, g.Arn, iam.KindGroup, g.GroupName, g.Path, g.GroupID)
			if err != nil {
				return err
			}
			if pr == nil {
				continue
			}
			if err := l.inline(p, path+".GroupPolicyList", pr, g.GroupPolicyList); err != nil {
				return err
			}
			l.attach(p, path, pr, g.AttachedManagedPolicies)
			l.groups[pr.Account+"/"+g.GroupName] = pr.ARN
			l.add(pr)
		}
	}
	for pi := range pages {
		p := &pages[pi]
		for i, u := range p.body.UserDetailList {
			path := fmt.Sprintf("UserDetailList[%d]", i)
			pr, err := l.principal(p, path, u.Arn, iam.KindUser, u.UserName, u.Path, u.UserID)
			if err != nil {
				return err
			}
			if pr == nil {
				continue
			}
			if err := l.inline(p, path+".UserPolicyList", pr, u.UserPolicyList); err != nil {
				return err
			}
			l.attach(p, path, pr, u.AttachedManagedPolicies)
			l.boundary(p, path, pr, u.PermissionsBoundary)
			setTags(pr, u.Tags)
			for _, g := range u.GroupList {
				garn, ok := l.groups[pr.Account+"/"+g]
				if !ok {
					msg := fmt.Sprintf("%s: group %q is not in the input; its policies are unknown", p.where(path+".GroupList"), g)
					l.model.Warn(msg)
					pr.Incomplete = append(pr.Incomplete, "group "+g+" not in the input")
					continue
				}
				pr.Groups = append(pr.Groups, garn)
				l.snap.Connect(pr.ARN, garn, inventory.EdgeMemberOf, nil)
			}
			l.add(pr)
		}
		for i, r := range p.body.RoleDetailList {
			path := fmt.Sprintf("RoleDetailList[%d]", i)
			pr, err := l.principal(p, path, r.Arn, iam.KindRole, r.RoleName, r.Path, r.RoleID)
			if err != nil {
				return err
			}
			if pr == nil {
				continue
			}
			if len(r.AssumeRolePolicyDocument) > 0 && string(r.AssumeRolePolicyDocument) != "null" {
				trust, err := l.parseDoc(p, path+".AssumeRolePolicyDocument", r.AssumeRolePolicyDocument, "role/"+r.RoleName+" trust policy")
				if err != nil {
					return err
				}
				pr.Trust = trust
			}
			if err := l.inline(p, path+".RolePolicyList", pr, r.RolePolicyList); err != nil {
				return err
			}
			l.attach(p, path, pr, r.AttachedManagedPolicies)
			l.boundary(p, path, pr, r.PermissionsBoundary)
			setTags(pr, r.Tags)
			pr.ServiceLinked = strings.HasPrefix(r.Path, "/aws-service-role/")
			l.add(pr)
		}
	}
	return nil
}

func setTags(pr *iam.Principal, tags *[]authzTag) {
	if tags == nil {
		return
	}
	pr.TagsKnown = true
	pr.Tags = map[string]string{}
	for _, t := range *tags {
		pr.Tags[t.Key] = t.Value
	}
}

// principal starts a principal; it returns nil (and records a warning) for
// one already read from another file or page.
func (l *authzLoader) principal(p *authzPage, path, arn, kind, name, iamPath, id string) (*iam.Principal, error) {
	if !strings.HasPrefix(arn, "arn:") {
		return nil, fmt.Errorf("%s.Arn: %q is not an ARN", p.where(path), arn)
	}
	where := p.where(path)
	if first, ok := l.seen[arn]; ok {
		// One warning per pair of files, not per principal: giving the
		// same account twice (say --authz and --aws) repeats them all.
		key := p.file + "\x00" + first
		if l.dups[key] == 0 {
			l.dupOrder = append(l.dupOrder, key)
		}
		l.dups[key]++
		return nil, nil
	}
	l.seen[arn] = p.file
	account := strings.SplitN(arn, ":", 6)
	acct := ""
	if len(account) == 6 {
		acct = account[4]
	}
	return &iam.Principal{ARN: arn, Kind: kind, Name: name, Account: acct, Path: iamPath, ID: id, Source: where}, nil
}

func (l *authzLoader) inline(p *authzPage, path string, pr *iam.Principal, list []authzInline) error {
	for i, ip := range list {
		src := fmt.Sprintf("%s/%s inline policy %s", pr.Kind, pr.Name, ip.PolicyName)
		pol, err := l.parseDoc(p, fmt.Sprintf("%s[%d].PolicyDocument", path, i), ip.PolicyDocument, src)
		if err != nil {
			return err
		}
		pr.Inline = append(pr.Inline, pol)
	}
	return nil
}

func (l *authzLoader) attach(p *authzPage, path string, pr *iam.Principal, list []authzAttached) {
	for i, a := range list {
		pol := l.managedPolicy(a.PolicyArn, fmt.Sprintf("%s.AttachedManagedPolicies[%d]", p.where(path), i), pr)
		if pol != nil {
			pr.Managed = append(pr.Managed, pol)
		}
	}
}

func (l *authzLoader) boundary(p *authzPage, path string, pr *iam.Principal, b *authzBoundary) {
	if b == nil || b.PermissionsBoundaryArn == "" {
		return
	}
	pol := l.managedPolicy(b.PermissionsBoundaryArn, p.where(path+".PermissionsBoundary"), pr)
	if pol == nil {
		// Fail closed: a boundary we cannot read allows nothing, and
		// the principal says so.
		pol = &iam.Policy{Source: b.PermissionsBoundaryArn + " (document missing)"}
	}
	pr.Boundary = pol
}

// managedPolicy finds a managed policy's document: in the authorization
// details, else (AWS-managed policies) in the managed-policies folder. A
// policy found nowhere is a warning and marks the principal incomplete.
func (l *authzLoader) managedPolicy(arn, where string, pr *iam.Principal) *iam.Policy {
	if d, ok := l.managed[arn]; ok {
		return d.policy
	}
	if pol, ok := l.mpLoaded[arn]; ok {
		return pol
	}
	if isAWSManaged(arn) && l.mpDir != "" {
		pol, err := ReadManagedPolicy(l.mpDir, arn)
		if err == nil {
			l.mpLoaded[arn] = pol
			return pol
		}
		if !errors.Is(err, os.ErrNotExist) {
			l.model.Warn(err.Error())
		}
	}
	pr.Incomplete = append(pr.Incomplete, "managed policy "+arn+" document not found")
	if l.missing == nil {
		l.missing = map[string]bool{}
	}
	if !l.missing[arn] {
		l.missing[arn] = true
		hint := ""
		if isAWSManaged(arn) {
			hint = " (give --managed-policies DIR, which `parapet iam fetch-managed-policies` fills)"
		}
		l.model.Warn(fmt.Sprintf("%s: managed policy %s is attached but its document is not in the input%s; principals using it are marked incomplete and its permissions are not counted", where, arn, hint))
	}
	return nil
}

func isAWSManaged(arn string) bool {
	return strings.Contains(arn, ":iam::aws:policy/")
}

func (l *authzLoader) add(pr *iam.Principal) {
	l.model.AddPrincipal(pr)
	kind := map[string]string{iam.KindUser: inventory.KindIAMUser, iam.KindRole: inventory.KindIAMRole, iam.KindGroup: inventory.KindIAMGroup}[pr.Kind]
	props := map[string]any{"path": pr.Path}
	if pr.ID != "" {
		props["id"] = pr.ID
	}
	if pr.ServiceLinked {
		props["service_linked"] = true
	}
	if pr.Boundary != nil {
		props["permissions_boundary"] = pr.Boundary.Source
	}
	if len(pr.Incomplete) > 0 {
		inc := append([]string(nil), pr.Incomplete...)
		sort.Strings(inc)
		props["incomplete"] = inc
	}
	var tags map[string]string
	if len(pr.Tags) > 0 {
		tags = pr.Tags
	}
	l.snap.Add(&inventory.Node{
		ID: pr.ARN, Kind: kind, Provider: "aws", Account: pr.Account, Name: pr.Name,
		Tags: tags, Props: props, Source: pr.Source,
	})
}
