# Provider functions need the provider in required_providers.
terraform {
  required_providers {
    aritma = {
      source = "aritma/aritma"
    }
  }
}

locals {
  policy = provider::aritma::parse_policy_id("client-1234,iam.client.read,/subscriptions/123")
  # => { subject = "client-1234", action = "iam.client.read", scope = "/subscriptions/123" }
}

output "policy_scope" {
  value = local.policy.scope
}

# For example, to group existing policies by subject.
variable "policy_ids" {
  type = list(string)
}

output "actions_by_subject" {
  value = {
    for id in var.policy_ids :
    provider::aritma::parse_policy_id(id).subject => provider::aritma::parse_policy_id(id).action...
  }
}
