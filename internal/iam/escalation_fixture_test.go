package iam_test

import (
	"encoding/json"
	"fmt"

	"github.com/parapet-sec/parapet/internal/iam"
)

// This file generates, for every technique of the rule table, an estate in
// the shape of `aws iam get-account-authorization-details` where the
// technique works (the actor is granted exactly the technique's actions),
// and variants that each remove one way for it to work.

const (
	fxAccount = "111111111111"
	fxOther   = "222222222222"
)

func fxARN(kind, name string) string {
	return fmt.Sprintf("arn:aws:iam::%s:%s/%s", fxAccount, kind, name)
}

// fixture is one generated estate.
type fixture struct {
	tech      *iam.Technique
	actor     string // ARN of the principal that escalates
	target    string // ARN of the principal it reaches
	workload  *iam.Workload
	inventory *iam.Inventory
	doc       map[string]any // the authorization details
	scp       []byte         // an SCP document to attach to fxAccount, if any
}

// variant names one way to stop a technique.
type variant string

const (
	positive         variant = "granted exactly the technique's actions"
	withInventory    variant = "granted the actions on a workload the inventory shows"
	explicitDeny     variant = "an explicit deny of the first action"
	boundary         variant = "a permissions boundary that allows only S3"
	scpDeny          variant = "an SCP that denies the first action"
	resourceExcluded variant = "the target excluded by the Resource element"
	impossibleCond   variant = "a condition that cannot hold"
	requestCond      variant = "a condition only the request can tell"
	untrusted        variant = "a trust policy that does not trust the actor"
	inventoryEmpty   variant = "an inventory that shows no such workload"
)

// variantsFor lists the negative variants that apply to t.
func variantsFor(t *iam.Technique) []variant {
	vs := []variant{explicitDeny, boundary, scpDeny, impossibleCond}
	scoped := false
	for _, r := range t.Requires {
		switch r.On {
		case iam.OnTarget, iam.OnOwnGroup, iam.OnAttachedPolicy, iam.OnWorkload:
			scoped = true
		}
	}
	if scoped {
		vs = append(vs, resourceExcluded)
	}
	switch {
	case t.Target == iam.TargetPassedRole, t.Target == iam.TargetWorkloadRole:
		vs = append(vs, untrusted)
	case t.Target == iam.TargetRole && usesAssume(t):
		vs = append(vs, untrusted)
	}
	if t.Target == iam.TargetWorkloadRole {
		vs = append(vs, inventoryEmpty)
	}
	return vs
}

func usesAssume(t *iam.Technique) bool {
	for _, r := range t.Requires {
		if r.Action == "sts:AssumeRole" {
			return true
		}
	}
	return false
}

var adminPolicy = map[string]any{"Version": "2012-10-17", "Statement": []any{
	map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}}}

func trustDoc(principal map[string]any) map[string]any {
	return map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}}}
}

func workloadARN(kind string) string {
	switch kind {
	case iam.WorkloadLambda:
		return "arn:aws:lambda:us-east-1:" + fxAccount + ":function:target-fn"
	case iam.WorkloadEC2Instance:
		return "arn:aws:ec2:us-east-1:" + fxAccount + ":instance/i-0123456789abcdef0"
	case iam.WorkloadLaunchTemplate:
		return "arn:aws:ec2:us-east-1:" + fxAccount + ":launch-template/lt-0123456789abcdef0"
	case iam.WorkloadGlueDevEndpoint:
		return "arn:aws:glue:us-east-1:" + fxAccount + ":devEndpoint/target-endpoint"
	case iam.WorkloadGlueJob:
		return "arn:aws:glue:us-east-1:" + fxAccount + ":job/target-job"
	case iam.WorkloadStack:
		return "arn:aws:cloudformation:us-east-1:" + fxAccount + ":stack/target-stack/1a2b3c4d"
	case iam.WorkloadStackSet:
		return "arn:aws:cloudformation:us-east-1:" + fxAccount + ":stackset/target-stackset:1a2b3c4d"
	case iam.WorkloadNotebook:
		return "arn:aws:sagemaker:us-east-1:" + fxAccount + ":notebook-instance/target-notebook"
	case iam.WorkloadCodeBuild:
		return "arn:aws:codebuild:us-east-1:" + fxAccount + ":project/target-project"
	case iam.WorkloadECSCluster:
		return "arn:aws:ecs:us-east-1:" + fxAccount + ":cluster/target-cluster"
	case iam.WorkloadAppRunner:
		return "arn:aws:apprunner:us-east-1:" + fxAccount + ":service/target-service/0123456789"
	case iam.WorkloadCodeInterpreter:
		return "arn:aws:bedrock-agentcore:us-east-1:" + fxAccount + ":code-interpreter/target-interpreter"
	case iam.WorkloadEventSource:
		return "arn:aws:sqs:us-east-1:" + fxAccount + ":target-queue"
	}
	return ""
}

