variable "cgid" {
  type = string
}

data "aws_caller_identity" "current" {}

resource "aws_iam_role" "runtime" {
  name = "agentcore_${var.cgid}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "sts:AssumeRole"
      },
      {
        Effect    = "Allow"
        Principal = { AWS = aws_iam_user.operator.arn }
        Action    = "sts:AssumeRole"
      },
    ]
  })
}

resource "aws_iam_user" "operator" {
  name = "operator-${var.cgid}"
}

resource "aws_iam_user_policy" "operator" {
  name = "runtime-admin"
  user = aws_iam_user.operator.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["bedrock-agentcore:*", "iam:PassRole"]
      Resource = "arn:aws:bedrock-agentcore:us-east-1:${data.aws_caller_identity.current.account_id}:runtime/*"
    }]
  })
}

resource "aws_bedrockagentcore_agent_runtime" "agent" {
  agent_runtime_name = "agentcore_${var.cgid}"
  role_arn           = aws_iam_role.runtime.arn
  network_configuration {
    network_mode = "PUBLIC"
  }
}

locals {
  statements = {
    read  = ["s3:GetObject"]
    write = ["s3:PutObject"]
  }
}

data "aws_iam_policy_document" "dynamic" {
  source_policy_documents = [jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Base", Effect = "Allow", Action = "sts:GetCallerIdentity", Resource = "*" }]
  })]
  dynamic "statement" {
    for_each = local.statements
    content {
      sid       = statement.key
      actions   = statement.value
      resources = ["arn:aws:s3:::data-${var.cgid}/*"]
    }
  }
  statement {
    sid    = "Base"
    effect = "Deny"
    not_actions = ["s3:*"]
    resources   = ["*"]
    not_principals {
      type        = "AWS"
      identifiers = [aws_iam_role.runtime.arn]
    }
  }
}

resource "aws_iam_policy" "dynamic" {
  name   = "dynamic"
  policy = data.aws_iam_policy_document.dynamic.json
}

resource "aws_iam_role_policy_attachment" "unknown_count" {
  count      = length(var.extra_roles)
  role       = var.extra_roles[count.index]
  policy_arn = aws_iam_policy.dynamic.arn
}

variable "extra_roles" {
  type = list(string)
}

variable "env" {
  type = string
}

locals {
  admins = ["alice", "bob"]
}

resource "aws_iam_user" "guess" {
  name = var.env == "prod" ? "prod-user" : "dev-user"
  tags = {
    admin    = contains(local.admins, var.cgid)
    region   = lookup({ a = "x" }, var.cgid, "default")
    upper    = upper("team-${var.cgid}")
    joined   = join("-", ["team", var.cgid])
    size     = length(var.cgid)
    listsize = length(["a", var.cgid])
  }
}

resource "aws_iam_role" "known" {
  name = "known-role"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_iam_user_policy" "pass" {
  name = "pass"
  user = aws_iam_user.operator.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "iam:PassRole", Resource = aws_iam_role.known.arn },
      { Effect = "Allow", Action = "iam:PassRole", Resource = aws_iam_role.runtime.arn },
    ]
  })
}
