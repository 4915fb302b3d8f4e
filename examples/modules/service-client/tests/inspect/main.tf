# A helper module for the tests: reads back what the module under test created, through the
# provider's data sources, as an independent check. Expected values come in as variables (from
# earlier runs' outputs) and the comparisons come out as booleans, because OpenTofu's assertions
# cannot reference other runs directly.
terraform {
  required_providers {
    aritma = {
      source = "aritma/aritma"
    }
  }
}

variable "client_id" {
  type = string
}

variable "expected_secret_ids" {
  description = "The secret ids the client must hold, exactly."
  type        = list(string)
}

variable "previous_client_id" {
  description = "Client id from an earlier run, which must still be the client's id."
  type        = string
  default     = null
}

variable "previous_secret_id" {
  description = "Secret id from an earlier run, which the client must no longer hold."
  type        = string
  default     = null
}

variable "action" {
  type = string
}

variable "scope" {
  type = string
}

data "aritma_iam_client" "this" {
  client_id = var.client_id
}

data "aritma_iam_client_secrets" "this" {
  client_id = var.client_id
}

data "aritma_iam_permissions" "check" {
  client_id = var.client_id
  action    = var.action
  scope     = var.scope
}

# Echoed, so later runs can refer to this run's view (OpenTofu exposes only the latest run of
# each module to later runs).
output "client_id" {
  value = var.client_id
}

output "secret_ids" {
  value = data.aritma_iam_client_secrets.this.secrets[*].secret_id
}

output "name" {
  value = data.aritma_iam_client.this.name
}

output "secrets_as_expected" {
  value = sort(data.aritma_iam_client_secrets.this.secrets[*].secret_id) == sort(var.expected_secret_ids)
}

output "previous_secret_gone" {
  value = var.previous_secret_id == null ? true : !contains(data.aritma_iam_client_secrets.this.secrets[*].secret_id, var.previous_secret_id)
}

output "client_kept" {
  value = var.previous_client_id == null || var.previous_client_id == var.client_id
}

output "allowed" {
  value = data.aritma_iam_permissions.check.allowed
}
