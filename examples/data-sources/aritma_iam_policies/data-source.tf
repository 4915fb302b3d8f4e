variable "client_id" {
  type        = string
  description = "The client whose grants to audit."
}

# Every grant made directly to one client.
data "aritma_iam_policies" "client" {
  subject = "client-${var.client_id}"
}

# Who holds owner on everything.
data "aritma_iam_policies" "owners" {
  action = "owner"
  scope  = "/"
}

output "client_grants" {
  value = [for p in data.aritma_iam_policies.client.policies : "${p.action} on ${p.scope}"]
}

output "owners" {
  value = [for p in data.aritma_iam_policies.owners.policies : p.subject]
}

# Warn when the client lost a grant it needs, whoever removed it.
check "client_reads_subjects" {
  assert {
    condition     = contains(data.aritma_iam_policies.client.ids, "client-${var.client_id},iam.subject.read,/")
    error_message = "Client ${var.client_id} no longer holds iam.subject.read on /."
  }
}
