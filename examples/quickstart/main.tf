# Quickstart: a service client, a secret for it, a policy, and a check of its effective
# permissions. `make demo` applies this against the bundled mock server; the provider reads
# ARITMA_ENDPOINT, ARITMA_TOKEN_URL, ARITMA_CLIENT_ID and ARITMA_CLIENT_SECRET from the environment.
terraform {
  required_providers {
    aritma = {
      source = "aritma/aritma"
    }
  }
}

provider "aritma" {}

resource "aritma_iam_client" "reporting" {
  name                = "reporting-service"
  description         = "Reads account information for the monthly report"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

# No value given: the provider generates 32 random characters and keeps them in the sensitive
# `value` attribute, so they can be handed to the service.
resource "aritma_iam_client_secret" "reporting" {
  client_id   = aritma_iam_client.reporting.client_id
  description = "quickstart"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aritma_iam_policy" "reporting_reads_accounts" {
  subject = aritma_iam_client.reporting.subject_id
  action  = "banking.ais.read"
  scope   = "/subscriptions/123"
}

data "aritma_iam_permissions" "reporting" {
  client_id = aritma_iam_client.reporting.client_id
  action    = "banking.ais.read"
  scope     = "/subscriptions/123/resource-groups/finance"

  depends_on = [aritma_iam_policy.reporting_reads_accounts]
}

output "client_id" {
  value = aritma_iam_client.reporting.client_id
}

output "subject_id" {
  value = aritma_iam_client.reporting.subject_id
}

output "client_secret" {
  value     = aritma_iam_client_secret.reporting.value
  sensitive = true
}

output "permissions" {
  value = [for p in data.aritma_iam_permissions.reporting.permissions : "${p.action} on ${p.scope}"]
}

output "can_read_finance_accounts" {
  value = data.aritma_iam_permissions.reporting.allowed
}
