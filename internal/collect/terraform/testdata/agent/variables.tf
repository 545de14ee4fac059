variable "region" {
  type    = string
  default = "us-east-1"
}

variable "prefix" {
  type = string
}

variable "analysts" {
  type    = number
  default = 2
}

variable "workers" {
  type    = set(string)
  default = ["etl", "report"]
}
