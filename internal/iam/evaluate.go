package iam

import (
	"sort"
	"strconv"
	"strings"
)

// compiled holds a statement's matchers.
type compiled struct {
	actions   []pattern // Action or NotAction, case-insensitive
	notAction bool

	resources   []pattern // Resource or NotResource, case-sensitive
	notResource bool
	anyResource bool // no Resource element (trust and some resource policies)

	principals   []principalPat // Principal or NotPrincipal
	notPrincipal bool
	hasPrincipal bool

	conds []*cond

	self []*Statement // the statement alone, shared by decisions it decides

	// services lists the lower-case service prefixes the statement's
	// actions can match; nil means any service (wildcards in the service
	// part, or NotAction).
	services []string
	// svcRanges, when services is set, gives for each service the range
	// of actions (sorted by service) that can match it, so that a request
	// is matched only against its own service's patterns.
	svcRanges []svcRange
}

type svcRange struct {
	svc    string
	lo, hi int
}

type principalPatKind uint8

const (
	ppAll       principalPatKind = iota // "*" or {"AWS": "*"}
	ppAccount                           // an account: "123456789012" or its root ARN
	ppARN                               // a user, role, assumed-role session or other IAM ARN
	ppService                           // a service principal: lambda.amazonaws.com
	ppFederated                         // an identity provider
	ppCanonical                         // an S3 canonical user
)

type principalPat struct {
	kind    principalPatKind
	value   string // account ID, ARN, service or provider
	account string // for ppARN
	raw     string
}

func compileStatement(s *Statement, path string) (*compiled, error) {
	c := &compiled{}
	acts, actElem := s.Action, ".Action["
	if s.NotAction != nil {
		acts, actElem, c.notAction = s.NotAction, ".NotAction[", true
	}
	anySvc := c.notAction
	seen := map[string]bool{}
	for i, a := range acts {
		p, err := compilePattern(a, true, true)
		if err != nil {
			return nil, perr(path+actElem+strconv.Itoa(i)+"]", "%v", err)
		}
		c.actions = append(c.actions, p)
		svc := strings.ToLower(serviceOf(a))
		if strings.ContainsAny(svc, "*?$") || !strings.Contains(a, ":") {
			anySvc = true
		} else if !seen[svc] {
			seen[svc] = true
			c.services = append(c.services, svc)
		}
	}
	if anySvc {
		c.services = nil
	} else {
		sort.SliceStable(c.actions, func(i, j int) bool {
			return strings.ToLower(serviceOf(c.actions[i].raw)) < strings.ToLower(serviceOf(c.actions[j].raw))
		})
		for i := range c.actions {
			svc := strings.ToLower(serviceOf(c.actions[i].raw))
			if n := len(c.svcRanges); n > 0 && c.svcRanges[n-1].svc == svc {
				c.svcRanges[n-1].hi = i + 1
				continue
			}
			c.svcRanges = append(c.svcRanges, svcRange{svc: svc, lo: i, hi: i + 1})
		}
	}
	res, resElem := s.Resource, ".Resource["
	if s.NotResource != nil {
		res, resElem, c.notResource = s.NotResource, ".NotResource[", true
	}
	c.anyResource = res == nil
	for i, r := range res {
		p, err := compilePattern(r, true, false)
		if err != nil {
			return nil, perr(path+resElem+strconv.Itoa(i)+"]", "%v", err)
		}
		c.resources = append(c.resources, p)
	}
	pr := s.Principal
	if s.NotPrincipal != nil {
		pr, c.notPrincipal = s.NotPrincipal, true
	}
	c.hasPrincipal = pr != nil
	for _, typ := range sortedKeys(pr) {
		for _, v := range pr[typ] {
			c.principals = append(c.principals, compilePrincipal(typ, v))
		}
	}
	conds, err := compileConditions(s.Condition, path)
	if err != nil {
		return nil, err
	}
	c.conds = conds
	c.self = []*Statement{s}
	return c, nil
}

func compilePrincipal(typ, v string) principalPat {
	pp := principalPat{raw: v, value: v}
	switch typ {
	case "*":
		pp.kind = ppAll
	case "AWS":
		switch {
		case v == "*":
			pp.kind = ppAll
		case isAccountID(v):
			pp.kind = ppAccount
		case strings.HasPrefix(v, "arn:") && arnPart(v, 5) == "root":
			pp.kind, pp.value = ppAccount, arnPart(v, 4)
		default:
			pp.kind, pp.account = ppARN, arnPart(v, 4)
		}
	case "Service":
		pp.kind = ppService
	case "Federated":
		pp.kind = ppFederated
	default:
		pp.kind = ppCanonical
	}
	return pp
}

