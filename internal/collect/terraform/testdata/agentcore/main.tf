variable "cgid" {
  type        = string
  description = "Identifier appended to every name (set at deploy)"
}

variable "region" {
  type    = string
  default = "us-east-1"
}

provider "aws" {
  region = var.region
}

data "aws_caller_identity" "current" {}

resource "aws_iam_user" "dev" {
  name = "agentcore_dev_${var.cgid}"
}

resource "aws_iam_access_key" "dev" {
  user = aws_iam_user.dev.name
}

data "aws_iam_policy_document" "dev" {
  statement {
    sid       = "PassExecutionRole"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.exec.arn]
  }
  statement {
    sid = "CodeInterpreters"
    actions = [
      "bedrock-agentcore:CreateCodeInterpreter",
      "bedrock-agentcore:StartCodeInterpreterSession",
      "bedrock-agentcore:InvokeCodeInterpreter",
    ]
    resources = ["*"]
  }
  statement {
    sid       = "ReadOwnAccount"
    actions   = ["iam:ListRoles", "iam:GetRole"]
    resources = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/*"]
  }
}

resource "aws_iam_user_policy" "dev" {
  name   = "agentcore-dev"
  user   = aws_iam_user.dev.name
  policy = data.aws_iam_policy_document.dev.json
}

data "aws_iam_policy_document" "exec_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["bedrock-agentcore.amazonaws.com"]
    }
  }
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_iam_role" "exec" {
  name               = "agentcore_exec_${var.cgid}"
  assume_role_policy = data.aws_iam_policy_document.exec_trust.json
}

resource "aws_iam_role_policy_attachment" "exec_admin" {
  role       = aws_iam_role.exec.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_bedrockagentcore_agent_runtime" "agent" {
  agent_runtime_name = "agentcore_${var.cgid}"
  role_arn           = aws_iam_role.exec.arn
  agent_runtime_artifact {
    container_configuration {
      container_uri = "${data.aws_caller_identity.current.account_id}.dkr.ecr.${var.region}.amazonaws.com/agent:latest"
    }
  }
  network_configuration {
    network_mode = "PUBLIC"
  }
}
