package iam

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Principal kinds.
const (
	KindUser  = "user"
	KindRole  = "role"
	KindGroup = "group"
)

// Principal is an IAM user, role or group with its policies.
type Principal struct {
	ARN, Kind, Name, Account, Path, ID string

	Inline, Managed []*Policy // identity policies; a user's groups' policies are reached through Groups
	Groups          []string  // group ARNs (users)
	Boundary        *Policy   // permissions boundary, or nil
	Trust           *Policy   // roles: the trust policy (AssumeRolePolicyDocument)
	ServiceLinked   bool      // roles under /aws-service-role/: exempt from SCPs and RCPs

	// Tags are the principal's tags (aws:PrincipalTag/*). TagsKnown says
	// whether the input listed them; when it did not, tag conditions are
	// left to the request ("conditional").
	Tags      map[string]string
	TagsKnown bool

	// Incomplete lists what is missing from the input for this principal
	// (for example a managed policy whose document was not found), so that
	// "not allowed" can be read as "not allowed by what we know".
	Incomplete []string

	Source string // file and JSON path where it was read

	prep *prepared // index built on first evaluation
}

// OrgPolicyKind says whether an organization policy is a service control
// policy (limits principals of member accounts) or a resource control policy
// (limits resources in member accounts).
type OrgPolicyKind int

// Organization policy kinds.
const (
	SCP OrgPolicyKind = iota + 1
	RCP
)

// String returns "SCP" or "RCP".
func (k OrgPolicyKind) String() string {
	switch k {
	case SCP:
		return "SCP"
	case RCP:
		return "RCP"
	}
	return "OrgPolicyKind(" + strconv.Itoa(int(k)) + ")"
}

// Organization is the AWS Organizations tree that SCPs and RCPs apply
// along.
type Organization struct {
	ID                string // o-...
	ManagementAccount string // account ID; exempt from SCPs and RCPs
	// Parents maps an account ID or OU ID to its parent (an OU ID or the
	// root ID r-...). The root has no parent.
	Parents map[string]string
}