// Result is the answer to a request: denied, allowed, or allowed only under
// conditions that the request context decides.
type Result int

// Results. Denied is the zero value: fail closed.
const (
	Denied Result = iota
	Allowed
	Conditional
)

// String returns "allowed", "denied" or "conditional".
func (r Result) String() string {
	switch r {
	case Allowed:
		return "allowed"
	case Conditional:
		return "conditional"
	}
	return "denied"
}

// Request is one API call to evaluate.
type Request struct {
	// Principal is the ARN of the caller: a user or role in the model (an
	// assumed-role session ARN is evaluated as its role); "*" for an
	// anonymous caller; an account root ARN or account ID of an account
	// outside the model for "any principal of that account", or a user or
	// role ARN of such an account (whose own identity policies and SCPs are
	// taken to allow); a service principal such as "lambda.amazonaws.com";
	// or an identity provider (an oidc-provider or saml-provider ARN, or
	// accounts.google.com, cognito-identity.amazonaws.com...) for its users
	// calling sts:AssumeRoleWithWebIdentity or sts:AssumeRoleWithSAML.
	Principal string
	Action    string // "iam:PassRole"
	Resource  string // ARN, or "*" for actions without resource-level permissions
	// Context holds known request context values (aws:SourceIp, ...). Keys
	// are matched without regard to case. A key not given and not known
	// from the principal or resource makes conditions on it "conditional".
	Context       map[string][]string
	SessionPolicy *Policy // optional
}

// Decision is the answer to a Request.
type Decision struct {
	Result Result
	// Conditions, when Result is Conditional, say when the request is
	// allowed: every condition that is not Negated must hold, and for each
	// Deny statement that contributed Negated conditions, at least one of
	// them must hold (that is, the deny must not apply). GroupConditions
	// presents them that way.
	Conditions []Condition
	// Statements are the deciding statements: the allows that grant, or
	// the explicit deny. The slice may be shared between decisions: do
	// not modify it.
	Statements []*Statement
	Reason     string
}

// keyState says what is known about a condition key for a request.
type keyState uint8

const (
	keyUnknown keyState = iota // only the request can tell
	keyKnown                   // present with known values
	keyAbsent                  // known not to be in the request
)

type callerKind uint8

const (
	callerPrincipal callerKind = iota // a user or role of the model
	callerAnonymous                   // unauthenticated
	callerAccount                     // any principal of an account outside the model, or its root
	callerService                     // an AWS service principal
	callerFederated                   // a web identity or SAML user of an identity provider
)

// evalCtx is the state of one evaluation; it lives on the stack.
type evalCtx struct {
	m      *Model
	req    Request
	p      *Principal
	kind   callerKind
	acct   string // caller's account
	resAcc string // resource's account ("" when unknown)
	region string // resource's region
	svc    string // action's service prefix, lower case
	svcID  int32  // its ID in the model's statement indexes, or -1
	// callerARN is the ARN of a named user or role outside the model.
	callerARN string
	org       *orgLevels // caller's account in the organization, or nil
	resOrg    *orgLevels // resource's account in the organization, or nil
}

