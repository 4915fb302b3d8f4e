resource "aritma_iam_client" "reporting" {
  name                = "reporting-job"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

# Read access to consents in one resource group of one subscription.
resource "aritma_iam_policy" "reporting_reads_consents" {
  subject = aritma_iam_client.reporting.subject_id
  action  = "banking.consents.read"
  scope   = "/subscriptions/123/resource-groups/my-company"
}

# A parent action grants all of its descendants: iam.manage grants iam.client.*, iam.policy.*
# and iam.subject.*. Scope "/" covers everything in the tenant. The subject is an existing group,
# looked up by its name (this provider does not manage groups, and the mock seeds none: make one
# with POST /v1/subjects/groups).
data "aritma_iam_subject" "ops" {
  type         = "group"
  display_name = "Operations"
}

resource "aritma_iam_policy" "ops_manages_iam" {
  subject = data.aritma_iam_subject.ops.subject_id
  action  = "iam.manage"
  scope   = "/"
}

# Several grants for one subject.
locals {
  payment_actions = toset(["banking.pis.create", "banking.pis.read"])
}

resource "aritma_iam_policy" "reporting_payments" {
  for_each = local.payment_actions

  subject = aritma_iam_client.reporting.subject_id
  action  = each.key
  scope   = "/subscriptions/123"
}
