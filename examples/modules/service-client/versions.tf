terraform {
  # Ephemeral resources (the secret check) need Terraform 1.10 or OpenTofu 1.11.
  required_version = ">= 1.10"

  required_providers {
    aritma = {
      source = "aritma/aritma"
    }
  }
}
