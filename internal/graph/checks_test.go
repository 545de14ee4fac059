package graph

import (
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/inventory"
)

const (
	acct      = "111122223333"
	lbID      = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/shop-web/50dc6c495c0c9188"
	webID     = "arn:aws:ec2:us-east-1:111122223333:instance/i-0a1b2c3d4e5f60718"
	profileID = "arn:aws:iam::111122223333:instance-profile/shop-web"
	roleID    = "arn:aws:iam::111122223333:role/shop-web"
	piiID     = "arn:aws:s3:::acme-customer-pii"
	logsID    = "arn:aws:s3:::acme-alb-logs"
	cluster   = "k8s://prod-eks"
	agentID   = "k8s://prod-eks/devops/agent/fixit-bot"
	podID     = "k8s://prod-eks/devops/deployment/fixit-bot"
	saID      = "k8s://prod-eks/devops/serviceaccount/fixit-bot"
	crID      = "k8s://prod-eks//clusterrole/cluster-admin"
	roleK8sID = "k8s://prod-eks/devops/role/configmap-reader"
	secretID  = "k8s://prod-eks/payments/secret/payments-db-credentials"
	gitID     = "https://github.com/acme/infra"
	modelsID  = "arn:aws:s3:::acme-ml-model-artifacts"
)

// estate is a small, realistic snapshot: a public load balancer in front
// of a web instance whose role reads customer data, and a DevOps agent in
// EKS. Each test changes one thing to get a positive and a negative case.
type estate struct{ s *inventory.Snapshot }

func newEstate() *estate {
	s := inventory.New()
	add := func(id, kind, name string, props map[string]any) {
		s.Add(&inventory.Node{ID: id, Kind: kind, Name: name, Account: acct, Provider: "aws", Props: props})
	}
	s.Add(&inventory.Node{ID: inventory.InternetID, Kind: inventory.KindInternet})
	add(lbID, inventory.KindLoadBalancer, "shop-web", map[string]any{"scheme": "internet-facing", "type": "application"})
	add(webID, inventory.KindEC2Instance, "shop-web-1", map[string]any{"metadata_options": map[string]any{"HttpTokens": "required", "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled"}})
	add(profileID, inventory.KindIAMInstanceProfile, "shop-web", nil)
	add(roleID, inventory.KindIAMRole, "shop-web", nil)
	add(piiID, inventory.KindS3Bucket, "acme-customer-pii", nil)
	add(logsID, inventory.KindS3Bucket, "acme-alb-logs", nil)
	s.Connect(inventory.InternetID, lbID, inventory.EdgeReaches, map[string]any{"listener": "HTTPS:443"})
	s.Connect(lbID, webID, inventory.EdgeRoutesTo, map[string]any{"target_group": "shop-web-tg"})
	s.Connect(webID, profileID, inventory.EdgeRunsAs, nil)
	s.Connect(profileID, roleID, inventory.EdgeRunsAs, nil)
	s.Connect(roleID, piiID, inventory.EdgeCanRead, map[string]any{"source": "iam", "action": "s3:GetObject", "resource": piiID + "/*", "statements": []string{"ReadCustomerData"}})
	s.Connect(roleID, logsID, inventory.EdgeCanWrite, map[string]any{"source": "iam", "action": "s3:PutObject", "resource": logsID + "/*"})

	k := func(id, kind, name string, props map[string]any) {
		s.Add(&inventory.Node{ID: id, Kind: kind, Name: name, Provider: "k8s", Account: "prod-eks", Props: props})
	}
	k(cluster, inventory.KindK8sCluster, "prod-eks", nil)
	k(agentID, inventory.KindAIAgent, "fixit-bot", map[string]any{"framework": "langgraph"})
	k(podID, inventory.KindK8sWorkload, "fixit-bot", map[string]any{"kind": "Deployment", "egress_internet": true})
	k(saID, inventory.KindK8sServiceAccount, "fixit-bot", nil)
	k(crID, inventory.KindK8sClusterRole, "cluster-admin", map[string]any{"rules": []any{
		map[string]any{"apiGroups": []any{"*"}, "resources": []any{"*"}, "verbs": []any{"*"}},
	}})
	k(roleK8sID, inventory.KindK8sRole, "configmap-reader", map[string]any{"rules": []any{
		map[string]any{"apiGroups": []any{""}, "resources": []any{"configmaps"}, "verbs": []any{"get", "list"}},
	}})
	k(secretID, inventory.KindK8sSecret, "payments-db-credentials", map[string]any{"type": "Opaque"})
	s.Add(&inventory.Node{ID: gitID, Kind: "git.repository", Name: "acme/infra"})
	s.Connect(agentID, gitID, inventory.EdgeReadsUntrusted, map[string]any{"source": "git"})
	s.Connect(agentID, podID, inventory.EdgeRunsAs, nil)
	s.Connect(podID, saID, inventory.EdgeRunsAs, nil)
	bindClusterAdmin(s)
	return &estate{s}
}

