resource "aritma_iam_client" "billing" {
  name                = "billing-service"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

# Recommended (Terraform or OpenTofu 1.11 or later): a write-only value. It never appears in the plan or the
# state. Here it comes from an ephemeral variable (for example TF_VAR_billing_secret set by a
# pipeline from a secret store); an ephemeral random_password works the same way. Bump
# value_wo_version to rotate: the secret is replaced, and create_before_destroy makes the new one
# exist before the old one is deleted. See the secret rotation guide for time_rotating.
variable "billing_secret" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "billing_secret_version" {
  type    = number
  default = 1
}

resource "aritma_iam_client_secret" "billing" {
  client_id        = aritma_iam_client.billing.client_id
  description      = "billing-service, managed by Terraform"
  value_wo         = var.billing_secret
  value_wo_version = var.billing_secret_version
  expiration       = "2030-01-01T00:00:00Z"
  renew_before     = "720h" # within 30 days of expiry, plan a replacement: move expiration (and the version) on then

  lifecycle {
    create_before_destroy = true # the new secret exists before the old one is deleted
  }
}

# Generated: with neither value nor value_wo, the provider generates 32 random characters and
# keeps them in the sensitive `value` attribute (so they are in the state: protect it).
resource "aritma_iam_client_secret" "reporting" {
  client_id   = aritma_iam_client.billing.client_id
  description = "reporting job"
}

output "reporting_client_secret" {
  value     = aritma_iam_client_secret.reporting.value
  sensitive = true
}

# Your own value, held in the state as a sensitive value.
variable "legacy_secret" {
  type      = string
  sensitive = true
}

resource "aritma_iam_client_secret" "legacy" {
  client_id   = aritma_iam_client.billing.client_id
  description = "legacy integration"
  value       = var.legacy_secret
}
