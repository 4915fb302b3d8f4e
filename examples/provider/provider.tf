terraform {
  required_providers {
    aritma = {
      source = "aritma/aritma"
    }
  }
}

# Credentials of a client that holds iam.manage (or owner) on scope "/". Keep the secret out of
# the configuration: set ARITMA_CLIENT_ID and ARITMA_CLIENT_SECRET in the environment instead of
# the two arguments below, or pass them as variables.
# Both default to "", which the provider treats as unset: then the environment variables count.
variable "aritma_client_id" {
  type    = string
  default = ""
}

# ephemeral (Terraform 1.10, OpenTofu 1.11) keeps the secret out of saved plan files, which hold
# the value of every other variable, sensitive ones too. So a saved plan (plan -out) must be given
# it again when it is applied (-var, or TF_VAR_aritma_client_secret, which keeps it out of the
# CLI's own trace log); left out there, Terraform stops with "No value for required variable"
# and OpenTofu takes it as "", so the apply fails with "Missing Aritma client_secret". An older CLI
# refuses the argument: there, use ARITMA_CLIENT_SECRET.
variable "aritma_client_secret" {
  type      = string
  sensitive = true
  ephemeral = true
  default   = ""
}

provider "aritma" {
  # Defaults: Aritma's dev environment.
  endpoint  = "https://api.dev.aritma.io/core/iam"
  token_url = "https://id.dev.aritma.io/connect/token"

  client_id     = var.aritma_client_id
  client_secret = var.aritma_client_secret

  # Optional tuning.
  max_retries     = 4
  request_timeout = "30s"
}

# Against the bundled mock server (`make mock`), plain http is allowed on loopback hosts:
#
# provider "aritma" {
#   endpoint  = "http://127.0.0.1:8089"
#   token_url = "http://127.0.0.1:8089/connect/token"
# }
