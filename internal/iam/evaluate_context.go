package iam

import (
	"strings"
)

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
	// session is the role session name when the request names a role
	// session (an assumed-role ARN); "" when only the role is known.
	session string
	org     *orgLevels // caller's account in the organization, or nil
	resOrg  *orgLevels // resource's account in the organization, or nil
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
		case "aws:principalorgid", "aws:principalorgpaths", "aws:username":
			// Only principals of an organization's accounts carry
			// organization keys, and only IAM users a user name.
			return nil, keyAbsent
		}
		if strings.HasPrefix(key, "aws:principaltag/") {
			return nil, keyAbsent // only IAM users and roles have tags
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
		if !p.TagsKnown || pr.sessionTags {
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
