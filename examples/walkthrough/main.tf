# The seed workflow end to end: client → secret → subject → policy → permissions. It runs as is
# against the bundled mock server (`make mock`), and the e2e tests apply it there.
terraform {
  required_providers {
    aritma = {
      source = "aritma/aritma"
    }
  }
}

# Endpoint, token URL and admin credentials come from the ARITMA_* environment variables.
provider "aritma" {}

# 1. A machine-to-machine client for the service.
resource "aritma_iam_client" "reporting" {
  name                = "reporting-service"
  description         = "Nightly account reports"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

# 2. A secret for it. The provider generates the value; rotate it by changing the keeper, and
#    create_before_destroy keeps the service working throughout.
resource "aritma_iam_client_secret" "reporting" {
  client_id = aritma_iam_client.reporting.client_id

  rotate_when_changed = {
    rotation = "2025-q1"
  }

  lifecycle {
    create_before_destroy = true
  }
}

# 3. The client's subject, the identity policies are granted to: for a client it is
#    "client-<client_id>", which the client exports as subject_id. The data source reads the
#    subject back (display name, tenant); it finds users and groups too, by id or by exact name
#    (type + display_name). Look a client up by its id, as here: a name can be shared by several
#    clients, and then the lookup fails.
data "aritma_iam_subject" "reporting" {
  subject_id = aritma_iam_client.reporting.subject_id
}

# 4. Grant it read access to account information in one subscription.
resource "aritma_iam_policy" "reporting_reads_accounts" {
  subject = data.aritma_iam_subject.reporting.subject_id
  action  = "banking.ais.read"
  scope   = "/subscriptions/123"
}

# 5. Check what it may now do. A grant on /subscriptions/123 covers everything below it.
data "aritma_iam_permissions" "reporting" {
  client_id = aritma_iam_client.reporting.client_id
  action    = "banking.ais.read"
  scope     = "/subscriptions/123/resource-groups/finance"

  depends_on = [aritma_iam_policy.reporting_reads_accounts]
}

check "reporting_can_read_accounts" {
  assert {
    condition     = data.aritma_iam_permissions.reporting.allowed
    error_message = "reporting-service cannot read account information in /subscriptions/123/resource-groups/finance."
  }
}

output "client_id" {
  value = aritma_iam_client.reporting.client_id
}

output "client_secret" {
  value     = aritma_iam_client_secret.reporting.value
  sensitive = true
}

output "permissions" {
  value = data.aritma_iam_permissions.reporting.permissions
}

output "can_read_finance_accounts" {
  value = data.aritma_iam_permissions.reporting.allowed
}
