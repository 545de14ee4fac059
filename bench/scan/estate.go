package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/parapet-sec/parapet/internal/iam"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// Shares of the synthetic estate, chosen from what large AWS estates look
// like: most compute is private, a few percent is reachable from the
// internet, a few roles hold wildcard policies, a few trust other accounts.
const (
	shareInstances    = 0.30
	shareLoadBalancer = 0.02
	shareLambda       = 0.08
	shareBuckets      = 0.20
	shareTables       = 0.10
	shareSecrets      = 0.05
	shareRDS          = 0.03
	shareQueues       = 0.05
	shareGroups       = 0.05
	shareAgents       = 0.004 // agent + its workload + service account ~ 1.2%
	shareInterfaces   = 0.108 // network interfaces of instances: the rest

	sharePublicInstances = 0.05 // public IP and an open group
	sharePublicLB        = 0.50 // of load balancers: internet-facing
	shareFunctionURLs    = 0.03
	shareIMDSv1          = 0.20
	sharePublicBuckets   = 0.01
	shareSensitiveNames  = 0.10 // customer, payment, pii ... in the name

	shareWildcardRoles    = 0.03 // Action "*" on "*"
	shareReadAllRoles     = 0.10 // s3:Get*, dynamodb:Get* ... on "*"
	shareCrossAccount     = 0.05 // trusted by a role of another account
	shareUsers            = 0.10 // of principals
	principalsPerResource = 0.10
)

// estate is a generated estate: the inventory and the IAM model of it.
type estate struct {
	snap       *inventory.Snapshot
	model      *iam.Model
	resources  int
	principals int
}

