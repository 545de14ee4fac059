// Package synth generates a synthetic AWS organisation for benchmarks: one
// `aws iam get-account-authorization-details` document per account and the
// organisation's SCPs, with the mix of policies large estates have
// (wildcards, conditions, permissions boundaries, wide trust policies and
// chains of roles that can pass one another to compute services).
//
// The output is deterministic for a given Config.
package synth

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// Config sizes the organisation.
type Config struct {
	Seed     uint64
	Accounts int // member accounts, spread over OUs
	OUs      int // organisational units, each with one SCP
	Users    int
	Roles    int
	Policies int // customer-managed policies, spread over accounts
}

// Default is the size the issue asks the benchmark to run at.
var Default = Config{Seed: 1, Accounts: 20, OUs: 10, Users: 5000, Roles: 10000, Policies: 20000}

// Files lists what Write produced.
type Files struct {
	Authz  []string // one authorization-details file per account
	SCPDir string   // the organisation folder (policies and tree)
	Stats  Stats
}

// Stats counts what was generated, for the benchmark's report.
type Stats struct {
	Users, Roles, Groups, Policies           int
	WildcardPolicies, ConditionalPolicies    int
	BoundedPrincipals                        int
	TrustEntries, MaxTrustFanOut, PassChains int
	EscalationGrants, Admins                 int
}

type doc = map[string]any

// benign actions a workload policy grants.
var benign = []string{
	"s3:GetObject", "s3:PutObject", "s3:ListBucket", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
	"sqs:SendMessage", "sqs:ReceiveMessage", "sns:Publish", "logs:CreateLogStream", "logs:PutLogEvents",
	"kms:Decrypt", "kms:Encrypt", "secretsmanager:GetSecretValue", "ssm:GetParameter", "ec2:DescribeInstances",
	"cloudwatch:PutMetricData", "ecr:GetAuthorizationToken", "ecr:BatchGetImage", "athena:StartQueryExecution",
	"glue:GetTable", "kinesis:PutRecord", "rds:DescribeDBInstances", "lambda:GetFunction", "iam:GetRole",
	"iam:ListRoles", "sts:GetCallerIdentity", "bedrock:InvokeModel", "states:StartExecution", "events:PutEvents",
}

// wildcards a fifth of the policies use.
var wildcardActions = []string{"s3:*", "dynamodb:*", "ec2:Describe*", "logs:*", "sqs:*", "cloudwatch:*", "lambda:Get*", "iam:Get*", "iam:List*", "kms:*"}

// escalation grants that a few policies carry.
var escalation = [][]string{
	{"iam:CreateAccessKey"}, {"iam:CreateLoginProfile"}, {"iam:UpdateLoginProfile"},
	{"iam:PutUserPolicy"}, {"iam:AttachUserPolicy"}, {"iam:PutRolePolicy"}, {"iam:AttachRolePolicy"},
	{"iam:CreatePolicyVersion"}, {"iam:AddUserToGroup"}, {"iam:UpdateAssumeRolePolicy"},
	{"lambda:UpdateFunctionCode"}, {"ssm:SendCommand"}, {"codebuild:StartBuild"},
	{"iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"},
	{"iam:PassRole", "ec2:RunInstances"},
	{"iam:PassRole", "glue:CreateDevEndpoint"},
	{"iam:PassRole", "cloudformation:CreateStack"},
	{"iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"},
}

var services = []string{"lambda.amazonaws.com", "ec2.amazonaws.com", "glue.amazonaws.com", "cloudformation.amazonaws.com", "codebuild.amazonaws.com", "ecs-tasks.amazonaws.com", "sagemaker.amazonaws.com"}

type gen struct {
	cfg      Config
	r        *rand.Rand
	accounts []string
	users    [][]string // per account: user ARNs
	roles    [][]string
	st       Stats
}

func (g *gen) account(i int) string { return g.accounts[i%len(g.accounts)] }

// statement returns an Allow statement of ordinary actions on one bucket,
// or, when wild, of a wildcard action or on every resource.
func (g *gen) statement(wild bool) doc {
	var actions []string
	var res any = fmt.Sprintf("arn:aws:s3:::bucket-%d/*", g.r.IntN(5000))
	switch {
	case wild && g.r.IntN(2) == 0:
		actions = []string{wildcardActions[g.r.IntN(len(wildcardActions))]}
		res = "*"
	default:
		for range 1 + g.r.IntN(6) {
			actions = append(actions, benign[g.r.IntN(len(benign))])
		}
		if wild {
			res = "*"
		}
	}
	return doc{"Effect": "Allow", "Action": actions, "Resource": res}
}