// lookup returns what is known of a condition key (lower case).
func (ec *evalCtx) lookup(key string) ([]string, keyState) {
	for k, v := range ec.req.Context {
		if strings.EqualFold(k, key) {
			return v, keyKnown
		}
	}
	if !strings.HasPrefix(key, "aws:") {
		return nil, keyUnknown
	}
	p := ec.p
	switch key {
	case "aws:currenttime":
		return ec.m.atVals[:1], keyKnown
	case "aws:epochtime":
		return ec.m.atVals[1:2], keyKnown
	case "aws:requestedregion":
		if ec.region != "" {
			return ec.m.values.get(ec.region), keyKnown
		}
		if globalServices[ec.svc] {
			// A global service has one endpoint, in the partition's
			// home region, and requests to it carry that region.
			switch arnPart(ec.req.Resource, 1) {
			case "aws-cn":
				return ec.m.values.get("cn-north-1"), keyKnown
			case "aws-us-gov":
				return ec.m.values.get("us-gov-west-1"), keyKnown
			}
			return ec.m.values.get("us-east-1"), keyKnown
		}
		return nil, keyUnknown
	case "aws:resourceaccount":
		if ec.resAcc != "" {
			return ec.m.values.get(ec.resAcc), keyKnown
		}
		return nil, keyUnknown
	case "aws:resourceorgid":
		if ec.resOrg != nil && ec.m.org.ID != "" {
			return ec.m.values.get(ec.m.org.ID), keyKnown
		}
		return nil, keyUnknown
	}
	switch ec.kind {
	case callerAnonymous:
		if strings.HasPrefix(key, "aws:principal") || key == "aws:username" || key == "aws:userid" {
			if key == "aws:principaltype" {
				return anonymousType, keyKnown
			}
			return nil, keyAbsent
		}
		return nil, keyUnknown
	case callerAccount:
		switch key {
		case "aws:principalaccount":
			return ec.m.values.get(ec.acct), keyKnown
		case "aws:principalisawsservice":
			return falseVals, keyKnown
		case "aws:principalorgid", "aws:principalorgpaths":
			return ec.orgKey(key)
		case "aws:principalarn":
			if ec.callerARN != "" {
				return ec.m.values.get(ec.callerARN), keyKnown
			}
		}
		return nil, keyUnknown
	case callerService:
		switch key {
		case "aws:principalisawsservice":
			return trueVals, keyKnown
		case "aws:principalservicename":
			return ec.m.values.get(ec.req.Principal), keyKnown
		}
		return nil, keyUnknown
	}
	pr := p.prep
	switch key {
	case "aws:principalarn":
		return pr.arn, keyKnown
	case "aws:principalaccount":
		return pr.account, keyKnown
	case "aws:principaltype":
		return pr.ptype, keyKnown
	case "aws:username":
		if p.Kind == KindUser {
			return pr.name, keyKnown
		}
		return nil, keyAbsent
	case "aws:userid":
		if p.Kind == KindUser && p.ID != "" {
			return pr.id, keyKnown
		}
		return nil, keyUnknown // a role's is ROLEID:session-name
	case "aws:principalisawsservice":
		return falseVals, keyKnown
	case "aws:principalservicename":
		return nil, keyAbsent
	case "aws:principalorgid", "aws:principalorgpaths":
		return ec.orgKey(key)
	}
	if strings.HasPrefix(key, "aws:principaltag/") {
		if !p.TagsKnown {
			return nil, keyUnknown
		}
		if v, ok := pr.tags[key[len("aws:principaltag/"):]]; ok {
			return v, keyKnown
		}
		return nil, keyAbsent
	}
	return nil, keyUnknown
}

// orgKey answers aws:PrincipalOrgID and aws:PrincipalOrgPaths: known when
// the caller's account is in the organization given; taken as absent when
// an organization was given and the account is not in it (it belongs to
// another organization or none, so it never equals this one's values);
// unknown without organization data.
func (ec *evalCtx) orgKey(key string) ([]string, keyState) {
	switch {
	case ec.org != nil && ec.m.org.ID != "":
		if key == "aws:principalorgid" {
			return ec.m.values.get(ec.m.org.ID), keyKnown
		}
		return ec.m.values.get(ec.org.path), keyKnown
	case ec.m.org != nil && ec.m.org.ID != "" && ec.org == nil:
		return nil, keyAbsent
	}
	return nil, keyUnknown
}

// verdict is the allow answer of one policy or policy set.
type verdict struct {
	st    tri
	stmt  *Statement  // the granting statement
	conds []Condition // when st is triUnknown
	alts  int         // conditional statements seen: more than one means other ways to be allowed
}

// offer records an allow statement's answer, keeping an unconditional one
// over a conditional one, and the conditional one with fewest conditions.
func (v *verdict) offer(st tri, s *Statement, conds []Condition) {
	v.offerAlts(st, s, conds, 1)
}

func (v *verdict) offerAlts(st tri, s *Statement, conds []Condition, alts int) {
	if st == triUnknown {
		alts += v.alts
	} else {
		alts = v.alts
	}
	switch {
	case st == triYes && v.st != triYes:
		*v = verdict{st: triYes, stmt: s}
	case st == triUnknown && (v.st == triNo || v.st == triUnknown && len(conds) < len(v.conds)):
		*v = verdict{st: triUnknown, stmt: s, conds: conds}
	}
	v.alts = alts
}

// setEval is what one policy set (identity policies, a boundary, an SCP
// level, a resource policy) says about a request.
type setEval struct {
	deny      *Statement  // an explicit deny that applies
	denyConds []Condition // conditions of denies that apply if they hold (negated)
	allow     verdict     // identity-style sets
	direct    verdict     // resource policies: allows naming the caller itself (or "*")
	account   verdict     // resource policies: allows naming the caller's account
}

func (ec *evalCtx) evalIndex(ix *stmtIndex, out *setEval) {
	if ec.svcID >= 0 {
		ec.evalIndexed(ix.forService(ec.svcID), out)
	}
	ec.evalIndexed(ix.any, out)
}

