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

variable "client_secret" {
  description = "The module's client_secret output: exchanged for a token here, independently of the module's own check (verify_secret)."
  type        = string
  default     = null
  sensitive   = true
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

ephemeral "aritma_iam_access_token" "check" {
  count = var.client_secret == null ? 0 : 1

  client_id     = var.client_id
  client_secret = var.client_secret
}

# Uses the token during apply, so every CLI opens the ephemeral resource then; a secret that does
# not work fails the run.
resource "terraform_data" "secret_works" {
  count = var.client_secret == null ? 0 : 1

  lifecycle {
    postcondition {
      condition     = ephemeral.aritma_iam_access_token.check[0].access_token != ""
      error_message = "The client_secret output did not yield an access token."
    }
  }
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

output "secret_works" {
  value = length(terraform_data.secret_works) == 1
}

# As the API holds them, not as the module's state says.
output "expirations" {
  value = data.aritma_iam_client_secrets.this.secrets[*].expiration
}
