# A client created outside this configuration, e.g. by another team.
data "aritma_iam_client" "billing" {
  client_id = "3f1c2a9e-5b7d-4c8e-9f00-1a2b3c4d5e6f"
}

resource "aritma_iam_policy" "billing_reads_payments" {
  subject = data.aritma_iam_client.billing.subject_id
  action  = "banking.pis.read"
  scope   = "/subscriptions/123"
}

output "billing_scopes" {
  value = data.aritma_iam_client.billing.allowed_scopes
}
