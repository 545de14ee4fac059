package iam

import "errors"

// AllowedPatterns returns the resource patterns of the identity-based Allow
// statements of principal (its own and its groups' policies) whose actions
// match action: a superset of where the action can be allowed, before
// denies, boundaries, SCPs and conditions, for use as a cheap pre-filter.
// A NotResource statement contributes "*". It returns nil for an unknown
// principal.
func (m *Model) AllowedPatterns(principal, action string) []string {
	m.prepare()
	p := m.principals[principal]
	if p == nil || p.prep == nil {
		return nil
	}
	ec := evalCtx{m: m, req: Request{Principal: principal, Action: action}, p: p, kind: callerPrincipal, acct: p.Account}
	ec.setService(action)
	var out []string
	seen := map[string]bool{}
	visit := func(list []indexed) {
		for _, e := range list {
			s := e.s
			if s.Effect != "Allow" || ec.matchActions(e.acts) == e.not {
				continue
			}
			res := s.Resource
			if s.NotResource != nil || s.Resource == nil {
				res = []string{"*"}
			}
			for _, r := range res {
				if !seen[r] {
					seen[r] = true
					out = append(out, r)
				}
			}
		}
	}
	ix := &p.prep.identity
	if ec.svcID >= 0 {
		visit(ix.forService(ec.svcID))
	}
	visit(ix.any)
	return out
}

// PrincipalDecision is one principal's answer in WhoCan.
type PrincipalDecision struct {
	Principal *Principal
	Decision  Decision
}

// WhoCan evaluates the request for every user and role of the model (the
// Principal field of r is ignored) and returns those allowed or
// conditionally allowed, sorted by ARN.
func (m *Model) WhoCan(r Request) []PrincipalDecision {
	var out []PrincipalDecision
	for _, p := range m.Principals() {
		if p.Kind == KindGroup {
			continue
		}
		r.Principal = p.ARN
		d := m.Evaluate(r)
		if d.Result != Denied {
			out = append(out, PrincipalDecision{Principal: p, Decision: d})
		}
	}
	return out
}

// CheckCaller reports whether Evaluate can answer for the caller named in a
// Request's Principal field: a principal of the model, "*", a service
// principal, or a principal of an account outside the model. The error
// says why not (for example a user ARN of an account in the model that the
// input does not hold).
func (m *Model) CheckCaller(principal string) error {
	m.prepare()
	ec := evalCtx{m: m, req: Request{Principal: principal}}
	if d, ok := ec.identifyCaller(); !ok {
		return errors.New(d.Reason)
	}
	if ec.p != nil && ec.p.Kind == KindGroup {
		return errors.New(principal + " is a group, which makes no requests: ask for one of its members")
	}
	return nil
}

// OutsideCallers returns the callers outside the model that the resource
// policy applying to the request names (a trust policy for sts:AssumeRole*
// on a role): accounts and principals of other accounts, service
// principals and identity providers, sorted. Evaluating each with the same
// action and resource tells who beyond the model can act; "*" (anyone) is
// not listed, as an anonymous caller stands for it.
func (m *Model) OutsideCallers(r Request) []string {
	m.prepare()
	ec := evalCtx{m: m, req: r, kind: callerAnonymous}
	ec.setService(r.Action)
	rp, _, _ := ec.resourcePolicy()
	if rp == nil {
		return nil
	}
	seen := map[string]bool{}
	for _, s := range rp.Statements {
		if s.Effect != "Allow" {
			continue
		}
		for typ, vals := range s.Principal {
			for _, v := range vals {
				switch typ {
				case "AWS":
					if v == "*" {
						continue
					}
					acct := v
					if !isAccountID(v) {
						acct = arnPart(v, 4)
					}
					if !m.accounts[acct] {
						seen[v] = true
					}
				case "Service", "Federated":
					seen[v] = true
				}
			}
		}
	}
	return sortedKeys(seen)
}