// condition returns one of the conditions real policies carry.
func (g *gen) condition() doc {
	switch g.r.IntN(3) {
	case 0:
		return doc{"IpAddress": doc{"aws:SourceIp": []string{"10.0.0.0/8"}}}
	case 1:
		return doc{"StringEquals": doc{"aws:RequestedRegion": "eu-west-1"}}
	}
	return doc{"Bool": doc{"aws:MultiFactorAuthPresent": "true"}}
}

// policyDoc returns a policy document of 1-4 statements, with an escalation
// grant in about one policy in 60.
func (g *gen) policyDoc(acct int) doc {
	wild, cond := g.r.IntN(5) == 0, g.r.IntN(10) == 0
	var stmts []any
	for k := range 1 + g.r.IntN(4) {
		s := g.statement(wild && k == 0)
		if cond && k == 0 {
			s["Condition"] = g.condition()
		}
		stmts = append(stmts, s)
	}
	if g.r.IntN(60) == 0 {
		g.st.EscalationGrants++
		acts := escalation[g.r.IntN(len(escalation))]
		var res any = "*"
		if g.r.IntN(2) == 0 {
			// scoped to a handful of principals of the same account
			var rs []string
			for range 1 + g.r.IntN(3) {
				if g.r.IntN(2) == 0 && len(g.roles[acct]) > 0 {
					rs = append(rs, g.roles[acct][g.r.IntN(len(g.roles[acct]))])
				} else if len(g.users[acct]) > 0 {
					rs = append(rs, g.users[acct][g.r.IntN(len(g.users[acct]))])
				}
			}
			res = rs
		}
		stmts = append(stmts, doc{"Effect": "Allow", "Action": acts, "Resource": res})
	}
	if wild {
		g.st.WildcardPolicies++
	}
	if cond {
		g.st.ConditionalPolicies++
	}
	return doc{"Version": "2012-10-17", "Statement": stmts}
}

func id(prefix string, n int) string { return fmt.Sprintf("%s%017d", prefix, n) }

