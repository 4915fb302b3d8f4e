# Provider functions need the provider in required_providers.
terraform {
  required_providers {
    aritma = {
      source = "aritma/aritma"
    }
  }
}

# The subject id of a client, known at plan time whenever the client id is.
output "subject_id" {
  value = provider::aritma::client_subject_id("3f1c2a9e-5b7d-4c8e-9f00-1a2b3c4d5e6f")
  # => "client-3f1c2a9e-5b7d-4c8e-9f00-1a2b3c4d5e6f"
}

# For example, to grant a client that another configuration manages.
variable "partner_client_ids" {
  type = set(string)
}

resource "aritma_iam_policy" "partners_read_accounts" {
  for_each = var.partner_client_ids

  subject = provider::aritma::client_subject_id(each.value)
  action  = "banking.ais.read"
  scope   = "/subscriptions/123"
}