func (ec *evalCtx) evalPolicy(p *Policy, resource bool, out *setEval) {
	if p != nil {
		ec.evalStatements(p.Statements, resource, out)
	}
}

// evalStatements evaluates statements into out. resource says the
// statements are resource-based (their Principal element counts).
func (ec *evalCtx) evalStatements(stmts []*Statement, resource bool, out *setEval) {
	for _, s := range stmts {
		if out.deny != nil {
			return
		}
		if s.c == nil || !ec.matchAction(s.c) {
			continue
		}
		ec.applyStatement(s, resource, out)
	}
}

// evalIndexed evaluates indexed identity statements: their actions for the
// request's service sit in the index entry, so statements whose actions do
// not match cost no pointer chase.
func (ec *evalCtx) evalIndexed(list []indexed, out *setEval) {
	for i := range list {
		if out.deny != nil {
			return
		}
		e := &list[i]
		if ec.matchActions(e.acts) == e.not {
			continue
		}
		ec.applyStatement(e.s, false, out)
	}
}

// applyStatement adds a statement whose action matches to out, after its
// resource, principal and conditions.
func (ec *evalCtx) applyStatement(s *Statement, resource bool, out *setEval) {
	c := s.c
	var conds []Condition
	st := ec.matchResource(s, &conds)
	if st == triNo {
		return
	}
	pm := pmNone
	if resource || c.hasPrincipal {
		pm = ec.matchPrincipal(s, &conds)
		if pm == pmNone {
			return
		}
	}
	cst := ec.matchConditions(s, &conds)
	if cst == triNo {
		return
	}
	if cst == triUnknown || pm == pmUnknown {
		st = triUnknown
	}
	if s.Effect == "Deny" {
		if st == triYes {
			out.deny = s
			return
		}
		for _, cd := range conds {
			cd.Negated = !cd.Negated
			out.denyConds = append(out.denyConds, cd)
		}
		return
	}
	if !resource {
		out.allow.offer(st, s, conds)
		return
	}
	switch pm {
	case pmAccount:
		out.account.offer(st, s, conds)
	default:
		out.direct.offer(st, s, conds)
	}
}

func (ec *evalCtx) matchAction(c *compiled) bool {
	actions := c.actions
	if c.svcRanges != nil {
		actions = c.actionsFor(ec.svc)
	}
	return ec.matchActions(actions) != c.notAction
}

// actionsFor returns the statement's action patterns of one service.
func (c *compiled) actionsFor(svc string) []pattern {
	for _, r := range c.svcRanges {
		if r.svc == svc {
			return c.actions[r.lo:r.hi]
		}
	}
	return nil
}

// matchActions reports whether the request's action matches any pattern.
func (ec *evalCtx) matchActions(actions []pattern) bool {
	a := ec.req.Action
	for i := range actions {
		p := &actions[i]
		var m bool
		if p.segs == nil {
			if p.exact {
				m = strings.EqualFold(p.raw, a)
			} else {
				m = glob(p.raw, a, true)
			}
		} else {
			u := false
			m = p.match(a, ec, &u)
		}
		if m {
			return true
		}
	}
	return false
}

func (ec *evalCtx) matchResource(s *Statement, conds *[]Condition) tri {
	c := s.c
	if c.anyResource {
		return triYes
	}
	r := ec.req.Resource
	var unknownPat *pattern
	for i := range c.resources {
		p := &c.resources[i]
		u := false
		if p.match(r, ec, &u) {
			if !u {
				if c.notResource {
					return triNo
				}
				return triYes
			}
			unknownPat = p
		}
	}
	if unknownPat == nil {
		if c.notResource {
			return triYes
		}
		return triNo
	}
	// The match depends on a policy variable only the request resolves.
	*conds = append(*conds, Condition{
		Operator:  "StringLike",
		Key:       "aws:Resource",
		Values:    []string{unknownPat.raw},
		Negated:   c.notResource,
		Statement: s,
	})
	return triUnknown
}

type principalMatch uint8

const (
	pmNone    principalMatch = iota
	pmDirect                 // names the caller (or "*")
	pmAccount                // names the caller's account
	pmUnknown                // names a principal that the caller may or may not be
)

