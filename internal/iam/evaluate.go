package iam

import "strings"

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
		v.or(res.session)
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
	switch {
	case pathA && p.Kind == KindRole:
		pathA = limits(&a)
	case pathA && r.SessionPolicy != nil:
		// A grant to the user's ARN is added before the session is
		// created, so the session policy limits it (its boundary does not).
		pathA = a.and(sess.allow)
	}
	// A grant to the role session itself is not limited by them.
	if res.session.st != triNo && (!pathA || a.st != triYes) {
		s := acc
		s.conds = append([]Condition(nil), acc.conds...)
		if s.and(res.session) && (!pathA || s.st == triYes) {
			a, pathA = s, true
		}
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
		v.or(res.session)
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
		session := ""
		if i := strings.IndexByte(name, '/'); i >= 0 {
			name, session = name[:i], name[i+1:]
		}
		for _, p := range m.principals {
			if p.Kind == KindRole && p.Account == acct && p.Name == name {
				ec.p, ec.kind, ec.acct, ec.session = p, callerPrincipal, acct, session
				ec.org = m.levels[acct]
				return Decision{}, true
			}
		}
		// A session of a role outside the input acts as that role.
		ec.kind, ec.acct = callerAccount, acct
		ec.callerARN = "arn:" + arnPart(who, 1) + ":iam::" + acct + ":role/" + name
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
