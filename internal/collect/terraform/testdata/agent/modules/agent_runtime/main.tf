variable "name" {
  type = string
}

variable "security_groups" {
  type    = list(string)
  default = []
}

resource "aws_iam_role" "this" {
  name = var.name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_instance_profile" "this" {
  name = var.name
  role = aws_iam_role.this.name
}

resource "aws_instance" "host" {
  ami                         = "ami-0abcdef1234567890"
  instance_type               = "t3.medium"
  iam_instance_profile        = aws_iam_instance_profile.this.name
  vpc_security_group_ids      = var.security_groups
  associate_public_ip_address = true

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "optional"
  }
}

output "role_arn" {
  value = aws_iam_role.this.arn
}

output "profile_name" {
  value = aws_iam_instance_profile.this.name
}