// buildFixture generates the estate for t under variant v.
func buildFixture(t *iam.Technique, v variant) *fixture {
	actorKind := "user"
	if t.Actor == "role" {
		actorKind = "role"
	}
	f := &fixture{tech: t, actor: fxARN(actorKind, "actor")}
	const policyARN = "arn:aws:iam::" + fxAccount + ":policy/shared-policy"
	other := map[string]string{}

	users := []any{}
	roles := []any{}
	groups := []any{}
	managed := []any{}

	// What the technique reaches.
	var targetTrust map[string]any
	switch t.Target {
	case iam.TargetSelf:
		f.target = f.actor
	case iam.TargetGroup:
		f.target = fxARN("group", "admins")
		groups = append(groups, map[string]any{"Path": "/", "GroupName": "admins", "GroupId": "AGPAADMINS000000000", "Arn": f.target,
			"GroupPolicyList": []any{map[string]any{"PolicyName": "admin", "PolicyDocument": adminPolicy}}, "AttachedManagedPolicies": []any{}})
		other["target"] = fxARN("group", "other")
	case iam.TargetUser:
		f.target = fxARN("user", "victim")
		users = append(users, map[string]any{"Path": "/", "UserName": "victim", "UserId": "AIDAVICTIM000000000", "Arn": f.target,
			"UserPolicyList": []any{map[string]any{"PolicyName": "admin", "PolicyDocument": adminPolicy}}, "GroupList": []any{}, "AttachedManagedPolicies": []any{}})
		other["target"] = fxARN("user", "other")
	case iam.TargetRole:
		f.target = fxARN("role", "target")
		// The role trusts the actor's account, so the actor needs
		// sts:AssumeRole of its own; techniques that rewrite the trust
		// policy start from a role trusting only EC2.
		targetTrust = trustDoc(map[string]any{"AWS": "arn:aws:iam::" + fxAccount + ":root"})
		if !usesAssume(t) {
			targetTrust = trustDoc(map[string]any{"Service": "ec2.amazonaws.com"})
		}
		if v == untrusted {
			targetTrust = trustDoc(map[string]any{"AWS": "arn:aws:iam::" + fxOther + ":root"})
		}
		other["target"] = fxARN("role", "other")
	case iam.TargetPassedRole, iam.TargetWorkloadRole:
		f.target = fxARN("role", "target")
		svc := t.Services[0]
		if v == untrusted {
			svc = "states.amazonaws.com"
		}
		targetTrust = trustDoc(map[string]any{"Service": svc})
		other["target"] = fxARN("role", "other")
	}
	if targetTrust != nil {
		attached := []any{}
		inline := []any{map[string]any{"PolicyName": "admin", "PolicyDocument": adminPolicy}}
		if t.Gain == iam.GainControl {
			// The role's own permissions are modest: the technique gives
			// control of them.
			inline = []any{map[string]any{"PolicyName": "logs", "PolicyDocument": map[string]any{"Version": "2012-10-17",
				"Statement": []any{map[string]any{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}}}}}
			attached = []any{map[string]any{"PolicyName": "shared-policy", "PolicyArn": policyARN}}
		}
		roles = append(roles, map[string]any{"Path": "/", "RoleName": "target", "RoleId": "AROATARGET000000000", "Arn": f.target,
			"AssumeRolePolicyDocument": targetTrust, "InstanceProfileList": []any{}, "RolePolicyList": inline,
			"AttachedManagedPolicies": attached})
	}
	if t.Target == iam.TargetUser && t.Gain == iam.GainControl {
		users[0].(map[string]any)["UserPolicyList"] = []any{}
	}

	// The existing workload, when the variant inventories it.
	if t.Needs != "" && (v == withInventory || v == inventoryEmpty || (v == resourceExcluded && t.Target == iam.TargetWorkloadRole)) {
		f.inventory = &iam.Inventory{}
		f.inventory.MarkKnown(t.Needs)
		if v != inventoryEmpty {
			w := iam.Workload{Kind: t.Needs, ARN: workloadARN(t.Needs), Source: "fixture"}
			if t.Target == iam.TargetWorkloadRole {
				w.Role = f.target
			}
			f.inventory.Add(w)
			f.workload = &w
		}
	}

	// The actor's grant: exactly the technique's actions.
	var stmts []any
	for i, r := range t.Requires {
		res := "*"
		switch r.On {
		case iam.OnTarget:
			res = f.target
		case iam.OnOwnGroup:
			res = fxARN("group", "team")
		case iam.OnAttachedPolicy:
			res = policyARN
		case iam.OnWorkload:
			if f.workload != nil {
				res = f.workload.ARN
			}
		}
		if v == resourceExcluded && res != "*" {
			switch r.On {
			case iam.OnTarget:
				res = other["target"]
			case iam.OnOwnGroup:
				res = fxARN("group", "other")
			case iam.OnAttachedPolicy:
				res = "arn:aws:iam::" + fxAccount + ":policy/other"
			case iam.OnWorkload:
				res += "-other"
			}
		}
		s := map[string]any{"Sid": fmt.Sprintf("Grant%d", i), "Effect": "Allow", "Action": r.Action, "Resource": res}
		switch v {
		case impossibleCond:
			s["Condition"] = map[string]any{"DateLessThan": map[string]any{"aws:CurrentTime": "2001-01-01T00:00:00Z"}}
		case requestCond:
			s["Condition"] = map[string]any{"IpAddress": map[string]any{"aws:SourceIp": "203.0.113.0/24"}}
		}
		stmts = append(stmts, s)
	}
	if v == explicitDeny {
		stmts = append(stmts, map[string]any{"Sid": "Deny", "Effect": "Deny", "Action": t.Requires[0].Action, "Resource": "*"})
	}
	grant := map[string]any{"Version": "2012-10-17", "Statement": stmts}

	// Self-escalation through an attached policy or a group needs the
	// policy or group to exist and be the actor's.
	actorManaged := []any{}
	actorGroups := []any{}
	for _, r := range t.Requires {
		if r.On == iam.OnAttachedPolicy && t.Target == iam.TargetSelf {
			actorManaged = append(actorManaged, map[string]any{"PolicyName": "shared-policy", "PolicyArn": policyARN})
		}
		if r.On == iam.OnOwnGroup {
			actorGroups = []any{"team"}
			groups = append(groups, map[string]any{"Path": "/", "GroupName": "team", "GroupId": "AGPATEAM00000000000", "Arn": fxARN("group", "team"),
				"GroupPolicyList": []any{}, "AttachedManagedPolicies": []any{}})
		}
	}
	needPolicy := false
	for _, r := range t.Requires {
		needPolicy = needPolicy || r.On == iam.OnAttachedPolicy
	}
	if needPolicy || t.Gain == iam.GainControl && targetTrust != nil {
		managed = append(managed, map[string]any{"PolicyName": "shared-policy", "PolicyId": "ANPASHARED000000000", "Arn": policyARN, "Path": "/",
			"DefaultVersionId": "v1", "AttachmentCount": 1, "IsAttachable": true,
			"PolicyVersionList": []any{map[string]any{"VersionId": "v1", "IsDefaultVersion": true, "Document": map[string]any{
				"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "logs:CreateLogStream", "Resource": "*"}}}}}})
	}

	actor := map[string]any{"Path": "/", "Arn": f.actor, "AttachedManagedPolicies": actorManaged}
	inlineGrant := []any{map[string]any{"PolicyName": "grant", "PolicyDocument": grant}}
	if actorKind == "user" {
		actor["UserName"], actor["UserId"], actor["GroupList"], actor["UserPolicyList"] = "actor", "AIDAACTOR0000000000", actorGroups, inlineGrant
	} else {
		actor["RoleName"], actor["RoleId"], actor["RolePolicyList"], actor["InstanceProfileList"] = "actor", "AROAACTOR0000000000", inlineGrant, []any{}
		actor["AssumeRolePolicyDocument"] = trustDoc(map[string]any{"Service": "ec2.amazonaws.com"})
	}
	if v == boundary {
		const bARN = "arn:aws:iam::" + fxAccount + ":policy/s3-only"
		actor["PermissionsBoundary"] = map[string]any{"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": bARN}
		managed = append(managed, map[string]any{"PolicyName": "s3-only", "PolicyId": "ANPAS3ONLY000000000", "Arn": bARN, "Path": "/",
			"DefaultVersionId": "v1", "AttachmentCount": 0, "PermissionsBoundaryUsageCount": 1, "IsAttachable": true,
			"PolicyVersionList": []any{map[string]any{"VersionId": "v1", "IsDefaultVersion": true, "Document": map[string]any{
				"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}}}}})
	}
	if actorKind == "user" {
		users = append(users, actor)
	} else {
		roles = append(roles, actor)
	}
	f.doc = map[string]any{"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": managed}

	if v == scpDeny {
		f.scp, _ = json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{
			map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"},
			map[string]any{"Effect": "Deny", "Action": t.Requires[0].Action, "Resource": "*"}}})
	}
	return f
}
