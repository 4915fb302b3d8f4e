resource "aritma_iam_client" "reporting" {
  name                = "reporting-service"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

resource "aritma_iam_policy" "reporting_reads_accounts" {
  subject = aritma_iam_client.reporting.subject_id
  action  = "banking.ais.read"
  scope   = "/subscriptions/123"
}

# Everything the client may do, directly or through its groups.
data "aritma_iam_permissions" "reporting" {
  client_id = aritma_iam_client.reporting.client_id

  depends_on = [aritma_iam_policy.reporting_reads_accounts]
}

# "May the client read account information in this resource group?" A grant on an ancestor scope
# (/subscriptions/123) or of a parent action (banking.ais.manage) counts.
data "aritma_iam_permissions" "reporting_can_read_accounts" {
  client_id = aritma_iam_client.reporting.client_id
  action    = "banking.ais.read"
  scope     = "/subscriptions/123/resource-groups/finance"

  depends_on = [aritma_iam_policy.reporting_reads_accounts]
}

check "reporting_can_read_accounts" {
  assert {
    condition     = data.aritma_iam_permissions.reporting_can_read_accounts.allowed
    error_message = "reporting-service cannot read account information in the finance resource group."
  }
}

output "reporting_permissions" {
  value = [for p in data.aritma_iam_permissions.reporting.permissions : "${p.action} on ${p.scope} (via ${p.granted_via})"]
}