// Path returns the targets from the root down to id (inclusive), or nil
// when id is not in the tree.
func (o *Organization) Path(id string) []string {
	if o == nil || o.Parents == nil {
		return nil
	}
	if _, ok := o.Parents[id]; !ok {
		return nil
	}
	var path []string
	seen := map[string]bool{}
	for cur := id; cur != ""; cur = o.Parents[cur] {
		if seen[cur] {
			break // a cycle in bad input; stop rather than loop
		}
		seen[cur] = true
		path = append(path, cur)
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path
}

type orgPolicy struct {
	kind    OrgPolicyKind
	policy  *Policy
	targets []string
}

// Model is an AWS estate for policy evaluation: principals of one or several
// accounts, resource-based policies, and the organization's SCPs and RCPs.
// Build it, then evaluate: Evaluate may be called from many goroutines at
// once, but not while the model is being changed.
type Model struct {
	principals map[string]*Principal
	sorted     []*Principal

	resourcePolicies map[string]*Policy
	resourceOwners   map[string]string

	org         *Organization
	orgPolicies []orgPolicy

	at                time.Time
	atText, epochText string

	once     sync.Once
	levels   map[string]*orgLevels // account ID -> SCP and RCP levels
	accounts map[string]bool       // accounts with principals in the model
	values   interner
	svcIDs   map[string]int32 // service prefix -> ID, for statement indexes
	atVals   []string         // aws:CurrentTime, aws:EpochTime
	warnings []string
}

// NewModel returns an empty model whose analysis time is now.
func NewModel() *Model {
	m := &Model{
		principals:       map[string]*Principal{},
		resourcePolicies: map[string]*Policy{},
		resourceOwners:   map[string]string{},
	}
	m.At(time.Now())
	return m
}

func (m *Model) changed() { m.once = sync.Once{} }

// At sets the analysis time: date conditions and aws:CurrentTime are judged
// at t.
func (m *Model) At(t time.Time) {
	m.at = t.UTC()
	m.atText = m.at.Format(time.RFC3339)
	m.epochText = strconv.FormatInt(m.at.Unix(), 10)
	m.atVals = []string{m.atText, m.epochText}
}

// Time returns the analysis time.
func (m *Model) Time() time.Time { return m.at }

// AddPrincipal adds or replaces a principal, keyed by its ARN.
func (m *Model) AddPrincipal(p *Principal) {
	p.prep = nil
	m.principals[p.ARN] = p
	m.sorted = nil
	m.changed()
}

// Principals returns every principal, sorted by ARN. The slice is shared:
// do not modify it.
func (m *Model) Principals() []*Principal {
	m.prepare()
	return m.sorted
}

// Principal returns the principal with that ARN, or nil.
func (m *Model) Principal(arn string) *Principal { return m.principals[arn] }

// SetResourcePolicy sets the resource-based policy of a resource (an S3
// bucket, KMS key, Lambda function, SQS queue, SNS topic, secret, ECR
// repository...). A role's trust policy is Principal.Trust, not set here.
func (m *Model) SetResourcePolicy(resourceARN string, p *Policy) {
	m.resourcePolicies[resourceARN] = p
	m.changed()
}

// ResourcePolicy returns the resource-based policy set for the resource, or
// for an S3 object the policy of its bucket; nil when none is known.
func (m *Model) ResourcePolicy(resourceARN string) *Policy {
	if p, ok := m.resourcePolicies[resourceARN]; ok {
		return p
	}
	if strings.HasPrefix(resourceARN, "arn:aws:s3:::") || strings.HasPrefix(resourceARN, "arn:aws-") {
		if i := strings.IndexByte(resourceARN, '/'); i > 0 && arnPart(resourceARN, 2) == "s3" {
			return m.resourcePolicies[resourceARN[:i]]
		}
	}
	return nil
}

// ResourcePolicies returns the ARNs of resources with a resource-based
// policy, sorted.
func (m *Model) ResourcePolicies() []string {
	return sortedKeys(m.resourcePolicies)
}

// SetResourceOwner records the account that owns a resource whose ARN does
// not name it (S3 buckets).
func (m *Model) SetResourceOwner(resourceARN, account string) {
	m.resourceOwners[resourceARN] = account
	m.changed()
}

// ResourceAccount returns the account that owns the resource: from the ARN,
// or as recorded by SetResourceOwner (for an S3 object, its bucket's).
func (m *Model) ResourceAccount(resourceARN string) string {
	if a := arnPart(resourceARN, 4); a != "" {
		return a
	}
	if a, ok := m.resourceOwners[resourceARN]; ok {
		return a
	}
	if arnPart(resourceARN, 2) == "s3" {
		if i := strings.IndexByte(resourceARN, '/'); i > 0 {
			return m.resourceOwners[resourceARN[:i]]
		}
	}
	return ""
}

// SetOrganization sets the AWS Organizations tree.
func (m *Model) SetOrganization(o *Organization) {
	m.org = o
	m.changed()
}

// Organization returns the organization tree, or nil.
func (m *Model) Organization() *Organization { return m.org }

// AddOrgPolicy attaches an SCP or RCP to targets: the root ID, OU IDs or
// account IDs.
func (m *Model) AddOrgPolicy(kind OrgPolicyKind, p *Policy, targets ...string) {
	m.orgPolicies = append(m.orgPolicies, orgPolicy{kind: kind, policy: p, targets: targets})
	m.changed()
}

// Warn records a problem with the input that does not stop evaluation (a
// missing managed policy document, for example).
func (m *Model) Warn(msg string) { m.warnings = append(m.warnings, msg) }

// Warnings returns the recorded input problems, in the order recorded.
func (m *Model) Warnings() []string { return m.warnings }

// orgLevels holds, for one account, the statements of the SCPs (or RCPs)
// attached at each level from the root down to the account.
type orgLevels struct {
	scp, rcp []orgLevel
	path     string // aws:PrincipalOrgPaths value: o-.../r-.../ou-.../
}

type orgLevel struct {
	target string
	stmts  []*Statement
}

// prepare builds the indexes Evaluate uses; it runs once after each change.
func (m *Model) prepare() {
	m.once.Do(func() {
		m.sorted = make([]*Principal, 0, len(m.principals))
		for _, p := range m.principals {
			m.sorted = append(m.sorted, p)
		}
		sort.Slice(m.sorted, func(i, j int) bool { return m.sorted[i].ARN < m.sorted[j].ARN })
		m.accounts = map[string]bool{}
		for _, p := range m.principals {
			m.accounts[p.Account] = true
		}
		m.levels = map[string]*orgLevels{}
		m.svcIDs = map[string]int32{}
		defer func() {
			for _, p := range m.principals {
				m.preparePrincipal(p)
			}
		}()
		if m.org == nil {
			return
		}
		attached := map[OrgPolicyKind]map[string][]*Statement{SCP: {}, RCP: {}}
		for _, op := range m.orgPolicies {
			for _, t := range op.targets {
				attached[op.kind][t] = append(attached[op.kind][t], op.policy.Statements...)
			}
		}
		for id := range m.org.Parents {
			if !isAccountID(id) {
				continue
			}
			path := m.org.Path(id)
			lv := &orgLevels{}
			var orgPath strings.Builder
			orgPath.WriteString(m.org.ID)
			orgPath.WriteByte('/')
			for _, t := range path {
				if t == id {
					break
				}
				orgPath.WriteString(t)
				orgPath.WriteByte('/')
			}
			lv.path = orgPath.String()
			for _, t := range path {
				// AWS keeps at least one SCP attached at every level; a
				// level with none in the input is taken as FullAWSAccess.
				if st, ok := attached[SCP][t]; ok {
					lv.scp = append(lv.scp, orgLevel{target: t, stmts: st})
				}
				// RCPFullAWSAccess is attached everywhere and cannot be
				// detached: a level without RCPs in the input allows all.
				if st, ok := attached[RCP][t]; ok {
					lv.rcp = append(lv.rcp, orgLevel{target: t, stmts: st})
				}
			}
			m.levels[id] = lv
		}
	})
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// interner hands out one-element value slices for condition keys, so that
// lookups allocate nothing after the first use of a value.
type interner struct {
	mu sync.RWMutex
	m  map[string][]string
}

func (in *interner) get(s string) []string {
	in.mu.RLock()
	v, ok := in.m[s]
	in.mu.RUnlock()
	if ok {
		return v
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if v, ok := in.m[s]; ok {
		return v
	}
	if in.m == nil {
		in.m = map[string][]string{}
	}
	v = []string{s}
	in.m[s] = v
	return v
}

var (
	trueVals      = []string{"true"}
	falseVals     = []string{"false"}
	anonymousType = []string{"Anonymous"}
	userType      = []string{"User"}
	roleType      = []string{"AssumedRole"}
)

// prepared is a principal's precomputed evaluation data: its identity
// statements indexed by service prefix and its context key values.
type prepared struct {
	identity stmtIndex
	boundary stmtIndex

	org *orgLevels // the principal's account in the organization, or nil
	// sessionTags is set for a role whose trust policy lets callers pass
	// session tags (sts:TagSession), which override the role's own tags:
	// aws:PrincipalTag is then the request's to tell.
	sessionTags bool

	arn, account, ptype, name, id []string
	tags                          map[string][]string // lower-case tag key
}

// stmtIndex indexes statements by the service prefixes of their actions.
// Services are the model's small integer IDs, kept in a sorted array: one
// principal's index stays in a few cache lines, where a map per principal
// would miss the cache on every evaluation of a large estate.
type stmtIndex struct {
	svcs  []int32     // sorted service IDs
	lists [][]indexed // statements per service, parallel to svcs
	any   []indexed   // statements whose actions may match any service
	n     int
}

// indexed is a statement in an index with the action patterns that can
// match there: those of the indexed service, or all of them.
type indexed struct {
	s    *Statement
	acts []pattern
	not  bool // NotAction: the statement matches when no pattern does
}

func (ix *stmtIndex) build(m *Model, policies ...*Policy) {
	type entry struct {
		id int32
		e  indexed
	}
	var byID []entry
	for _, p := range policies {
		if p == nil {
			continue
		}
		for _, s := range p.Statements {
			ix.n++
			if s.c == nil {
				continue // not compiled: Policy.Compile was not called
			}
			if s.c.services == nil {
				ix.any = append(ix.any, indexed{s: s, acts: s.c.actions, not: s.c.notAction})
				continue
			}
			for _, svc := range s.c.services {
				byID = append(byID, entry{m.serviceID(svc), indexed{s: s, acts: s.c.actionsFor(svc)}})
			}
		}
	}
	// Group by service, keeping statement order within each.
	sort.SliceStable(byID, func(i, j int) bool { return byID[i].id < byID[j].id })
	flat := make([]indexed, len(byID))
	for i := range byID {
		flat[i] = byID[i].e
		if i == 0 || byID[i].id != byID[i-1].id {
			ix.svcs = append(ix.svcs, byID[i].id)
			ix.lists = append(ix.lists, nil)
		}
		n := len(ix.lists) - 1
		start := i - len(ix.lists[n])
		ix.lists[n] = flat[start : i+1 : i+1]
	}
}

// forService returns the statements indexed under service id.
func (ix *stmtIndex) forService(id int32) []indexed {
	lo, hi := 0, len(ix.svcs)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if ix.svcs[mid] < id {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(ix.svcs) && ix.svcs[lo] == id {
		return ix.lists[lo]
	}
	return nil
}

// serviceID returns the ID of a lower-case service prefix, assigning one
// while the model is being prepared.
func (m *Model) serviceID(svc string) int32 {
	if id, ok := m.svcIDs[svc]; ok {
		return id
	}
	id := int32(len(m.svcIDs))
	m.svcIDs[svc] = id
	return id
}

// identityPolicies returns every identity-based policy of p: its inline and
// managed policies and those of its groups.
func (m *Model) identityPolicies(p *Principal) []*Policy {
	out := append(append([]*Policy(nil), p.Inline...), p.Managed...)
	for _, g := range p.Groups {
		if gp := m.principals[g]; gp != nil {
			out = append(append(out, gp.Inline...), gp.Managed...)
		}
	}
	return out
}

func (m *Model) preparePrincipal(p *Principal) {
	pr := &prepared{}
	pr.identity.build(m, m.identityPolicies(p)...)
	if p.Boundary != nil {
		pr.boundary.build(m, p.Boundary)
	}
	pr.org = m.levels[p.Account]
	pr.arn = []string{p.ARN}
	pr.account = []string{p.Account}
	pr.name = []string{p.Name}
	pr.id = []string{p.ID}
	switch p.Kind {
	case KindUser:
		pr.ptype = userType
	default:
		pr.ptype = roleType
	}
	if p.Kind == KindRole && p.Trust != nil {
		for _, s := range p.Trust.Statements {
			if s.Effect == "Allow" && s.c != nil && s.c.matchesAction("sts:TagSession") {
				pr.sessionTags = true
			}
		}
	}
	pr.tags = make(map[string][]string, len(p.Tags))
	for k, v := range p.Tags {
		pr.tags[strings.ToLower(k)] = []string{v}
	}
	p.prep = pr
}