// matchPrincipal matches the statement's Principal or NotPrincipal element
// against the caller.
func (ec *evalCtx) matchPrincipal(s *Statement, conds *[]Condition) principalMatch {
	c := s.c
	if !c.hasPrincipal {
		return pmNone
	}
	if c.notPrincipal {
		// NotPrincipal exempts the caller only when it names both the
		// caller and its account, as AWS evaluates both identities.
		named, acct := false, false
		for i := range c.principals {
			switch ec.principalMatches(&c.principals[i]) {
			case pmDirect:
				named = true
			case pmAccount:
				acct = true
			}
		}
		if named && (acct || ec.kind != callerPrincipal) {
			return pmNone
		}
		return pmDirect
	}
	best := pmNone
	for i := range c.principals {
		switch m := ec.principalMatches(&c.principals[i]); m {
		case pmDirect:
			return pmDirect
		case pmAccount:
			best = pmAccount
		case pmUnknown:
			if best == pmNone {
				best = pmUnknown
				*conds = append(*conds, Condition{
					Operator: "ArnEquals", Key: "aws:PrincipalArn",
					Values: []string{c.principals[i].raw}, Statement: s,
				})
			}
		}
	}
	return best
}

func (ec *evalCtx) principalMatches(pp *principalPat) principalMatch {
	switch pp.kind {
	case ppAll:
		return pmDirect
	case ppService:
		if ec.kind == callerService && strings.EqualFold(pp.value, ec.req.Principal) {
			return pmDirect
		}
	case ppFederated:
		if (ec.kind == callerFederated || ec.kind == callerService) && pp.value == ec.req.Principal {
			return pmDirect
		}
	case ppAccount:
		if (ec.kind == callerPrincipal || ec.kind == callerAccount) && pp.value == ec.acct {
			return pmAccount
		}
	case ppARN:
		switch ec.kind {
		case callerPrincipal:
			if pp.value == ec.p.ARN {
				return pmDirect
			}
			if ec.p.Kind == KindRole && pp.account == ec.acct && isSessionOf(pp.value, ec.p) {
				return pmDirect
			}
		case callerAccount:
			switch {
			case ec.callerARN != "":
				if pp.value == ec.callerARN {
					return pmDirect
				}
			case pp.account == ec.acct:
				return pmUnknown
			}
		}
	}
	return pmNone
}

// isSessionOf reports whether arn is an assumed-role session ARN of role p:
// arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION.
func isSessionOf(arn string, p *Principal) bool {
	if arnPart(arn, 2) != "sts" {
		return false
	}
	r := arnPart(arn, 5)
	const pre = "assumed-role/"
	if !strings.HasPrefix(r, pre) {
		return false
	}
	r = r[len(pre):]
	return len(r) > len(p.Name) && r[:len(p.Name)] == p.Name && r[len(p.Name)] == '/'
}

func (ec *evalCtx) matchConditions(s *Statement, conds *[]Condition) tri {
	res := triYes
	mark := len(*conds)
	for _, c := range s.c.conds {
		switch c.eval(ec) {
		case triNo:
			*conds = (*conds)[:mark]
			return triNo
		case triUnknown:
			res = triUnknown
			*conds = append(*conds, Condition{Operator: c.opName, Key: c.key, Values: c.values, Statement: s})
		}
	}
	return res
}

// globalServices have a single endpoint, so aws:RequestedRegion is the
// partition's home region (us-east-1 in the aws partition).
var globalServices = map[string]bool{
	"iam": true, "organizations": true, "route53": true, "cloudfront": true,
	"support": true, "budgets": true, "globalaccelerator": true, "shield": true,
}

// rcpServices are the services whose resources resource control policies
// apply to.
var rcpServices = map[string]bool{
	"s3": true, "sts": true, "kms": true, "sqs": true, "secretsmanager": true,
	"ecr": true, "aoss": true, "cognito-idp": true, "logs": true, "dynamodb": true,
}

const maxOrgDepth = 8 // root + up to 5 OU levels + account, with room

