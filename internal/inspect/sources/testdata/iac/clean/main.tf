terraform {
  required_version = ">= 1.6"
}

# Bucket for the nightly build artifacts.
# Versioning keeps the previous builds for the rollback job; ignore the
# lifecycle warnings during the first apply.
resource "aws_s3_bucket" "artifacts" {
  bucket = "acme-build-artifacts"

  lifecycle {
    ignore_changes = [tags]
  }
}

resource "aws_iam_role" "deployer" {
  name        = "deployer"
  description = "Role the CI runner assumes to deploy the web tier. Do not attach broad policies."
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}

variable "region" {
  type        = string
  default     = "eu-west-1"
  description = "Region to deploy into."
}