// Write generates the organisation into dir.
func Write(dir string, cfg Config) (*Files, error) {
	if cfg.Accounts <= 0 || cfg.OUs <= 0 {
		return nil, fmt.Errorf("synth: need at least one account and one OU")
	}
	g := &gen{cfg: cfg, r: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))}
	for i := range cfg.Accounts {
		g.accounts = append(g.accounts, fmt.Sprintf("%012d", 100000000000+i))
	}
	g.users = make([][]string, cfg.Accounts)
	g.roles = make([][]string, cfg.Accounts)
	for i := range cfg.Users {
		a := i % cfg.Accounts
		g.users[a] = append(g.users[a], fmt.Sprintf("arn:aws:iam::%s:user/team%d/user%d", g.account(a), i%40, i))
	}
	for i := range cfg.Roles {
		a := i % cfg.Accounts
		g.roles[a] = append(g.roles[a], fmt.Sprintf("arn:aws:iam::%s:role/svc/role%d", g.account(a), i))
	}
	files := &Files{SCPDir: filepath.Join(dir, "org")}
	const date = "2025-01-02T03:04:05Z"
	policiesPer := max(1, cfg.Policies/cfg.Accounts)
	for a := range cfg.Accounts {
		acct := g.account(a)
		var policies []any
		var policyARNs []string
		for p := range policiesPer {
			arn := fmt.Sprintf("arn:aws:iam::%s:policy/p%d", acct, p)
			policyARNs = append(policyARNs, arn)
			policies = append(policies, doc{
				"PolicyName": fmt.Sprintf("p%d", p), "PolicyId": id("ANPA", a*policiesPer+p), "Arn": arn, "Path": "/",
				"DefaultVersionId": "v1", "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0, "IsAttachable": true,
				"CreateDate": date, "UpdateDate": date,
				"PolicyVersionList": []any{doc{"Document": g.policyDoc(a), "VersionId": "v1", "IsDefaultVersion": true, "CreateDate": date}},
			})
		}
		g.st.Policies += len(policies)
		// Boundaries: the first five policies of each account double as
		// permissions boundaries (broad, with a deny of IAM writes).
		for b := range min(5, len(policies)) {
			policies[b].(doc)["PolicyVersionList"] = []any{doc{"Document": doc{"Version": "2012-10-17", "Statement": []any{
				doc{"Effect": "Allow", "Action": "*", "Resource": "*"},
				doc{"Effect": "Deny", "Action": []string{"iam:Put*", "iam:Attach*", "iam:CreatePolicyVersion"}, "Resource": "*"},
			}}, "VersionId": "v1", "IsDefaultVersion": true, "CreateDate": date}}
		}
		attach := func() []any {
			var out []any
			for range 1 + g.r.IntN(3) {
				// The first five policies are the boundaries: not attached.
				p := min(5, len(policyARNs)-1) + g.r.IntN(max(1, len(policyARNs)-5))
				out = append(out, doc{"PolicyName": fmt.Sprintf("p%d", p), "PolicyArn": policyARNs[p]})
			}
			return out
		}
		boundary := func(d doc) {
			if g.r.IntN(5) == 0 {
				g.st.BoundedPrincipals++
				d["PermissionsBoundary"] = doc{"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": policyARNs[g.r.IntN(min(5, len(policyARNs)))]}
			}
		}
		inline := func() []any {
			if g.r.IntN(4) != 0 {
				return []any{}
			}
			return []any{doc{"PolicyName": "inline", "PolicyDocument": g.policyDoc(a)}}
		}
		var groups []any
		var groupNames []string
		for k := range 8 {
			name := fmt.Sprintf("group%d", k)
			groupNames = append(groupNames, name)
			groups = append(groups, doc{"Path": "/", "GroupName": name, "GroupId": id("AGPA", a*8+k),
				"Arn": fmt.Sprintf("arn:aws:iam::%s:group/%s", acct, name), "CreateDate": date,
				"GroupPolicyList": inline(), "AttachedManagedPolicies": attach()})
		}
		g.st.Groups += len(groups)
		var users []any
		for k, arn := range g.users[a] {
			name := arn[len("arn:aws:iam::000000000000:user/"):]
			path, uname := "/"+name[:len(name)-len(filepath.Base(name))], filepath.Base(name)
			u := doc{"Path": path, "UserName": uname, "UserId": id("AIDA", a*100000+k), "Arn": arn, "CreateDate": date,
				"UserPolicyList": inline(), "GroupList": []string{groupNames[g.r.IntN(len(groupNames))]},
				"AttachedManagedPolicies": attach(), "Tags": []any{}}
			boundary(u)
			users = append(users, u)
		}
		g.st.Users += len(users)
		var roles []any
		chain := 0
		for k, arn := range g.roles[a] {
			uname := filepath.Base(arn)
			var trust doc
			if k%3 == 0 {
				trust = doc{"Effect": "Allow", "Principal": doc{"Service": services[g.r.IntN(len(services))]}, "Action": "sts:AssumeRole"}
				g.st.TrustEntries++
			} else {
				n := 1 + g.r.IntN(50)
				if g.r.IntN(20) == 0 {
					n = 50
				}
				g.st.MaxTrustFanOut = max(g.st.MaxTrustFanOut, n)
				var ps []string
				for range n {
					oa := a
					if g.r.IntN(10) == 0 {
						oa = g.r.IntN(cfg.Accounts) // cross-account trust
					}
					if g.r.IntN(2) == 0 {
						ps = append(ps, g.users[oa][g.r.IntN(len(g.users[oa]))])
					} else {
						ps = append(ps, g.roles[oa][g.r.IntN(len(g.roles[oa]))])
					}
				}
				g.st.TrustEntries += n
				trust = doc{"Effect": "Allow", "Principal": doc{"AWS": ps}, "Action": "sts:AssumeRole"}
			}
			inl := inline()
			// Pass-role chains: each block of 50 roles starts with a chain
			// of 1 to 5 roles, each able to pass the next one (which
			// trusts Lambda) to a new function.
			if k%50 == 0 {
				chain = 1 + g.r.IntN(5)
				g.st.PassChains++
			}
			if pos := k % 50; pos < chain && k+1 < len(g.roles[a]) {
				inl = append(inl, doc{"PolicyName": "chain", "PolicyDocument": doc{"Version": "2012-10-17", "Statement": []any{
					doc{"Effect": "Allow", "Action": []string{"iam:PassRole"}, "Resource": g.roles[a][k+1]},
					doc{"Effect": "Allow", "Action": []string{"lambda:CreateFunction", "lambda:InvokeFunction"}, "Resource": "*"},
				}}})
			}
			if pos := k % 50; pos >= 1 && pos <= chain {
				trust = doc{"Effect": "Allow", "Principal": doc{"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
			}
			// The end of each chain, and one role in 200, is an administrator.
			if pos := k % 50; pos == chain || k%200 == 199 {
				g.st.Admins++
				inl = append(inl, doc{"PolicyName": "admin", "PolicyDocument": doc{"Version": "2012-10-17", "Statement": []any{
					doc{"Effect": "Allow", "Action": "*", "Resource": "*"}}}})
			}
			r := doc{"Path": "/svc/", "RoleName": uname, "RoleId": id("AROA", a*100000+k), "Arn": arn, "CreateDate": date,
				"AssumeRolePolicyDocument": doc{"Version": "2012-10-17", "Statement": []any{trust}},
				"InstanceProfileList":      []any{}, "RolePolicyList": inl, "AttachedManagedPolicies": attach(), "Tags": []any{}, "RoleLastUsed": doc{}}
			boundary(r)
			roles = append(roles, r)
		}
		g.st.Roles += len(roles)
		out := doc{"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies}
		name := filepath.Join(dir, "authz-"+acct+".json")
		if err := writeJSON(name, out); err != nil {
			return nil, err
		}
		files.Authz = append(files.Authz, name)
	}
	if err := g.writeOrg(files.SCPDir); err != nil {
		return nil, err
	}
	files.Stats = g.st
	return files, nil
}

// writeOrg writes the organisation folder: a root, cfg.OUs OUs holding the
// accounts in turn, and one SCP per OU (a FullAWSAccess allow and a deny
// that differs per OU), in the layout of the AWS Organizations CLI output.
func (g *gen) writeOrg(dir string) error {
	for _, sub := range []string{"list-organizational-units-for-parent", "list-accounts-for-parent", "describe-policy", "list-targets-for-policy"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	const root = "r-synth"
	mgmt := "999999999999"
	if err := writeJSON(filepath.Join(dir, "describe-organization.json"), doc{"Organization": doc{"Id": "o-synthetic", "MasterAccountId": mgmt}}); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(dir, "list-roots.json"), doc{"Roots": []any{doc{"Id": root, "Name": "Root"}}}); err != nil {
		return err
	}
	var ous []any
	accounts := make([][]any, g.cfg.OUs)
	for i, a := range g.accounts {
		accounts[i%g.cfg.OUs] = append(accounts[i%g.cfg.OUs], doc{"Id": a, "Name": "account-" + a})
	}
	denies := [][]string{
		{"organizations:LeaveOrganization"}, {"iam:CreateUser", "iam:CreateAccessKey"}, {"ec2:RunInstances"},
		{"s3:DeleteBucket"}, {"kms:ScheduleKeyDeletion"}, {"iam:PutUserPolicy"}, {"lambda:CreateFunction"},
		{"cloudtrail:StopLogging"}, {"iam:UpdateAssumeRolePolicy"}, {"glue:CreateDevEndpoint"},
	}
	var policies []any
	for i := range g.cfg.OUs {
		ou := fmt.Sprintf("ou-synth-%02d", i)
		ous = append(ous, doc{"Id": ou, "Name": ou})
		if err := writeJSON(filepath.Join(dir, "list-accounts-for-parent", ou+".json"), doc{"Accounts": nonNilList(accounts[i])}); err != nil {
			return err
		}
		id := fmt.Sprintf("p-synth%02d", i)
		content, _ := json.Marshal(doc{"Version": "2012-10-17", "Statement": []any{
			doc{"Effect": "Allow", "Action": "*", "Resource": "*"},
			doc{"Effect": "Deny", "Action": denies[i%len(denies)], "Resource": "*"},
		}})
		policies = append(policies, doc{"Id": id, "Name": "guardrail-" + ou, "Type": "SERVICE_CONTROL_POLICY"})
		if err := writeJSON(filepath.Join(dir, "describe-policy", id+".json"), doc{"Policy": doc{
			"PolicySummary": doc{"Id": id, "Name": "guardrail-" + ou, "Type": "SERVICE_CONTROL_POLICY"}, "Content": string(content)}}); err != nil {
			return err
		}
		if err := writeJSON(filepath.Join(dir, "list-targets-for-policy", id+".json"), doc{"Targets": []any{doc{"TargetId": ou, "Type": "ORGANIZATIONAL_UNIT"}}}); err != nil {
			return err
		}
	}
	if err := writeJSON(filepath.Join(dir, "list-organizational-units-for-parent", root+".json"), doc{"OrganizationalUnits": ous}); err != nil {
		return err
	}
	return writeJSON(filepath.Join(dir, "list-policies-SERVICE_CONTROL_POLICY.json"), doc{"Policies": policies})
}

func nonNilList(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

func writeJSON(name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(name, data, 0o644)
}
