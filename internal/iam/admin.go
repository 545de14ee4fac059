package iam

// Admin-equivalence. A principal is admin-equivalent when it is allowed
// every action on every resource, or when it can grant itself that in one
// step of its own: change a policy attached to itself (iam:PutUserPolicy,
// iam:AttachRolePolicy, iam:CreatePolicyVersion on its own policy, a policy
// of its group, ...), unless a permissions boundary caps what it can grant
// itself.
//
// "Every action" is tested with probes: actions that any real
// administrator needs (IAM writes, role passing and assumption, compute,
// data and key access) and one action of a service no policy names, which
// only a wildcard or NotAction grant allows. SCPs take part through
// Evaluate, so a principal whose account's SCPs deny IAM writes is not
// admin-equivalent, whatever its own policies say.

// adminProbes are the requests an admin-equivalent principal is allowed.
var adminProbes = []string{
	"parapet-probe:AnyAction", // only "*" or a NotAction grant allows an action of an unknown service
	"iam:CreateUser", "iam:AttachRolePolicy", "iam:PutUserPolicy", "iam:PassRole", "iam:CreateAccessKey",
	"ec2:RunInstances", "lambda:CreateFunction", "s3:GetObject", "s3:PutBucketPolicy",
	"kms:Decrypt", "secretsmanager:GetSecretValue",
}

// AdminStatus says whether a principal is admin-equivalent, and why.
type AdminStatus struct {
	Admin bool
	// Conditions, when not empty, must hold for the principal to be
	// admin-equivalent.
	Conditions []Condition
	// Reason is "allowed every action on every resource", or the
	// technique by which it can grant itself that ("iam-008").
	Reason string
	// Evidence names the statements that make it so.
	Evidence []string
}

// allowsAll reports whether p is allowed every probe on "*".
func (m *Model) allowsAll(p *Principal) AdminStatus {
	if p.Kind == KindGroup {
		if groupAllowsAll(p) {
			return AdminStatus{Admin: true, Reason: "its policies allow every action on every resource"}
		}
		return AdminStatus{}
	}
	var st AdminStatus
	for _, a := range adminProbes {
		d := m.Evaluate(Request{Principal: p.ARN, Action: a, Resource: "*"})
		switch d.Result {
		case Denied:
			return AdminStatus{}
		case Conditional:
			st.Conditions = append(st.Conditions, d.Conditions...)
		}
		for _, s := range d.Statements {
			st.Evidence = append(st.Evidence, s.String())
		}
	}
	st.Admin = true
	st.Reason = "allowed every action on every resource"
	st.Evidence = dedupe(st.Evidence)
	return st
}

// policyAllowsAll reports whether a policy on its own allows every action on
// every resource without conditions, and denies nothing.
func policyAllowsAll(p *Policy) bool {
	if p == nil {
		return false
	}
	all := false
	for _, s := range p.Statements {
		if !s.Allow() {
			return false
		}
		if len(s.Condition) > 0 || len(s.NotResource) > 0 {
			continue
		}
		if !hasStar(s.Resource) {
			continue
		}
		if hasStar(s.Action) {
			all = true
		}
	}
	return all
}

func hasStar(vs []string) bool {
	for _, v := range vs {
		if v == "*" {
			return true
		}
	}
	return false
}

// groupAllowsAll reports whether one of a group's policies allows every
// action on every resource. Groups are never callers, so their policies are
// read directly; a member's own denies and boundary still apply to it.
func groupAllowsAll(g *Principal) bool {
	for _, p := range g.Inline {
		if policyAllowsAll(p) {
			return true
		}
	}
	for _, p := range g.Managed {
		if policyAllowsAll(p) {
			return true
		}
	}
	return false
}

// ceilingOpen reports whether gaining control of p's policies gives every
// permission: p has no permissions boundary, or one that allows everything.
// SCPs are the organisation's ceiling for every principal of an account and
// are not counted against it here: admin-equivalent means "can do whatever
// the organisation lets the account do".
func ceilingOpen(p *Principal) bool {
	return p.Boundary == nil || policyAllowsAll(p.Boundary)
}
