variable "client_id" {
  type = string
}

# Secret metadata only: values are never returned after creation.
data "aritma_iam_client_secrets" "service" {
  client_id = var.client_id
}

locals {
  expiring_soon = [
    for s in data.aritma_iam_client_secrets.service.secrets : s.secret_id
    # A CLI may evaluate both sides of && (Terraform 1.11 does), and a secret without expiration
    # has a null count.
    if s.expires_in_days == null ? false : s.expires_in_days < 30
  ]
}

check "no_secret_expires_within_30_days" {
  assert {
    condition     = length(local.expiring_soon) == 0
    error_message = "These secrets expire within 30 days; rotate them: ${join(", ", local.expiring_soon)}"
  }
}

output "expired_secret_ids" {
  value = [for s in data.aritma_iam_client_secrets.service.secrets : s.secret_id if s.expired]
}
