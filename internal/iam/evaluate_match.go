package iam

import (
	"strings"
)

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
	session   verdict     // resource policies: allows naming the caller's role session
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
	if cst == triUnknown || pm == pmUnknown || pm == pmSessionUnknown {
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
	case pmSession, pmSessionUnknown:
		out.session.offer(st, s, conds)
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

// matchesAction reports whether the statement's Action or NotAction
// element matches action, outside any request (policy variables in
// actions never match).
func (c *compiled) matchesAction(action string) bool {
	for i := range c.actions {
		p := &c.actions[i]
		if p.segs == nil && glob(p.raw, action, true) {
			return !c.notAction
		}
	}
	return c.notAction
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
		// "Everything but a resource named by an unresolved variable":
		// AWS holds such a statement invalid, so it applies to nothing.
		if c.notResource && !ec.anyAbsentVar(c.resources) {
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
	// pmSession names the caller's role session: AWS grants to the session
	// directly, without the limits of the role's boundary and session
	// policy.
	pmSession
	pmSessionUnknown // names a session of the caller's role; the request does not say which session it is
)

// matchPrincipal matches the statement's Principal or NotPrincipal element
// against the caller.
func (ec *evalCtx) matchPrincipal(s *Statement, conds *[]Condition) principalMatch {
	c := s.c
	if !c.hasPrincipal {
		return pmNone
	}
	if c.notPrincipal {
		// NotPrincipal exempts the caller only when it names every identity
		// AWS evaluates for it: the user or role, its account, and for a
		// role the assumed-role session too (a session cannot be named with
		// a wildcard, so naming the role alone does not spare its sessions).
		named, acct, session := false, false, false
		var sessions []string
		for i := range c.principals {
			switch ec.principalMatches(&c.principals[i]) {
			case pmDirect:
				named = true
			case pmAccount:
				acct = true
			case pmSession:
				session = true
			case pmSessionUnknown:
				sessions = append(sessions, "*:"+sessionName(c.principals[i].value))
			}
		}
		if !named || !acct && ec.kind == callerPrincipal {
			return pmDirect
		}
		if ec.kind != callerPrincipal || ec.p.Kind != KindRole || session {
			return pmNone
		}
		if len(sessions) == 0 {
			return pmDirect
		}
		// The statement applies unless the request is by a named session.
		*conds = append(*conds, Condition{Operator: "StringNotLike", Key: "aws:userid", Values: sessions, Statement: s})
		return pmUnknown
	}
	best := pmNone
	var unknown, sessions []string
	for i := range c.principals {
		switch m := ec.principalMatches(&c.principals[i]); m {
		case pmSession:
			return pmSession
		case pmDirect:
			best = pmDirect
		case pmAccount:
			if best != pmDirect {
				best = pmAccount
			}
		case pmUnknown:
			unknown = append(unknown, c.principals[i].raw)
		case pmSessionUnknown:
			sessions = append(sessions, "*:"+sessionName(c.principals[i].value))
		}
	}
	switch {
	case best != pmNone:
		return best
	case len(unknown) > 0:
		*conds = append(*conds, Condition{Operator: "ArnEquals", Key: "aws:PrincipalArn", Values: unknown, Statement: s})
		return pmUnknown
	case len(sessions) > 0:
		// A role session's aws:userid is ROLEID:SESSION-NAME.
		*conds = append(*conds, Condition{Operator: "StringLike", Key: "aws:userid", Values: sessions, Statement: s})
		return pmSessionUnknown
	}
	return pmNone
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
				switch {
				case ec.session == "":
					return pmSessionUnknown
				case ec.session == sessionName(pp.value):
					return pmSession
				}
			}
		case callerAccount:
			switch {
			case ec.callerARN != "":
				if pp.value == ec.callerARN || pp.value == ec.req.Principal {
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
		r := c.eval(ec)
		if r != triNo && c.op.base.negated() && ec.anyAbsentVar(c.pats) {
			// A negated operator would hold only because a policy
			// variable has no value; AWS holds the statement invalid.
			r = triNo
		}
		switch r {
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

// sessionName returns the session name of an assumed-role session ARN.
func sessionName(arn string) string {
	r := arnPart(arn, 5)
	if i := strings.LastIndexByte(r, '/'); i >= 0 {
		return r[i+1:]
	}
	return ""
}

// anyAbsentVar reports whether a pattern uses a policy variable whose key
// is known to be absent from the request (and has no default), such as
// ${aws:username} for a role.
func (ec *evalCtx) anyAbsentVar(pats []pattern) bool {
	for i := range pats {
		for j := range pats[i].segs {
			sg := &pats[i].segs[j]
			if sg.kind != segVar {
				continue
			}
			if _, st := ec.variable(sg.v); st == keyAbsent {
				return true
			}
		}
	}
	return false
}
