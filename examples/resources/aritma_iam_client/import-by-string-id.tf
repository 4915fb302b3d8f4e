# Terraform 1.5 or later: import with a block, planned and applied like any other change.
import {
  to = aritma_iam_client.billing
  id = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"
}

resource "aritma_iam_client" "billing" {
  # Arguments that differ from the imported client are updated in place by the same apply.
  name                = "billing-service"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api", "bankservice"]
}
