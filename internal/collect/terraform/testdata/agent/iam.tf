locals {
  common_tags = {
    project = "${var.prefix}-agents"
  }
  memory_bucket = "${var.prefix}-agent-memory"
}

resource "aws_iam_group" "ops" {
  name = "ops"
}

resource "aws_iam_user" "dev" {
  name = "${var.prefix}-dev"
  path = "/people/"
  tags = local.common_tags
}

resource "aws_iam_user" "analyst" {
  count = var.analysts
  name  = format("analyst-%d", count.index)
}

resource "aws_iam_user_group_membership" "dev" {
  user   = aws_iam_user.dev.name
  groups = [aws_iam_group.ops.name]
}

resource "aws_iam_group_policy" "ops" {
  name  = "ops-passrole"
  group = aws_iam_group.ops.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"]
      Resource = "*"
    }]
  })
}

data "aws_iam_policy_document" "agent_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["bedrock.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = ["111122223333"]
    }
  }
}

resource "aws_iam_role" "agent" {
  name               = "${var.prefix}-agent"
  assume_role_policy = data.aws_iam_policy_document.agent_trust.json
  tags               = local.common_tags
}

data "aws_iam_policy_document" "memory_read" {
  statement {
    sid       = "ReadMemory"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = ["arn:aws:s3:::${local.memory_bucket}", "arn:aws:s3:::${local.memory_bucket}/*"]
  }
  statement {
    sid         = "NoDeletes"
    effect      = "Deny"
    not_actions = ["s3:Get*", "s3:List*"]
    resources   = ["*"]
  }
}

resource "aws_iam_policy" "memory_read" {
  name   = "${var.prefix}-memory-read"
  path   = "/agents/"
  policy = data.aws_iam_policy_document.memory_read.json
}

resource "aws_iam_role_policy_attachment" "agent_memory" {
  role       = aws_iam_role.agent.name
  policy_arn = aws_iam_policy.memory_read.arn
}

resource "aws_iam_role_policy" "agent_invoke" {
  name = "invoke-tools"
  role = aws_iam_role.agent.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "lambda:InvokeFunction"
      Resource = "arn:aws:lambda:${var.region}:111122223333:function:${var.prefix}-*"
    }]
  })
}

resource "aws_iam_role" "worker" {
  for_each = var.workers
  name     = "worker-${each.key}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "worker_admin" {
  for_each   = aws_iam_role.worker
  role       = each.value.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
