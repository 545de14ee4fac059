package aws

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/parapet-sec/parapet/internal/collect/k8s"
	"github.com/parapet-sec/parapet/internal/inventory"
)

func acmeSnapshot(t *testing.T) *inventory.Snapshot {
	t.Helper()
	snap, err := CollectResources(filepath.Join("testdata", "account-data"))
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func TestAIAndClusterServices(t *testing.T) {
	snap := acmeSnapshot(t)
	const (
		a      = "111122223333"
		agent  = "arn:aws:bedrock:eu-west-1:" + a + ":agent/KX7M2P9QWE"
		kb     = "arn:aws:bedrock:eu-west-1:" + a + ":knowledge-base/KB4DOCS001"
		order  = "arn:aws:lambda:eu-west-1:" + a + ":function:order-lookup"
		model  = "arn:aws:sagemaker:eu-west-1:" + a + ":model/churn-xgb-2026-09"
		eks    = "arn:aws:eks:eu-west-1:" + a + ":cluster/prod-eks"
		rt     = "arn:aws:bedrock-agentcore:eu-west-1:" + a + ":runtime/incident_triage-Xy7Qp2Lm9N"
		admins = "arn:aws:iam::" + a + ":role/platform-admins"
	)
	edges := []struct {
		name           string
		from, to, kind string
		want           bool
	}{
		{"a Bedrock agent runs as its resource role", agent, "arn:aws:iam::" + a + ":role/service-role/bedrock-support-agent", inventory.EdgeRunsAs, true},
		{"a Bedrock agent calls its action groups", agent, agent + "/action-group/QWE12RTY34", inventory.EdgeCallsTool, true},
		{"an action group routes to its Lambda executor", agent + "/action-group/QWE12RTY34", order, inventory.EdgeRoutesTo, true},
		{"a Bedrock agent retrieves from its knowledge base", agent, kb, inventory.EdgeRetrievesFrom, true},
		{"a knowledge base retrieves from its vector store", kb, "arn:aws:aoss:eu-west-1:" + a + ":collection/k1t2b3v4c5x6", inventory.EdgeRetrievesFrom, true},
		{"a knowledge base retrieves from its S3 data source", kb, "arn:aws:s3:::acme-support-docs", inventory.EdgeRetrievesFrom, true},
		{"a web-crawler data source reads untrusted content", kb, inventory.InternetID, inventory.EdgeReadsUntrusted, true},
		{"a SageMaker model reads its artifact bucket", model, "arn:aws:s3:::acme-ml-artifacts", inventory.EdgeRetrievesFrom, true},
		{"a SageMaker endpoint routes to its model", "arn:aws:sagemaker:eu-west-1:" + a + ":endpoint/churn-prod", model, inventory.EdgeRoutesTo, true},
		{"an AgentCore runtime runs as its role", rt, "arn:aws:iam::" + a + ":role/agentcore-triage", inventory.EdgeRunsAs, true},
		{"a public EKS endpoint open to 0.0.0.0/0 is reached", inventory.InternetID, eks, inventory.EdgeReaches, true},
		{"a cluster-admin access entry makes the role admin of the cluster", admins, k8s.ClusterID("prod-eks"), inventory.EdgeAdminOf, true},
		{"a namespace-scoped edit entry is not admin", "arn:aws:iam::" + a + ":user/dev-oncall", k8s.ClusterID("prod-eks"), inventory.EdgeAdminOf, false},
		{"an access entry's Kubernetes group joins the RBAC graph", "arn:aws:iam::" + a + ":user/dev-oncall", k8s.ID("prod-eks", "", "Group", "acme:platform"), inventory.EdgeMemberOf, true},
		{"a node access entry gives no edge", "arn:aws:iam::" + a + ":role/eks-node", k8s.ClusterID("prod-eks"), inventory.EdgeAdminOf, false},
		{"a pod identity association runs the service account as the role", k8s.ID("prod-eks", "agents", "ServiceAccount", "support-chatbot"), "arn:aws:iam::" + a + ":role/eks-support-chatbot", inventory.EdgeRunsAs, true},
		{"a function URL without auth is reached", inventory.InternetID, "arn:aws:lambda:eu-west-1:" + a + ":function:ticket-summarizer", inventory.EdgeReaches, true},
		{"a regional REST API is reached", inventory.InternetID, "arn:aws:apigateway:eu-west-1::/restapis/a1b2c3d4e5", inventory.EdgeReaches, true},
		{"a REST API routes to its Lambda integration", "arn:aws:apigateway:eu-west-1::/restapis/a1b2c3d4e5", order, inventory.EdgeRoutesTo, true},
		{"a launch template runs as its instance profile's role", "arn:aws:ec2:eu-west-1:" + a + ":launch-template/lt-0a1b2c3d4e5f60001", admins, inventory.EdgeRunsAs, true},
		{"a model-artifact bucket open to anyone is writable from the internet", inventory.InternetID, "arn:aws:s3:::acme-ml-artifacts", inventory.EdgeCanWrite, true},
	}
	for _, tt := range edges {
		t.Run(tt.name, func(t *testing.T) {
			if got := hasEdge(snap, tt.from, tt.to, tt.kind) != nil; got != tt.want {
				t.Errorf("edge %s -%s-> %s = %v, want %v", tt.from, tt.kind, tt.to, got, tt.want)
			}
		})
	}
	props := []struct {
		name, id, prop string
		want           any
	}{
		{"an agent records its foundation model", agent, "foundation_model", "anthropic.claude-3-5-sonnet-20240620-v1:0"},
		{"an agent without a guardrail says so", agent, "guardrail", ""},
		{"the artifact bucket is marked", "arn:aws:s3:::acme-ml-artifacts", "holds_model_artifacts", true},
		{"the knowledge-base bucket is marked", "arn:aws:s3:::acme-support-docs", "knowledge_base_source", true},
		{"a notebook with direct internet access says so", "arn:aws:sagemaker:eu-west-1:" + a + ":notebook-instance/ds-exploration", "direct_internet_access", true},
		{"a public AgentCore runtime has internet egress", rt, "egress_internet", true},
		{"an AgentCore runtime records its protocol", rt, "protocol", "HTTP"},
		{"an auto scaling group records its maximum", "arn:aws:autoscaling:eu-west-1:" + a + ":autoScalingGroup:3f1a2b4c-5d6e-7f80-9a1b-2c3d4e5f6a7b:autoScalingGroupName/eks-prod-gpu-nodes-2ac5f1e0", "max_size", 200},
		{"a launch template without required tokens allows IMDSv1", "arn:aws:ec2:eu-west-1:" + a + ":launch-template/lt-0a1b2c3d4e5f60001", "imdsv1_allowed", true},
		{"a launch template records a hop limit above 1", "arn:aws:ec2:eu-west-1:" + a + ":launch-template/lt-0a1b2c3d4e5f60001", "imds_hop_limit", 2},
		{"the EKS cluster records its OIDC issuer", eks, "oidc_issuer", "https://oidc.eks.eu-west-1.amazonaws.com/id/4F2A1C9E7B3D5A8C0E6F1B2D3C4A5E6F"},
	}
	for _, tt := range props {
		t.Run(tt.name, func(t *testing.T) {
			n := snap.Node(tt.id)
			if n == nil {
				t.Fatalf("no node %s", tt.id)
			}
			if n.Props[tt.prop] != tt.want {
				t.Errorf("%s = %v, want %v", tt.prop, n.Props[tt.prop], tt.want)
			}
		})
	}
	t.Run("a Lambda's OpenAI key is kept as a fingerprint only", func(t *testing.T) {
		n := snap.Node("arn:aws:lambda:eu-west-1:" + a + ":function:ticket-summarizer")
		keys, _ := n.Props["ai_keys"].([]map[string]any)
		if len(keys) != 1 || keys[0]["provider"] != "openai" || keys[0]["fingerprint"] == nil {
			t.Errorf("ai_keys = %v", n.Props["ai_keys"])
		}
		hosts, _ := n.Props["ai_hosts"].([]string)
		if len(hosts) != 1 || hosts[0] != "api.openai.com" {
			t.Errorf("ai_hosts = %v", hosts)
		}
		var buf bytes.Buffer
		if err := snap.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(buf.Bytes(), []byte("FAKEKEYFORTESTSONLY")) {
			t.Error("the snapshot holds an environment value")
		}
	})
}
