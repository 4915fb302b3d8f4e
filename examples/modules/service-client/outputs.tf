output "client_id" {
  description = "Client id of the service client."
  value       = aritma_iam_client.this.client_id
}

output "subject_id" {
  description = "Subject id of the client, for more policies."
  value       = aritma_iam_client.this.subject_id
}

output "client_secret" {
  description = "The current secret. Hand it to the service (e.g. write it to a secret store)."
  value       = aritma_iam_client_secret.this.value
  sensitive   = true
}

output "secret_id" {
  description = "Id of the current secret."
  value       = aritma_iam_client_secret.this.secret_id
}

output "policy_ids" {
  description = "Ids of the granted policies, keyed like var.policies."
  value       = { for k, p in aritma_iam_policy.this : k => p.id }
}

output "permissions" {
  description = "Effective permissions of the client: its own policies and those of its groups."
  value       = data.aritma_iam_permissions.this.permissions
}
