# Terraform 1.5 or later: import with a block, planned and applied like any other change.
import {
  to = aritma_iam_client_secret.example
  id = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b/9d8c7b6a-5f4e-4d3c-b2a1-0f9e8d7c6b5a"
}

resource "aritma_iam_client_secret" "example" {
  client_id = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"
  # description and expiration must match the imported secret, or the plan replaces it. Write
  # expiration as the API returns it, in UTC and at whole seconds ("2031-05-05T08:00:00Z"): the
  # same instant with another offset or a fraction of a second is no replacement, but it is one
  # in-place update of the state after the import.
  description = "billing-service"
}
