resource "aws_s3_bucket" "memory" {
  bucket = local.memory_bucket
  tags   = merge(local.common_tags, { "data-classification" = "confidential" })
}

resource "aws_s3_bucket_public_access_block" "memory" {
  bucket                  = aws_s3_bucket.memory.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_security_group" "tools" {
  name        = "${var.prefix}-tools"
  description = "agent tool hosts"
  vpc_id      = "vpc-0a1b2c3d"

  ingress {
    description = "ssh from anywhere"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

module "runtime" {
  source          = "./modules/agent_runtime"
  name            = "${var.prefix}-runtime"
  security_groups = [aws_security_group.tools.id]
}

resource "aws_lambda_function" "tool" {
  function_name = "${var.prefix}-search-tool"
  role          = aws_iam_role.worker["etl"].arn
  runtime       = "python3.12"
  handler       = "main.handler"
  filename      = "tool.zip"

  environment {
    variables = {
      OPENAI_BASE_URL = "https://api.openai.com/v1"
      MEMORY_BUCKET   = aws_s3_bucket.memory.bucket
    }
  }
}

resource "aws_lambda_function_url" "tool" {
  function_name      = aws_lambda_function.tool.function_name
  authorization_type = "NONE"
}

resource "aws_bedrockagent_agent" "support" {
  agent_name              = "${var.prefix}-support"
  agent_resource_role_arn = aws_iam_role.agent.arn
  foundation_model        = "anthropic.claude-3-5-sonnet-20240620-v1:0"
  instruction             = templatefile("${path.module}/templates/instruction.tftpl", { company = var.prefix })
}

resource "aws_bedrockagent_agent_action_group" "search" {
  agent_id          = aws_bedrockagent_agent.support.agent_id
  agent_version     = "DRAFT"
  action_group_name = "search"
  action_group_executor {
    lambda = aws_lambda_function.tool.arn
  }
}

resource "aws_sagemaker_notebook_instance" "lab" {
  name                   = "${var.prefix}-lab"
  role_arn               = module.runtime.role_arn
  instance_type          = "ml.t3.medium"
  direct_internet_access = "Enabled"
}
