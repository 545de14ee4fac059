provider "aws" {
  region = "eu-west-1"
}

data "aws_iam_policy_document" "ec2_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "node" {
  name                 = "eks-node"
  assume_role_policy   = data.aws_iam_policy_document.ec2_trust.json
  permissions_boundary = aws_iam_policy.boundary.arn
}

resource "aws_iam_policy" "boundary" {
  name = "boundary"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:*", "bedrock:*"], Resource = "*" }]
  })
}

resource "aws_iam_user" "ci" {
  name = "ci"
}

resource "aws_iam_group" "deployers" {
  name = "deployers"
}

resource "aws_iam_group_membership" "deployers" {
  name  = "deployers"
  group = aws_iam_group.deployers.name
  users = [aws_iam_user.ci.name]
}

resource "aws_iam_policy_attachment" "deployers" {
  name       = "deployers-power"
  groups     = [aws_iam_group.deployers.name]
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}

resource "aws_iam_user_policy_attachment" "ci" {
  user       = aws_iam_user.ci.name
  policy_arn = aws_iam_policy.boundary.arn
}

resource "aws_iam_instance_profile" "node" {
  name = "eks-node"
  role = aws_iam_role.node.name
}

resource "aws_security_group" "nodes" {
  name   = "nodes"
  vpc_id = "vpc-1234"
}

resource "aws_security_group_rule" "https" {
  type              = "ingress"
  security_group_id = aws_security_group.nodes.id
  protocol          = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_blocks       = ["0.0.0.0/0"]
}

resource "aws_vpc_security_group_ingress_rule" "all_v6" {
  security_group_id = aws_security_group.nodes.id
  ip_protocol       = "-1"
  cidr_ipv6         = "::/0"
}

resource "aws_launch_template" "nodes" {
  name          = "nodes"
  image_id      = "ami-0123456789abcdef0"
  instance_type = "m6i.large"
  iam_instance_profile {
    arn = aws_iam_instance_profile.node.arn
  }
  vpc_security_group_ids = [aws_security_group.nodes.id]
  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }
  user_data = base64encode(<<-EOT
    #!/bin/bash
    export ANTHROPIC_API_KEY=sk-ant-api03-not-a-real-key-0000000000000000000000000000000000000000
    curl -s https://api.anthropic.com/v1/models
  EOT
  )
}

resource "aws_autoscaling_group" "nodes" {
  name     = "nodes"
  min_size = 1
  max_size = 3
  launch_template {
    id      = aws_launch_template.nodes.id
    version = "$Latest"
  }
}

resource "aws_eks_cluster" "agents" {
  name     = "agents"
  role_arn = aws_iam_role.node.arn
  vpc_config {
    subnet_ids              = ["subnet-1", "subnet-2"]
    endpoint_public_access  = true
    public_access_cidrs     = ["0.0.0.0/0"]
  }
}

resource "aws_eks_pod_identity_association" "planner" {
  cluster_name    = aws_eks_cluster.agents.name
  namespace       = "agents"
  service_account = "planner"
  role_arn        = aws_iam_role.node.arn
}

resource "aws_eks_access_entry" "ci" {
  cluster_name      = aws_eks_cluster.agents.name
  principal_arn     = aws_iam_user.ci.arn
  kubernetes_groups = ["system:masters"]
  type              = "STANDARD"
}

resource "aws_s3_bucket" "docs" {
  bucket = "acme-public-docs"
}

