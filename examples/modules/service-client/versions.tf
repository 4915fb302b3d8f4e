terraform {
  # Ephemeral resources (the secret check) need Terraform 1.10 or OpenTofu 1.11. One constraint
  # serves both CLIs, so it asks for 1.11: OpenTofu 1.10 then fails with a clear version error
  # rather than a parse error, at the cost of Terraform 1.10.
  required_version = ">= 1.11"

  required_providers {
    aritma = {
      source = "aritma/aritma"
      # secret_renew_before and a generated secret value need the provider's first release.
      version = ">= 0.1.0"
    }
  }
}