// bindClusterAdmin binds the agent's service account to cluster-admin with
// a ClusterRoleBinding, with the edges the Kubernetes collector derives
// from it: admin of the cluster, and read of every secret.
func bindClusterAdmin(s *inventory.Snapshot) {
	ev := map[string]any{"binding": "k8s://prod-eks//clusterrolebinding/fixit-bot-admin", "binding_kind": "ClusterRoleBinding", "scope": "cluster", "role": crID}
	s.Connect(saID, crID, inventory.EdgeBoundTo, ev)
	s.Connect(saID, cluster, inventory.EdgeAdminOf, ev)
	s.Connect(saID, secretID, inventory.EdgeCanRead, ev)
}

// unbind removes every edge the cluster-admin binding made.
func (e *estate) unbind() *estate {
	e.dropEdge(saID, crID, inventory.EdgeBoundTo)
	e.dropEdge(saID, cluster, inventory.EdgeAdminOf)
	e.dropEdge(saID, secretID, inventory.EdgeCanRead)
	return e
}

func (e *estate) node(id string) *inventory.Node { return e.s.Node(id) }

func (e *estate) dropEdge(from, to, kind string) *estate {
	out := e.s.Edges[:0]
	for _, x := range e.s.Edges {
		if x.From == from && x.To == to && x.Kind == kind {
			continue
		}
		out = append(out, x)
	}
	e.s.Edges = out
	return e
}

