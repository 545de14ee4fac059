package terraform

import (
	"testing"

	"github.com/parapet-sec/parapet/internal/aibom"
	"github.com/parapet-sec/parapet/internal/inventory"
)

func TestEveryModelledResourceTypeBecomesNodesPropsAndEdges(t *testing.T) {
	c, s := load(t, "testdata/estate")
	if len(c.Warnings) > 0 {
		t.Errorf("warnings: %q", c.Warnings)
	}
	role := "arn:aws:iam::<unknown>:role/eks-node"
	props := []struct {
		node, prop string
		want       any
	}{
		{role, "permissions_boundary", "arn:aws:iam::<unknown>:policy/boundary"},
		{"arn:aws:iam::<unknown>:instance-profile/eks-node", "role", role},
		{"tf://aws_security_group.nodes", "open_to_internet", true},
		{"tf://aws_launch_template.nodes", "imdsv1_allowed", false},
		{"tf://aws_launch_template.nodes", "imds_hop_limit", 2},
		{"tf://aws_launch_template.nodes", "user_data", true},
		{"tf://aws_launch_template.nodes", "ai_hosts", []string{"api.anthropic.com"}},
		{"tf://aws_launch_template.nodes", "instance_profile", "arn:aws:iam::<unknown>:instance-profile/eks-node"},
		{"tf://aws_autoscaling_group.nodes", "launch_template_node", "tf://aws_launch_template.nodes"},
		{"tf://aws_autoscaling_group.nodes", "max_size", 3},
		{"tf://aws_eks_cluster.agents", "kubernetes_cluster", "k8s://agents"},
		{"tf://aws_eks_cluster.agents", "internet_reachable", true},
		{"tf://aws_bedrockagent_agent_action_group.tools", "executor_lambda", "arn:aws:lambda:eu-west-1:<unknown>:function:webhook"},
		{"tf://aws_bedrockagent_agent_action_group.tools", "functions", []string{"search", "delete_ticket"}},
		{"tf://aws_bedrockagent_agent_action_group.tools", "functions_requiring_confirmation", []string{"delete_ticket"}},
		{"tf://aws_bedrockagent_agent_action_group.tools", "agent", "tf://aws_bedrockagent_agent.helper"},
		{"tf://aws_bedrockagentcore_agent_runtime.mcp", "egress_internet", true},
		{"tf://aws_bedrockagentcore_agent_runtime.mcp", "inbound_auth", "jwt"},
		{"tf://aws_bedrockagentcore_agent_runtime.mcp", "protocol", "MCP"},
		{"tf://aws_bedrockagentcore_agent_runtime.mcp", "env", []string{"OPENAI_API_KEY"}},
		{"tf://aws_bedrockagentcore_agent_runtime.mcp", "ai_keys", []map[string]any{{"env": "OPENAI_API_KEY", "fingerprint": aibom.Fingerprint("sk-not-a-real-key"), "provider": "openai"}}},
		{"tf://aws_sagemaker_model.ranker", "execution_role", "arn:aws:iam::<unknown>:role/eks-node"},
		{"tf://aws_sagemaker_endpoint.ranker", "models", []string{"tf://aws_sagemaker_model.ranker"}},
		{"tf://aws_lambda_function.hook", "egress_internet", nil},
		{"tf://aws_db_instance.crm", "publicly_accessible", true},
		{"tf://aws_db_instance.crm", "internet_reachable", true},
		{"tf://aws_db_instance.crm", "engine", "postgres"},
		{"tf://aws_dynamodb_table.sessions", "table_name", "agent-sessions"},
		{"tf://aws_dynamodb_table.sessions", "public_read", false},
		{"tf://aws_secretsmanager_secret.api", "public_read", true},
		{"tf://aws_sqs_queue.tasks", "public_write", true},
		{"tf://aws_sns_topic.alerts", "public_read", false},
		{"tf://aws_ecr_repository.tools", "scan_on_push", false},
		{"tf://aws_ecr_repository.tools", "image_tag_mutability", "MUTABLE"},
		{"arn:aws:s3:::acme-legacy-exports", "public_write", true},
		{"arn:aws:s3:::acme-legacy-exports", "encryption", "aws:kms"},
		{"tf://aws_launch_template.nodes", "egress_internet", false},
		{"tf://aws_eks_cluster.agents", "endpoint_public_access", true},
		{"arn:aws:s3:::acme-public-docs", "public_read", true},
		{"arn:aws:s3:::acme-public-docs", "public_write", false},
		{"tf://aws_lambda_function.hook", "public_invoke", true},
		{"tf://aws_sagemaker_notebook_instance.lab", "direct_internet_access", true},
		{"tf://aws_sagemaker_notebook_instance.lab", "egress_internet", true},
		{"tf://aws_bedrockagent_agent.helper", "guardrail", "<unknown:aws_bedrock_guardrail.default.guardrail_id>"},
		{"tf://aws_bedrockagent_knowledge_base.kb", "storage_type", "OPENSEARCH_SERVERLESS"},
	}
	for _, tt := range props {
		n := s.Node(tt.node)
		if n == nil {
			t.Errorf("no node %s", tt.node)
			continue
		}
		if got := n.Props[tt.prop]; toJSON(got) != toJSON(tt.want) {
			t.Errorf("%s props.%s = %v, want %v", tt.node, tt.prop, got, tt.want)
		}
	}
	if n := s.Node("tf://aws_lambda_function.west"); n == nil || n.Region != "us-west-2" || n.Props["arn"] != "arn:aws:lambda:us-west-2:<unknown>:function:replica" {
		t.Errorf("function of the aliased provider = %+v", n)
	}
	if n := s.Node("tf://aws_lambda_function.hook"); n.Region != "eu-west-1" {
		t.Errorf("function of the default provider is in %q", n.Region)
	}
	if keys, _ := s.Node("tf://aws_launch_template.nodes").Props["ai_keys"].([]map[string]any); len(keys) != 1 || keys[0]["provider"] != "anthropic" {
		t.Errorf("AI key in the launch template's user data = %v", keys)
	}
	sg := s.Node("tf://aws_security_group.nodes")
	if got := toJSON(sg.Props["open_ports"]); got != `["tcp/443","all"]` {
		t.Errorf("open ports from rule resources = %s", got)
	}
	cluster := s.Node("tf://aws_eks_cluster.agents")
	if got := compactJSON(cluster.Props["access_entries"]); got != `[{"kubernetes_groups":["system:masters"],"principal":"arn:aws:iam::<unknown>:user/ci","type":"STANDARD"}]` {
		t.Errorf("access entries = %s", got)
	}
	if got := toJSON(s.Node("tf://aws_bedrock_guardrail.default").Props["content_filters"]); got != `["HATE","PROMPT_ATTACK"]` {
		t.Errorf("guardrail filters = %s", got)
	}
	ci := s.Node("arn:aws:iam::<unknown>:user/ci")
	if got := compactJSON(ci.Props["managed_policies"]); got != `["arn:aws:iam::<unknown>:policy/boundary"]` {
		t.Errorf("ci managed policies = %s", got)
	}
	if got := toJSON(s.Node("arn:aws:iam::<unknown>:group/deployers").Props["managed_policies"]); got != `["arn:aws:iam::aws:policy/PowerUserAccess"]` {
		t.Errorf("group managed policies = %s", got)
	}
	sa := "k8s://agents/agents/serviceaccount/planner"
	edges := [][3]string{
		{"arn:aws:iam::<unknown>:user/ci", "arn:aws:iam::<unknown>:group/deployers", inventory.EdgeMemberOf},
		{"tf://aws_launch_template.nodes", role, inventory.EdgeRunsAs},
		{"tf://aws_launch_template.nodes", "tf://aws_security_group.nodes", inventory.EdgeInNetwork},
		{"tf://aws_autoscaling_group.nodes", role, inventory.EdgeRunsAs},
		{"tf://aws_eks_cluster.agents", role, inventory.EdgeRunsAs},
		{sa, role, inventory.EdgeRunsAs},
		{inventory.InternetID, "arn:aws:s3:::acme-public-docs", inventory.EdgeCanRead},
		{inventory.InternetID, "tf://aws_lambda_function.hook", inventory.EdgeReaches},
		{"tf://aws_lambda_function.hook", "tf://aws_security_group.nodes", inventory.EdgeInNetwork},
		{"tf://aws_sagemaker_notebook_instance.lab", role, inventory.EdgeRunsAs},
		{"tf://aws_sagemaker_model.ranker", role, inventory.EdgeRunsAs},
		{"tf://aws_bedrockagent_knowledge_base.kb", role, inventory.EdgeRunsAs},
		{"tf://aws_bedrockagent_agent.helper", "tf://aws_bedrockagent_knowledge_base.kb", inventory.EdgeRetrievesFrom},
		{"tf://aws_bedrockagent_knowledge_base.kb", "arn:aws:aoss:eu-west-1:111122223333:collection/kb", inventory.EdgeRetrievesFrom},
		{"tf://aws_bedrockagent_knowledge_base.kb", "arn:aws:s3:::acme-public-docs", inventory.EdgeRetrievesFrom},
		{"tf://aws_bedrockagent_knowledge_base.kb", inventory.InternetID, inventory.EdgeReadsUntrusted},
		{"tf://aws_bedrockagent_agent.helper", "tf://aws_bedrockagent_agent_action_group.tools", inventory.EdgeCallsTool},
		{"tf://aws_bedrockagent_agent_action_group.tools", "tf://aws_lambda_function.hook", inventory.EdgeRoutesTo},
		{"tf://aws_sagemaker_endpoint.ranker", "tf://aws_sagemaker_model.ranker", inventory.EdgeRoutesTo},
		{inventory.InternetID, "tf://aws_eks_cluster.agents", inventory.EdgeReaches},
		{"arn:aws:iam::<unknown>:user/ci", "k8s://agents//group/system:masters", inventory.EdgeMemberOf},
		{"arn:aws:iam::<unknown>:user/ci", "k8s://agents", inventory.EdgeAdminOf},
		{role, "k8s://agents//clusterrole/view", inventory.EdgeBoundTo},
		{"tf://aws_bedrockagentcore_agent_runtime.mcp", role, inventory.EdgeRunsAs},
		{inventory.InternetID, "tf://aws_db_instance.crm", inventory.EdgeReaches},
		{"tf://aws_db_instance.crm", "tf://aws_kms_key.data", inventory.EdgeEncryptedBy},
		{"arn:aws:s3:::acme-legacy-exports", "tf://aws_kms_key.data", inventory.EdgeEncryptedBy},
		{inventory.InternetID, "arn:aws:s3:::acme-legacy-exports", inventory.EdgeCanWrite},
		{inventory.InternetID, "tf://aws_secretsmanager_secret.api", inventory.EdgeCanRead},
		{inventory.InternetID, "tf://aws_sqs_queue.tasks", inventory.EdgeCanWrite},
	}
	for _, e := range edges {
		if !hasEdge(s, e[0], e[1], e[2]) {
			t.Errorf("no edge %s -%s-> %s", e[0], e[2], e[1])
		}
	}
	if n := s.Node(sa); n == nil || n.Kind != inventory.KindK8sServiceAccount {
		t.Errorf("service account node = %+v", n)
	}
	for _, id := range []string{"tf://aws_sagemaker_endpoint.ranker", "tf://aws_bedrockagent_agent.helper"} {
		if s.Node(id) == nil {
			t.Errorf("no node %s", id)
		}
	}
}
