# Terraform 1.5 or later: import with a block. Creating a policy that already exists fails and
# asks for exactly this, so a grant made by hand is never taken over silently.
import {
  to = aritma_iam_policy.reporting_reads_consents
  id = "client-3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b,banking.consents.read,/subscriptions/123/resource-groups/my-company"
}

resource "aritma_iam_policy" "reporting_reads_consents" {
  subject = "client-3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"
  action  = "banking.consents.read"
  scope   = "/subscriptions/123/resource-groups/my-company"
}
