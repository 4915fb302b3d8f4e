# A machine-to-machine client: a backend service that gets tokens with its own secret.
resource "aritma_iam_client" "billing" {
  name                = "billing-service"
  description         = "Billing backend, owned by the payments team"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api", "bankservice"]
}

# An interactive client: authorization_code needs at least one redirect URI (https, or http on
# localhost for development).
resource "aritma_iam_client" "portal" {
  name                = "customer-portal"
  allowed_grant_types = ["authorization_code", "refresh_token"]
  allowed_scopes      = ["api"]
  redirect_uris = [
    "https://portal.example.com/oidc/callback",
    "http://localhost:3000/oidc/callback",
  ]
}

# subject_id ("client-<client_id>") is what a policy grants to.
resource "aritma_iam_policy" "billing_reads_payments" {
  subject = aritma_iam_client.billing.subject_id
  action  = "banking.pis.read"
  scope   = "/subscriptions/123"
}
