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