func (e *estate) findings(t *testing.T, check string) []inventory.Finding {
	t.Helper()
	r, err := Analyze(e.s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []inventory.Finding
	for _, f := range r.Findings {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

func pathString(f inventory.Finding) string {
	var b strings.Builder
	for i, e := range f.Path {
		if i == 0 {
			b.WriteString(e.From)
		}
		b.WriteString(" -" + e.Kind + "-> " + e.To)
	}
	return b.String()
}

func TestChecksFireOnToxicEstatesAndNotOnSafeOnes(t *testing.T) {
	tests := []struct {
		name   string
		check  string
		change func(*estate)
		want   int
		// wantPath, when set, is the first finding's path.
		wantPath string
		// wantTitle, when set, is part of the first finding's title.
		wantTitle string
	}{
		{
			name: "a public load balancer whose instance role reads customer PII is an attack path", check: CheckExposedPath, want: 1,
			wantPath: "internet -reaches-> " + lbID + " -routes_to-> " + webID + " -runs_as-> " + profileID + " -runs_as-> " + roleID + " -can_read-> " + piiID,
		},
		{
			name: "the same estate with an internal load balancer has no attack path", check: CheckExposedPath,
			change: func(e *estate) { e.dropEdge(inventory.InternetID, lbID, inventory.EdgeReaches) },
		},
		{
			name: "an exposed role that reaches only low-sensitivity logs is no attack path", check: CheckExposedPath,
			change: func(e *estate) { e.dropEdge(roleID, piiID, inventory.EdgeCanRead) },
		},
		{
			name: "a role anyone may assume that is admin of its account is an attack path", check: CheckExposedPath, want: 2,
			change: func(e *estate) {
				bad := "arn:aws:iam::111122223333:role/bad_role"
				root := "arn:aws:iam::111122223333:root"
				e.s.Add(&inventory.Node{ID: bad, Kind: inventory.KindIAMRole, Name: "bad_role", Account: acct})
				e.s.Add(&inventory.Node{ID: root, Kind: inventory.KindAWSAccount, Name: "account " + acct, Account: acct})
				e.s.Connect(inventory.InternetID, bad, inventory.EdgeCanAssume, map[string]any{"trust": "any AWS account"})
				e.s.Connect(bad, root, inventory.EdgeAdminOf, map[string]any{"source": "iam"})
			},
		},
		{
			name: "an admin role only its own account may assume is no attack path", check: CheckExposedPath, want: 1,
			change: func(e *estate) {
				bad := "arn:aws:iam::111122223333:role/ops-admin"
				root := "arn:aws:iam::111122223333:root"
				e.s.Add(&inventory.Node{ID: bad, Kind: inventory.KindIAMRole, Name: "ops-admin", Account: acct})
				e.s.Add(&inventory.Node{ID: root, Kind: inventory.KindAWSAccount, Name: "account " + acct, Account: acct})
				e.s.Connect(bad, root, inventory.EdgeAdminOf, map[string]any{"source": "iam"})
			},
		},
		{
			name: "a vendor account that can assume a role reading customer PII is an attack path", check: CheckOutsiderPath, want: 1,
			change: func(e *estate) {
				vendor := "arn:aws:iam::444455556666:root"
				e.s.Add(&inventory.Node{ID: vendor, Kind: inventory.KindAWSAccount, Account: "444455556666", Props: map[string]any{"external": true}})
				e.s.Connect(vendor, roleID, inventory.EdgeCanAssume, map[string]any{"trust": "account 444455556666"})
			},
			wantPath: "arn:aws:iam::444455556666:root -can_assume-> " + roleID + " -can_read-> " + piiID,
		},
		{
			name: "a vendor account whose role reaches only logs is no attack path", check: CheckOutsiderPath,
			change: func(e *estate) {
				vendor := "arn:aws:iam::444455556666:root"
				e.dropEdge(roleID, piiID, inventory.EdgeCanRead)
				e.s.Add(&inventory.Node{ID: vendor, Kind: inventory.KindAWSAccount, Account: "444455556666", Props: map[string]any{"external": true}})
				e.s.Connect(vendor, roleID, inventory.EdgeCanAssume, map[string]any{"trust": "account 444455556666"})
			},
		},
		{
			name: "an exposed instance with IMDSv1 and a role is reported", check: CheckExposedIMDS, want: 1,
			change: func(e *estate) {
				e.node(webID).Props["metadata_options"] = map[string]any{"HttpTokens": "optional", "HttpPutResponseHopLimit": 1}
			},
			wantPath: "internet -reaches-> " + lbID + " -routes_to-> " + webID + " -runs_as-> " + profileID + " -runs_as-> " + roleID,
		},
		{
			name: "an exposed instance with IMDSv2 and hop limit 2 is reported", check: CheckExposedIMDS, want: 1,
			change: func(e *estate) {
				e.node(webID).Props["metadata_options"] = map[string]any{"HttpTokens": "required", "HttpPutResponseHopLimit": 2.0}
			},
		},
		{
			name: "an exposed instance requiring IMDSv2 with hop limit 1 is not reported", check: CheckExposedIMDS,
		},
		{
			name: "an internal instance with IMDSv1 is not reported by the graph", check: CheckExposedIMDS,
			change: func(e *estate) {
				e.node(webID).Props["metadata_options"] = map[string]any{"HttpTokens": "optional"}
				e.dropEdge(inventory.InternetID, lbID, inventory.EdgeReaches)
			},
		},
		{
			name: "an agent reading git commits with cluster-admin and open egress reaches secrets", check: CheckAgentToxic, want: 1,
			wantPath: agentID + " -reads_untrusted-> " + gitID,
		},
		{
			name: "an agent that reads no untrusted input is not a toxic combination", check: CheckAgentToxic,
			change: func(e *estate) { e.dropEdge(agentID, gitID, inventory.EdgeReadsUntrusted) },
		},
		{
			name: "an agent with no way to send data out is not a toxic combination", check: CheckAgentToxic,
			change: func(e *estate) { e.node(podID).Props["egress_internet"] = false },
		},
		{
			name: "an agent bound to cluster-admin is reported", check: CheckAgentClusterAdmin, want: 1,
			wantPath: agentID + " -runs_as-> " + podID + " -runs_as-> " + saID + " -admin_of-> " + cluster,
		},
		{
			name: "an agent bound to a namespaced read-only role is not reported", check: CheckAgentClusterAdmin,
			change: func(e *estate) {
				e.unbind()
				e.s.Connect(saID, roleK8sID, inventory.EdgeBoundTo, map[string]any{"binding": "fixit-bot-read", "scope": "devops"})
			},
		},
		{
			name: "cluster-admin bound only in a namespace is a wildcard role, not cluster admin", check: CheckAgentClusterAdmin, want: 1,
			wantTitle: "bound to the wildcard role cluster-admin",
			change: func(e *estate) {
				e.unbind()
				e.node(crID).Props["wildcard"] = true
				e.node(crID).Props["cluster_admin"] = true
				ns := "k8s://prod-eks//namespace/devops"
				e.s.Add(&inventory.Node{ID: ns, Kind: inventory.KindK8sNamespace, Name: "devops"})
				e.s.Connect(saID, crID, inventory.EdgeBoundTo, map[string]any{"binding": "ns-admin", "scope": "devops"})
				e.s.Connect(saID, ns, inventory.EdgeAdminOf, map[string]any{"binding": "ns-admin", "scope": "devops"})
			},
		},
		{
			name: "an agent bound to a wildcard role short of cluster-admin is reported", check: CheckAgentClusterAdmin, want: 1,
			change: func(e *estate) {
				e.unbind()
				ops := "k8s://prod-eks/devops/role/ops-everything"
				e.s.Add(&inventory.Node{ID: ops, Kind: inventory.KindK8sRole, Name: "ops-everything", Props: map[string]any{"wildcard": true, "cluster_admin": false}})
				e.s.Connect(saID, ops, inventory.EdgeBoundTo, map[string]any{"binding": "ops", "scope": "devops"})
			},
		},
		{
			name: "an agent bound to a role without wildcards is not reported", check: CheckAgentClusterAdmin,
			change: func(e *estate) {
				e.unbind()
				e.node(roleK8sID).Props["wildcard"] = false
				e.s.Connect(saID, roleK8sID, inventory.EdgeBoundTo, map[string]any{"binding": "read", "scope": "devops"})
			},
		},
		{
			name: "an agent workload with unrestricted egress is reported", check: CheckAgentEgress, want: 1,
		},
		{
			name: "an agent workload with restricted egress is not reported", check: CheckAgentEgress,
			change: func(e *estate) { e.node(podID).Props["egress_internet"] = false },
		},
		{
			name: "an agent on an instance whose security group allows all egress is reported", check: CheckAgentEgress, want: 1,
			change: func(e *estate) {
				e.node(podID).Props["egress_internet"] = false
				sg := "arn:aws:ec2:us-east-1:111122223333:security-group/sg-0agent"
				e.s.Add(&inventory.Node{ID: sg, Kind: inventory.KindSecurityGroup, Name: "agent", Account: acct, Props: map[string]any{"egress_unrestricted": true}})
				e.s.Connect(podID, sg, inventory.EdgeInNetwork, nil)
			},
		},
		{
			name: "an agent on an instance whose security group limits egress is not reported", check: CheckAgentEgress,
			change: func(e *estate) {
				e.node(podID).Props["egress_internet"] = false
				sg := "arn:aws:ec2:us-east-1:111122223333:security-group/sg-0agent"
				e.s.Add(&inventory.Node{ID: sg, Kind: inventory.KindSecurityGroup, Name: "agent", Account: acct, Props: map[string]any{"egress_unrestricted": false}})
				e.s.Connect(podID, sg, inventory.EdgeInNetwork, nil)
			},
		},
		{
			name: "an agent whose role the collector summarises as creating workloads can run up cost", check: CheckAgentCostAbuse, want: 1,
			change: func(e *estate) {
				e.unbind()
				deployer := "k8s://prod-eks/devops/role/deployer"
				e.s.Add(&inventory.Node{ID: deployer, Kind: inventory.KindK8sRole, Name: "deployer", Props: map[string]any{"grants": []string{"workloads:create"}}})
				e.s.Connect(saID, deployer, inventory.EdgeBoundTo, map[string]any{"binding": "deployer", "scope": "devops"})
			},
		},
		{
			name: "a model bucket anyone can write is poisonable", check: CheckPoisonableModel, want: 1,
			change: func(e *estate) {
				e.s.Add(&inventory.Node{ID: modelsID, Kind: inventory.KindS3Bucket, Name: "acme-ml-model-artifacts", Account: acct})
				e.s.Connect(inventory.InternetID, modelsID, inventory.EdgeCanWrite, map[string]any{"source": "bucket policy", "statements": []string{"PublicUpload"}})
			},
		},
		{
			name: "a model bucket the exposed web role can write is poisonable", check: CheckPoisonableModel, want: 1,
			change: func(e *estate) {
				e.s.Add(&inventory.Node{ID: modelsID, Kind: inventory.KindS3Bucket, Name: "acme-ml-model-artifacts", Account: acct})
				e.s.Connect(roleID, modelsID, inventory.EdgeCanWrite, map[string]any{"source": "iam", "action": "s3:PutObject", "resource": modelsID + "/*"})
			},
			wantPath: "internet -reaches-> " + lbID + " -routes_to-> " + webID + " -runs_as-> " + profileID + " -runs_as-> " + roleID + " -can_write-> " + modelsID,
		},
		{
			name: "a model bucket only an internal pipeline role writes is not poisonable", check: CheckPoisonableModel,
			change: func(e *estate) {
				pipe := "arn:aws:iam::111122223333:role/ml-training-pipeline"
				e.s.Add(&inventory.Node{ID: pipe, Kind: inventory.KindIAMRole, Name: "ml-training-pipeline", Account: acct})
				e.s.Add(&inventory.Node{ID: modelsID, Kind: inventory.KindS3Bucket, Name: "acme-ml-model-artifacts", Account: acct})
				e.s.Connect(pipe, modelsID, inventory.EdgeCanWrite, map[string]any{"source": "iam"})
			},
		},
		{
			name: "an agent that may create deployments can run up cost", check: CheckAgentCostAbuse, want: 1,
		},
		{
			name: "an agent that may only read config maps cannot", check: CheckAgentCostAbuse,
			change: func(e *estate) {
				e.unbind()
				e.s.Connect(saID, roleK8sID, inventory.EdgeBoundTo, map[string]any{"binding": "fixit-bot-read", "namespace": "devops"})
			},
		},
		{
			name: "a workload holding an OpenAI key that is not an agent is a shadow agent", check: CheckShadowAgent, want: 1,
			change: func(e *estate) {
				key := "aikey://openai/sha256:6f1e0c"
				e.s.Add(&inventory.Node{ID: key, Kind: inventory.KindAIAPIKey, Props: map[string]any{"provider": "openai"}})
				e.s.Connect(webID, key, inventory.EdgeHoldsKey, map[string]any{"env": "OPENAI_API_KEY"})
			},
		},
		{
			name: "a registered agent's workload holding a key is not a shadow agent", check: CheckShadowAgent,
			change: func(e *estate) {
				key := "aikey://openai/sha256:6f1e0c"
				e.s.Add(&inventory.Node{ID: key, Kind: inventory.KindAIAPIKey, Props: map[string]any{"provider": "openai"}})
				e.s.Connect(podID, key, inventory.EdgeHoldsKey, map[string]any{"env": "OPENAI_API_KEY"})
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEstate()
			if tt.change != nil {
				tt.change(e)
			}
			got := e.findings(t, tt.check)
			if len(got) != tt.want {
				for _, f := range got {
					t.Logf("%s %s: %s", f.Severity, f.Title, pathString(f))
				}
				t.Fatalf("%s: %d findings, want %d", tt.check, len(got), tt.want)
			}
			if tt.wantTitle != "" && !strings.Contains(got[0].Title, tt.wantTitle) {
				t.Errorf("title %q, want it to contain %q", got[0].Title, tt.wantTitle)
			}
			if tt.wantPath != "" && !strings.HasPrefix(pathString(got[0]), tt.wantPath) {
				t.Errorf("path = %s\nwant prefix %s", pathString(got[0]), tt.wantPath)
			}
			for _, f := range got {
				if f.Remediation == "" || len(f.Frameworks) == 0 || f.Severity.Rank() < 0 || len(f.Resources) == 0 {
					t.Errorf("finding %q lacks remediation, frameworks, severity or resources", f.Title)
				}
			}
		})
	}
}

func TestAgentToxicPathEndsAtTheSecretThroughClusterAdmin(t *testing.T) {
	fs := newEstate().findings(t, CheckAgentToxic)
	if len(fs) != 1 {
		t.Fatalf("%d findings", len(fs))
	}
	f := fs[0]
	// The first edge is the untrusted read; the rest leads from the agent
	// through its workload and service account to the secret.
	want := agentID + " -reads_untrusted-> " + gitID + " -runs_as-> " + podID + " -runs_as-> " + saID + " -can_read-> " + secretID
	var b strings.Builder
	b.WriteString(agentID + " -reads_untrusted-> " + gitID)
	for _, e := range f.Path[1:] {
		b.WriteString(" -" + e.Kind + "-> " + e.To)
	}
	if b.String() != want || f.Path[1].From != agentID || f.Severity != inventory.Critical {
		t.Errorf("path %s (severity %s)\nwant %s, critical", pathString(f), f.Severity, want)
	}
	if f.Evidence["admin_on_path"] != true {
		t.Error("cluster-admin on the path is not in the evidence")
	}
	if RiskScore(f) != 36 {
		t.Errorf("risk score %d, want 3x3x4 = 36", RiskScore(f))
	}
}

func TestRankPutsSeverityFirstThenRisk(t *testing.T) {
	fs := []inventory.Finding{
		{Check: "B", Severity: inventory.High, Evidence: map[string]any{"risk_score": 30}},
		{Check: "A", Severity: inventory.Critical, Evidence: map[string]any{"risk_score": 12}},
		{Check: "C", Severity: inventory.Critical, Evidence: map[string]any{"risk_score": 36}},
		{Check: "D", Severity: inventory.Critical},
	}
	Rank(fs)
	var got []string
	for _, f := range fs {
		got = append(got, f.Check)
	}
	if strings.Join(got, "") != "CADB" {
		t.Errorf("order %v, want C A D B", got)
	}
}

func TestAttackPathPrefersCriticalDataAndListsAlternatives(t *testing.T) {
	e := newEstate()
	// A second route from the web instance to the PII bucket through
	// another role, and a high-sensitivity table.
	other := "arn:aws:iam::111122223333:role/shop-reports"
	orders := "arn:aws:dynamodb:us-east-1:111122223333:table/orders"
	e.s.Add(&inventory.Node{ID: other, Kind: inventory.KindIAMRole, Name: "shop-reports", Account: acct})
	e.s.Add(&inventory.Node{ID: orders, Kind: inventory.KindDynamoDBTable, Name: "orders", Account: acct})
	e.s.Connect(roleID, other, inventory.EdgeCanAssume, nil)
	e.s.Connect(other, piiID, inventory.EdgeCanRead, map[string]any{"source": "iam"})
	e.s.Connect(roleID, orders, inventory.EdgeCanRead, map[string]any{"source": "iam"})
	fs := e.findings(t, CheckExposedPath)
	if len(fs) != 1 {
		t.Fatalf("%d findings", len(fs))
	}
	f := fs[0]
	if f.Evidence["target"] != piiID || f.Severity != inventory.Critical {
		t.Errorf("target %v (%s), want the critical PII bucket", f.Evidence["target"], f.Severity)
	}
	alts, _ := f.Evidence["alternative_paths"].([][]string)
	if len(alts) != 1 || alts[0][len(alts[0])-2] != other {
		t.Errorf("alternative paths = %v, want the one through %s", alts, other)
	}
	if others, _ := f.Evidence["other_targets"].([]string); len(others) != 1 || others[0] != orders {
		t.Errorf("other targets = %v, want %s", f.Evidence["other_targets"], orders)
	}
}

func TestK8sName(t *testing.T) {
	for id, want := range map[string][2]string{
		"k8s://prod/platform/serviceaccount/agent": {"prod", "serviceaccount platform/agent"},
		"k8s://prod//clusterrole/cluster-admin":    {"prod", "clusterrole cluster-admin"},
		"arn:aws:iam::111122223333:role/x":         {"", "arn:aws:iam::111122223333:role/x"},
		"k8s://prod/ns/kind":                       {"", "k8s://prod/ns/kind"},
		"k8s://prod/ns/secret/":                    {"", "k8s://prod/ns/secret/"},
	} {
		if c, n := k8sName(id); c != want[0] || n != want[1] {
			t.Errorf("k8sName(%q) = %q, %q; want %q, %q", id, c, n, want[0], want[1])
		}
	}
}