// generate builds an estate of about n resources and n/10 principals over
// accounts accounts, deterministically from seed.
func generate(n, accounts int, seed uint64) (*estate, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	e := &estate{snap: inventory.New(), model: iam.NewModel()}
	s := e.snap
	s.Add(&inventory.Node{ID: inventory.InternetID, Kind: inventory.KindInternet, Name: "internet"})

	// Policies are shared, as customer-managed policies are: one per
	// account and shape, attached to many roles.
	wildcard, err := iam.ParsePolicy([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"Admin","Effect":"Allow","Action":"*","Resource":"*"}]}`))
	if err != nil {
		return nil, err
	}
	wildcard.Source = "arn:aws:iam::aws:policy/AdministratorAccess"
	readAll, err := iam.ParsePolicy([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"ReadData","Effect":"Allow","Action":["s3:Get*","s3:List*","dynamodb:Get*","dynamodb:Query","dynamodb:Scan","secretsmanager:GetSecretValue"],"Resource":"*"}]}`))
	if err != nil {
		return nil, err
	}
	readAll.Source = "arn:aws:iam::aws:policy/ReadOnlyData"

	perAccount := n / accounts
	rolesPerAccount := max(1, int(float64(perAccount)*principalsPerResource))
	for a := 0; a < accounts; a++ {
		acct := fmt.Sprintf("%012d", 100000000000+a*7919)
		arn := func(svc, res string) string { return "arn:aws:" + svc + ":us-east-1:" + acct + ":" + res }
		add := func(id, kind, name string, props map[string]any) {
			s.Add(&inventory.Node{ID: id, Kind: kind, Provider: "aws", Account: acct, Region: "us-east-1", Name: name, Props: props})
			e.resources++
		}
		count := func(share float64) int { return int(float64(perAccount) * share) }

		// Data first, so role policies can name it.
		var buckets, tables, secrets []string
		sensitive := func(i int, base string) string {
			if rng.Float64() < shareSensitiveNames {
				return fmt.Sprintf("%s-customer-payments-%d", base, i)
			}
			return fmt.Sprintf("%s-app-%d", base, i)
		}
		for i := range count(shareBuckets) {
			name := sensitive(i, "b"+acct)
			id := "arn:aws:s3:::" + name
			props := map[string]any{"bucket": name, "public_read": false, "public_write": false}
			if rng.Float64() < sharePublicBuckets {
				props["public_read"] = true
				s.Connect(inventory.InternetID, id, inventory.EdgeCanRead, map[string]any{"via": "bucket_policy"})
			}
			add(id, inventory.KindS3Bucket, name, props)
			buckets = append(buckets, id)
		}
		for i := range count(shareTables) {
			name := sensitive(i, "t")
			id := arn("dynamodb", "table/"+name)
			add(id, inventory.KindDynamoDBTable, name, map[string]any{"table_name": name})
			tables = append(tables, id)
		}
		for i := range count(shareSecrets) {
			name := fmt.Sprintf("prod/svc-%d/db-password", i)
			id := arn("secretsmanager", "secret:"+name+"-AbC123")
			add(id, inventory.KindSecret, name, nil)
			secrets = append(secrets, id)
		}
		for i := range count(shareRDS) {
			name := sensitive(i, "db")
			add(arn("rds", "db:"+name), inventory.KindRDSInstance, name, map[string]any{"engine": "postgres"})
		}
		for i := range count(shareQueues) {
			name := fmt.Sprintf("jobs-%d", i)
			add(arn("sqs", name), inventory.KindSQSQueue, name, nil)
		}

		// Roles: scoped ones name two buckets, a table and a secret.
		roles := make([]string, rolesPerAccount)
		for r := range rolesPerAccount {
			kind, name := iam.KindRole, fmt.Sprintf("svc-%d", r)
			if rng.Float64() < shareUsers {
				kind, name = iam.KindUser, fmt.Sprintf("user-%d", r)
			}
			id := "arn:aws:iam::" + acct + ":" + kind + "/" + name
			p := &iam.Principal{ARN: id, Kind: kind, Name: name, Account: acct}
			switch x := rng.Float64(); {
			case x < shareWildcardRoles:
				p.Managed = []*iam.Policy{wildcard}
			case x < shareWildcardRoles+shareReadAllRoles:
				p.Managed = []*iam.Policy{readAll}
			default:
				doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"AppData","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":[%q,%q]},{"Sid":"AppTable","Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query"],"Resource":%q},{"Sid":"AppSecret","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":%q}]}`,
					pick(rng, buckets)+"/*", pick(rng, buckets)+"/*", pick(rng, tables), pick(rng, secrets))
				pol, err := iam.ParsePolicy([]byte(doc))
				if err != nil {
					return nil, err
				}
				pol.Source = name + " inline policy app"
				p.Inline = []*iam.Policy{pol}
			}
			e.model.AddPrincipal(p)
			kindNode := inventory.KindIAMRole
			if kind == iam.KindUser {
				kindNode = inventory.KindIAMUser
			}
			s.Add(&inventory.Node{ID: id, Kind: kindNode, Provider: "aws", Account: acct, Name: name})
			e.principals++
			roles[r] = id
		}

		// Compute, each running as a role of its account.
		groups := make([]string, max(1, count(shareGroups)))
		for i := range groups {
			groups[i] = arn("ec2", fmt.Sprintf("security-group/sg-%08x", i))
			add(groups[i], inventory.KindSecurityGroup, fmt.Sprintf("sg-%d", i), map[string]any{"open_to_internet": i == 0})
		}
		var instances []string
		for i := range count(shareInstances) {
			id := arn("ec2", fmt.Sprintf("instance/i-%017x", i))
			props := map[string]any{"imdsv1_allowed": rng.Float64() < shareIMDSv1, "imds_hop_limit": 1, "imds_enabled": true}
			public := rng.Float64() < sharePublicInstances
			if public {
				props["public_ip"] = fmt.Sprintf("3.%d.%d.%d", a, i/256%256, i%256)
				props["internet_reachable"] = true
			}
			add(id, inventory.KindEC2Instance, fmt.Sprintf("app-%d", i), props)
			s.Connect(id, groups[rng.IntN(len(groups))], inventory.EdgeInNetwork, nil)
			s.Connect(id, pick(rng, roles), inventory.EdgeRunsAs, map[string]any{"instance_profile": "app"})
			if public {
				s.Connect(inventory.InternetID, id, inventory.EdgeReaches, map[string]any{"public_ip": props["public_ip"]})
			}
			instances = append(instances, id)
		}
		for i := range count(shareInterfaces) {
			id := arn("ec2", fmt.Sprintf("network-interface/eni-%017x", i))
			add(id, inventory.KindNetworkInterface, fmt.Sprintf("eni-%d", i), nil)
			s.Connect(pick(rng, instances), id, inventory.EdgeInNetwork, nil)
		}
		for i := range count(shareLoadBalancer) {
			id := arn("elasticloadbalancing", fmt.Sprintf("loadbalancer/app/lb-%d/%016x", i, i))
			public := rng.Float64() < sharePublicLB
			add(id, inventory.KindLoadBalancer, fmt.Sprintf("lb-%d", i), map[string]any{"type": "application", "internet_facing": public})
			if public {
				s.Connect(inventory.InternetID, id, inventory.EdgeReaches, map[string]any{"scheme": "internet-facing"})
			}
			for range 5 {
				s.Connect(id, pick(rng, instances), inventory.EdgeRoutesTo, nil)
			}
		}
		for i := range count(shareLambda) {
			id := arn("lambda", fmt.Sprintf("function:fn-%d", i))
			add(id, inventory.KindLambdaFunction, fmt.Sprintf("fn-%d", i), nil)
			s.Connect(id, pick(rng, roles), inventory.EdgeRunsAs, map[string]any{"field": "Role"})
			if rng.Float64() < shareFunctionURLs {
				s.Connect(inventory.InternetID, id, inventory.EdgeReaches, map[string]any{"auth_type": "NONE"})
			}
		}
		// Agents on EKS: agent -> workload -> service account -> IRSA role.
		for i := range count(shareAgents) {
			cl := fmt.Sprintf("eks-%d", a)
			wl := fmt.Sprintf("k8s://%s/agents/deployment/agent-%d", cl, i)
			sa := fmt.Sprintf("k8s://%s/agents/serviceaccount/agent-%d", cl, i)
			ag := fmt.Sprintf("k8s://%s/agents/agent/agent-%d", cl, i)
			env := []string{"OPENAI_API_KEY"}
			if i%2 == 0 {
				env = append(env, "GITHUB_TOKEN")
			}
			s.Add(&inventory.Node{ID: wl, Kind: inventory.KindK8sWorkload, Provider: "k8s", Account: cl, Name: fmt.Sprintf("agent-%d", i),
				Props: map[string]any{"env": env, "egress_internet": true}})
			s.Add(&inventory.Node{ID: sa, Kind: inventory.KindK8sServiceAccount, Provider: "k8s", Account: cl, Name: fmt.Sprintf("agent-%d", i)})
			s.Add(&inventory.Node{ID: ag, Kind: inventory.KindAIAgent, Provider: "k8s", Account: cl, Name: fmt.Sprintf("agent-%d", i)})
			e.resources += 3
			s.Connect(ag, wl, inventory.EdgeRunsAs, nil)
			s.Connect(wl, sa, inventory.EdgeRunsAs, map[string]any{"field": "serviceAccountName"})
			s.Connect(sa, pick(rng, roles), inventory.EdgeRunsAs, map[string]any{"via": "irsa"})
		}
	}
	// Cross-account trust: a role of one account may assume a role of
	// another, as the escalation analysis reports it.
	all := e.model.Principals()
	for _, p := range all {
		if p.Kind == iam.KindRole && rng.Float64() < shareCrossAccount {
			from := all[rng.IntN(len(all))]
			if from.Account != p.Account {
				s.Connect(from.ARN, p.ARN, inventory.EdgeCanEscalateTo, map[string]any{"technique": "sts-001"})
			}
		}
	}
	return e, nil
}

func pick(rng *rand.Rand, s []string) string {
	if len(s) == 0 {
		return "arn:aws:s3:::none"
	}
	return s[rng.IntN(len(s))]
}
