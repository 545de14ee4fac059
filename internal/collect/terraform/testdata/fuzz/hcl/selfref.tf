locals {
  a = local.b
  b = "${local.a}x"
}
resource "aws_iam_role" "r" {
  count = length(local.a)
  name  = local.b
  assume_role_policy = jsonencode({ Statement = [{ Principal = { AWS = aws_iam_role.r[0].arn } }] })
}
module "loop" {
  source = "./"
}
