resource "aritma_iam_client" "billing" {
  name                = "billing-service"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

# Recommended (Terraform 1.11 or later): a write-only value. It never appears in the plan or the
# state; here it comes from an ephemeral password and is written on to a secret store's
# write-only argument in the same apply. time_rotating drives the rotation: every 60 days both
# versions change, so both write-only arguments receive the same new value.
resource "time_rotating" "billing" {
  rotation_days = 60
}

ephemeral "random_password" "billing" {
  length  = 32
  special = false
}

resource "aritma_iam_client_secret" "billing" {
  client_id        = aritma_iam_client.billing.client_id
  description      = "billing-service, managed by Terraform"
  value_wo         = ephemeral.random_password.billing.result
  value_wo_version = time_rotating.billing.unix
  # Valid for 30 days beyond the planned rotation, in case nobody applies on the day.
  expiration   = timeadd(time_rotating.billing.rotation_rfc3339, "720h")
  renew_before = "168h" # safety net: plan a replacement within 7 days of expiry

  lifecycle {
    create_before_destroy = true # the new secret exists before the old one is deleted
  }
}

resource "aws_secretsmanager_secret" "billing" {
  name = "billing-service/aritma-client"
}

resource "aws_secretsmanager_secret_version" "billing" {
  secret_id                = aws_secretsmanager_secret.billing.id
  secret_string_wo         = ephemeral.random_password.billing.result
  secret_string_wo_version = time_rotating.billing.unix

  # Updated after the new client secret exists and before the old one is deleted.
  depends_on = [aritma_iam_client_secret.billing]
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