// Evaluate decides whether the request is allowed, following AWS's policy
// evaluation logic: an explicit deny in any applicable policy wins; every
// level of SCPs (for principals of member accounts) must allow, and RCPs
// (for resources in member accounts) must not deny; a resource-based policy
// may grant on its own within the account when it names the caller itself,
// while one naming the account, and every cross-account request, also needs
// the caller's identity-based policies; identity-based grants are limited by
// the permissions boundary and session policy. Where a deciding condition
// depends on request context not known, the result is Conditional with the
// conditions that must hold.
func (m *Model) Evaluate(r Request) Decision {
	m.prepare()
	ec := evalCtx{m: m, req: r}
	if d, ok := ec.identifyCaller(); !ok {
		return d
	}
	ec.setService(r.Action)
	ec.region = arnPart(r.Resource, 3)
	ec.resAcc = m.ResourceAccount(r.Resource)
	sameAccount := ec.resAcc == "" || ec.resAcc == ec.acct
	if ec.resAcc != "" && m.org != nil {
		if ec.resAcc == ec.acct {
			ec.resOrg = ec.org
		} else {
			ec.resOrg = m.levels[ec.resAcc]
		}
	}
	p := ec.p
	if p != nil && p.Kind == KindGroup {
		return Decision{Result: Denied, Reason: "a group is not a principal: it cannot make requests"}
	}

	// Gather what every applicable policy says; an explicit deny anywhere
	// wins, and the denies that apply only under unknown conditions are
	// kept as negated conditions.
	var id, bnd, sess, res setEval
	var scpLv, rcpLv []orgLevel
	if ec.kind == callerPrincipal {
		ec.evalIndex(&p.prep.identity, &id)
		if p.Boundary != nil {
			ec.evalIndex(&p.prep.boundary, &bnd)
		}
		if r.SessionPolicy != nil {
			ec.evalPolicy(r.SessionPolicy, false, &sess)
		}
		if ec.org != nil && !p.ServiceLinked && p.Account != m.org.ManagementAccount {
			scpLv = ec.org.scp
		}
	}
	if ec.resOrg != nil && ec.resAcc != m.org.ManagementAccount && rcpServices[ec.svc] &&
		!(p != nil && p.ServiceLinked) && ec.kind != callerService {
		rcpLv = ec.resOrg.rcp
	}
	if len(scpLv) > maxOrgDepth || len(rcpLv) > maxOrgDepth {
		// AWS allows five levels of OUs; a deeper tree is bad input, and
		// skipping levels could hide a deny.
		return Decision{Result: Denied, Reason: "the organization tree is deeper than AWS allows; check the --scp input"}
	}
	var denyConds []Condition
	var scpAllow [maxOrgDepth]verdict
	for i := range scpLv {
		var lv setEval
		ec.evalStatements(scpLv[i].stmts, false, &lv)
		if lv.deny != nil {
			return denied(lv.deny, "explicitly denied by an SCP attached to "+scpLv[i].target)
		}
		denyConds = append(denyConds, lv.denyConds...)
		scpAllow[i] = lv.allow
	}
	for i := range rcpLv {
		var lv setEval
		ec.evalStatements(rcpLv[i].stmts, true, &lv)
		if lv.deny != nil {
			return denied(lv.deny, "explicitly denied by an RCP attached to "+rcpLv[i].target)
		}
		denyConds = append(denyConds, lv.denyConds...)
	}
	rp, required, what := ec.resourcePolicy()
	ec.evalPolicy(rp, true, &res)
	if res.deny != nil {
		return denied(res.deny, "explicitly denied by the "+what)
	}
	if bnd.deny != nil {
		return denied(bnd.deny, "explicitly denied by the permissions boundary")
	}
	if sess.deny != nil {
		return denied(sess.deny, "explicitly denied by the session policy")
	}
	if id.deny != nil {
		return denied(id.deny, "explicitly denied by an identity-based policy")
	}
	for _, set := range [...]*setEval{&res, &bnd, &sess, &id} {
		denyConds = append(denyConds, set.denyConds...)
	}

	// Every SCP level must allow. RCPs need no allow: RCPFullAWSAccess is
	// attached at every level and cannot be detached, so only their denies
	// (above) restrict.
	var acc accumulator
	for i := range scpLv {
		if !acc.andSilent(scpAllow[i]) {
			return Decision{Result: Denied, Reason: "not allowed by the SCPs attached to " + scpLv[i].target}
		}
	}
	// Then the identity side and the resource side.
	switch ec.kind {
	case callerAnonymous, callerService, callerFederated:
		if !acc.and(res.direct) {
			return Decision{Result: Denied, Reason: "no resource-based policy allows this caller"}
		}
		return acc.decision(reasons[what].resource, denyConds)
	case callerAccount:
		v := res.direct
		v.or(res.account)
		if !acc.and(v) {
			return Decision{Result: Denied, Reason: "no resource-based policy allows principals of account " + ec.acct}
		}
		return acc.decision(reasons[what].resource, denyConds)
	}

	// identity side: identity AND boundary AND session
	idSide := id.allow
	idReason := ""
	if idSide.st == triNo {
		idReason = "no identity-based policy allows it"
	}
	if p.Boundary != nil && idSide.st != triNo {
		if bnd.allow.st == triNo {
			idReason, idSide = "not allowed by the permissions boundary", verdict{}
		}
	}
	if r.SessionPolicy != nil && idSide.st != triNo && sess.allow.st == triNo {
		idReason, idSide = "not allowed by the session policy", verdict{}
	}
	limits := func(a *accumulator) bool { // boundary and session policy
		ok := true
		if p.Boundary != nil {
			ok = a.and(bnd.allow)
		}
		if ok && r.SessionPolicy != nil {
			ok = a.and(sess.allow)
		}
		return ok
	}

	if !sameAccount {
		// Cross-account: both the caller's account and the resource's.
		if idSide.st == triNo {
			return Decision{Result: Denied, Reason: idReason}
		}
		acc.and(id.allow)
		limits(&acc)
		v := res.direct
		v.or(res.account)
		if !acc.and(v) {
			if rp == nil {
				return Decision{Result: Denied, Reason: "cross-account request and no resource-based policy of account " + ec.resAcc + " is known"}
			}
			return Decision{Result: Denied, Reason: "cross-account request not allowed by the " + what}
		}
		return acc.decision(reasons[what].cross, denyConds)
	}

	// Same account. Path A: the resource policy names the caller itself;
	// for a user that grants alone, for a role the boundary and session
	// policy still limit it.
	a := acc
	a.conds = append([]Condition(nil), acc.conds...)
	pathA := a.and(res.direct)
	if pathA && p.Kind == KindRole {
		pathA = limits(&a)
	}
	// Path B: identity-based policy (with boundary and session policy),
	// and where the resource policy is required (trust, key policies),
	// a resource policy naming the account.
	b := acc
	b.conds = append([]Condition(nil), acc.conds...)
	pathB := b.and(id.allow) && limits(&b)
	if pathB && required {
		v := res.account
		v.or(res.direct)
		pathB = b.and(v)
	}
	switch {
	case pathA && (!pathB || a.st == triYes || b.st != triYes):
		return a.decision(reasons[what].direct, denyConds)
	case pathB:
		reason := "allowed by identity-based policy"
		if required {
			reason = reasons[what].both
		}
		return b.decision(reason, denyConds)
	}
	switch {
	case idReason != "" && !required:
		return Decision{Result: Denied, Reason: idReason}
	case required && rp == nil:
		return Decision{Result: Denied, Reason: "no " + what + " is known"}
	case required && idReason == "":
		return Decision{Result: Denied, Reason: "not allowed by the " + what}
	}
	return Decision{Result: Denied, Reason: idReason}
}