resource "aws_s3_bucket_policy" "docs" {
  bucket = aws_s3_bucket.docs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "PublicRead"
      Effect    = "Allow"
      Principal = "*"
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.docs.arn}/*"
    }]
  })
}

resource "aws_s3_bucket_acl" "docs" {
  bucket = aws_s3_bucket.docs.id
  acl    = "public-read"
}

resource "aws_lambda_function" "hook" {
  function_name = "webhook"
  role          = aws_iam_role.node.arn
  runtime       = "nodejs20.x"
  handler       = "index.handler"
  vpc_config {
    subnet_ids         = ["subnet-1"]
    security_group_ids = [aws_security_group.nodes.id]
  }
}

resource "aws_lambda_permission" "anyone" {
  statement_id  = "AllowAnyone"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.hook.function_name
  principal     = "*"
}

resource "aws_sagemaker_notebook_instance" "lab" {
  name                   = "Research-Lab"
  role_arn               = aws_iam_role.node.arn
  instance_type          = "ml.t3.medium"
  direct_internet_access = "Enabled"
  root_access            = "Enabled"
}

resource "aws_sagemaker_model" "ranker" {
  name               = "ranker"
  execution_role_arn = aws_iam_role.node.arn
}

resource "aws_sagemaker_endpoint_configuration" "ranker" {
  name = "ranker-config"
  production_variants {
    variant_name           = "primary"
    model_name             = aws_sagemaker_model.ranker.name
    initial_instance_count = 1
    instance_type          = "ml.m5.large"
  }
}

resource "aws_sagemaker_endpoint" "ranker" {
  name                 = "ranker"
  endpoint_config_name = aws_sagemaker_endpoint_configuration.ranker.name
}

resource "aws_bedrock_guardrail" "default" {
  name                      = "default"
  blocked_input_messaging   = "Blocked."
  blocked_outputs_messaging = "Blocked."
  content_policy_config {
    filters_config {
      type            = "PROMPT_ATTACK"
      input_strength  = "HIGH"
      output_strength = "NONE"
    }
    filters_config {
      type            = "HATE"
      input_strength  = "HIGH"
      output_strength = "HIGH"
    }
  }
}

resource "aws_bedrockagent_knowledge_base" "kb" {
  name     = "handbook"
  role_arn = aws_iam_role.node.arn
  knowledge_base_configuration {
    type = "VECTOR"
    vector_knowledge_base_configuration {
      embedding_model_arn = "arn:aws:bedrock:eu-west-1::foundation-model/amazon.titan-embed-text-v2:0"
    }
  }
  storage_configuration {
    type = "OPENSEARCH_SERVERLESS"
    opensearch_serverless_configuration {
      collection_arn    = "arn:aws:aoss:eu-west-1:111122223333:collection/kb"
      vector_index_name = "handbook"
      field_mapping {
        vector_field   = "vector"
        text_field     = "text"
        metadata_field = "metadata"
      }
    }
  }
}

resource "aws_bedrockagent_data_source" "docs" {
  knowledge_base_id = aws_bedrockagent_knowledge_base.kb.id
  name              = "docs"
  data_source_configuration {
    type = "S3"
    s3_configuration {
      bucket_arn = aws_s3_bucket.docs.arn
    }
  }
}

resource "aws_bedrockagent_data_source" "web" {
  knowledge_base_id = aws_bedrockagent_knowledge_base.kb.id
  name              = "vendor-site"
  data_source_configuration {
    type = "WEB"
    web_configuration {
      source_configuration {
        url_configuration {
          seed_urls {
            url = "https://vendor.example.com/docs"
          }
        }
      }
    }
  }
}

resource "aws_bedrockagent_agent_action_group" "tools" {
  agent_id          = aws_bedrockagent_agent.helper.agent_id
  agent_version     = "DRAFT"
  action_group_name = "tools"
  action_group_executor {
    lambda = aws_lambda_function.hook.arn
  }
  function_schema {
    member_functions {
      functions {
        name = "search"
      }
      functions {
        name                 = "delete_ticket"
        require_confirmation = "ENABLED"
      }
    }
  }
}

resource "aws_bedrockagentcore_agent_runtime" "mcp" {
  agent_runtime_name = "tools_mcp"
  role_arn           = aws_iam_role.node.arn
  agent_runtime_artifact {
    container_configuration {
      container_uri = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/tools:1.4"
    }
  }
  network_configuration {
    network_mode = "PUBLIC"
  }
  protocol_configuration {
    server_protocol = "MCP"
  }
  authorizer_configuration {
    custom_jwt_authorizer {
      discovery_url    = "https://idp.example.com/.well-known/openid-configuration"
      allowed_audience = ["tools"]
    }
  }
  environment_variables = {
    OPENAI_API_KEY = "sk-not-a-real-key"
  }
}

resource "aws_eks_access_policy_association" "node_view" {
  cluster_name  = aws_eks_cluster.agents.name
  policy_arn    = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
  principal_arn = aws_iam_role.node.arn
  access_scope {
    type = "cluster"
  }
}

resource "aws_bedrockagent_agent" "helper" {
  agent_name              = "helper"
  agent_resource_role_arn = aws_iam_role.node.arn
  foundation_model        = "anthropic.claude-3-haiku-20240307-v1:0"
  guardrail_configuration {
    guardrail_identifier = aws_bedrock_guardrail.default.guardrail_id
    guardrail_version    = "DRAFT"
  }
}

resource "aws_bedrockagent_agent_knowledge_base_association" "helper" {
  agent_id             = aws_bedrockagent_agent.helper.agent_id
  knowledge_base_id    = aws_bedrockagent_knowledge_base.kb.id
  knowledge_base_state = "ENABLED"
  description          = "handbook"
}

provider "aws" {
  alias  = "west"
  region = "us-west-2"
}

resource "aws_lambda_function" "west" {
  provider      = aws.west
  function_name = "replica"
  role          = aws_iam_role.node.arn
  runtime       = "python3.12"
  handler       = "main.handler"
}

resource "aws_kms_key" "data" {
  description = "customer data"
}

resource "aws_db_instance" "crm" {
  identifier             = "crm"
  engine                 = "postgres"
  instance_class         = "db.t4g.micro"
  allocated_storage      = 20
  publicly_accessible    = true
  storage_encrypted      = true
  kms_key_id             = aws_kms_key.data.arn
  vpc_security_group_ids = [aws_security_group.nodes.id]
}

resource "aws_dynamodb_table" "sessions" {
  name         = "agent-sessions"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_secretsmanager_secret" "api" {
  name = "agent/api-key"
}

resource "aws_secretsmanager_secret_policy" "api" {
  secret_arn = aws_secretsmanager_secret.api.arn
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "secretsmanager:GetSecretValue", Resource = "*" }]
  })
}

resource "aws_sqs_queue" "tasks" {
  name = "agent-tasks"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = "*" }]
  })
}

resource "aws_sns_topic" "alerts" {
  name = "alerts"
}

resource "aws_ecr_repository" "tools" {
  name = "tools"
}

resource "aws_s3_bucket" "legacy" {
  bucket = "acme-legacy-exports"
  acl    = "public-read-write"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "legacy" {
  bucket = aws_s3_bucket.legacy.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
  }
}