func denied(s *Statement, reason string) Decision {
	return Decision{Result: Denied, Statements: s.c.self, Reason: reason + " (" + s.String() + ")"}
}

// setService sets the request's service prefix (lower case) and its ID.
func (ec *evalCtx) setService(action string) {
	ec.svc = serviceOf(action)
	if hasUpper(ec.svc) {
		ec.svc = strings.ToLower(ec.svc)
	}
	ec.svcID = -1
	if id, ok := ec.m.svcIDs[ec.svc]; ok {
		ec.svcID = id
	}
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// identifyCaller sets the caller kind, principal and account.
func (ec *evalCtx) identifyCaller() (Decision, bool) {
	m, who := ec.m, ec.req.Principal
	if p := m.principals[who]; p != nil {
		ec.p, ec.kind, ec.acct = p, callerPrincipal, p.Account
		ec.org = p.prep.org
		return Decision{}, true
	}
	switch {
	case who == "*" || who == "anonymous":
		ec.kind = callerAnonymous
		return Decision{}, true
	case strings.HasSuffix(who, ".amazonaws.com") && !strings.HasPrefix(who, "arn:"):
		ec.kind = callerService
		return Decision{}, true
	case strings.HasPrefix(who, "arn:") && arnPart(who, 2) == "iam" &&
		(strings.HasPrefix(arnPart(who, 5), "oidc-provider/") || strings.HasPrefix(arnPart(who, 5), "saml-provider/")),
		who == "accounts.google.com" || who == "graph.facebook.com" || who == "www.amazon.com":
		// A user of an identity provider, calling sts:AssumeRoleWithWebIdentity
		// or sts:AssumeRoleWithSAML: only trust policies naming the
		// provider as Federated principal can admit it.
		ec.kind = callerFederated
		return Decision{}, true
	case isAccountID(who):
		ec.kind, ec.acct = callerAccount, who
	case strings.HasPrefix(who, "arn:") && arnPart(who, 2) == "sts" && strings.HasPrefix(arnPart(who, 5), "assumed-role/"):
		// A role session is evaluated as its role.
		acct := arnPart(who, 4)
		name := strings.TrimPrefix(arnPart(who, 5), "assumed-role/")
		if i := strings.IndexByte(name, '/'); i >= 0 {
			name = name[:i]
		}
		for _, p := range m.principals {
			if p.Kind == KindRole && p.Account == acct && p.Name == name {
				ec.p, ec.kind, ec.acct = p, callerPrincipal, acct
				ec.org = m.levels[acct]
				return Decision{}, true
			}
		}
		ec.kind, ec.acct = callerAccount, acct
	case strings.HasPrefix(who, "arn:") && arnPart(who, 5) == "root":
		ec.kind, ec.acct = callerAccount, arnPart(who, 4)
	case strings.HasPrefix(who, "arn:") && arnPart(who, 2) == "iam" && isAccountID(arnPart(who, 4)) &&
		(strings.HasPrefix(arnPart(who, 5), "user/") || strings.HasPrefix(arnPart(who, 5), "role/")):
		// A named user or role of an account outside the input: its own
		// policies are unknown and taken to allow.
		ec.kind, ec.acct, ec.callerARN = callerAccount, arnPart(who, 4), who
	default:
		return Decision{Result: Denied, Reason: "unknown principal " + who + " (not in the input)"}, false
	}
	if m.accounts[ec.acct] && !strings.HasSuffix(who, ":root") && !isAccountID(who) {
		return Decision{Result: Denied, Reason: "unknown principal " + who + " (its account is in the input but it is not)"}, false
	}
	ec.org = m.levels[ec.acct]
	return Decision{}, true
}

// resourcePolicy returns the resource-based policy that applies, whether it
// is required (trust policies for AssumeRole, KMS key policies), and what to
// call it.
func (ec *evalCtx) resourcePolicy() (*Policy, bool, string) {
	r := ec.req
	if ec.svc == "sts" && hasPrefixFold(r.Action, "sts:AssumeRole", true) {
		if role := ec.m.principals[r.Resource]; role != nil && role.Kind == KindRole {
			return role.Trust, true, "trust policy"
		}
		return nil, true, "trust policy"
	}
	p := ec.m.ResourcePolicy(r.Resource)
	if ec.svc == "kms" && arnPart(r.Resource, 2) == "kms" {
		return p, p != nil, "key policy"
	}
	return p, false, "resource-based policy"
}

// accumulator ANDs verdicts together. It keeps the granting statements in
// a fixed array so that an allowed decision costs no allocation when one
// statement grants.
type accumulator struct {
	st    tri
	conds []Condition
	stmts [4]*Statement
	n     int
	init  bool
	alts  bool // some conditional part had other sets of conditions
}

// and adds v; it returns false when v denies.
func (a *accumulator) and(v verdict) bool {
	if !a.init {
		a.st, a.init = triYes, true
	}
	switch v.st {
	case triNo:
		a.st = triNo
		return false
	case triUnknown:
		a.st = triUnknown
		a.conds = append(a.conds, v.conds...)
		a.alts = a.alts || v.alts > 1
	}
	if v.stmt != nil && a.n < len(a.stmts) {
		a.stmts[a.n] = v.stmt
		a.n++
	}
	return true
}

// andSilent adds v without recording its statement as a grant (SCP and
// RCP allows, such as FullAWSAccess, only permit).
func (a *accumulator) andSilent(v verdict) bool {
	v.stmt = nil
	return a.and(v)
}

// or keeps the better of two verdicts.
func (v *verdict) or(w verdict) { v.offerAlts(w.st, w.stmt, w.conds, w.alts) }

// decision builds the final answer, adding the negated conditions of
// conditional denies.
func (a *accumulator) decision(reason string, denyConds []Condition) Decision {
	if !a.init {
		a.st = triYes
	}
	d := Decision{Result: Allowed, Reason: reason}
	switch a.n {
	case 0:
	case 1:
		d.Statements = a.stmts[0].c.self // shared and read-only
	default:
		d.Statements = append([]*Statement(nil), a.stmts[:a.n]...)
	}
	if a.st == triUnknown || len(denyConds) > 0 {
		d.Result = Conditional
		d.Conditions = append(a.conds, denyConds...)
		d.Reason = reason + ", if the conditions hold"
		if a.alts {
			d.Reason += " (the fewest conditions of several statements that would allow it)"
		}
	}
	return d
}

// reasons holds the texts of allowed decisions, per kind of resource
// policy, so that an allowed decision builds no strings.
var reasons = map[string]struct{ resource, cross, direct, both string }{}

func init() {
	for _, w := range []string{"trust policy", "key policy", "resource-based policy"} {
		reasons[w] = struct{ resource, cross, direct, both string }{
			resource: "allowed by the " + w,
			cross:    "allowed by identity-based policy and the " + w + " (cross-account)",
			direct:   "allowed by the " + w + ", which names the caller",
			both:     "allowed by identity-based policy and the " + w,
		}
	}
}
