# A machine-to-machine client for one service: the client, a rotating secret, its policies, and
# a read-back of the permissions it ends up with.

resource "aritma_iam_client" "this" {
  name                = var.name
  description         = var.description
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = var.allowed_scopes
}

resource "aritma_iam_client_secret" "this" {
  client_id = aritma_iam_client.this.client_id
  # The secret belongs to the client, which carries the name; a description with the name in it
  # could outgrow the API's 200 characters.
  description = "rotation ${var.secret_rotation}"
  expiration  = var.secret_expiration
  # Plans a replacement once the expiration is this close.
  renew_before = var.secret_renew_before

  # The provider generates the value. Changing the keeper replaces the secret.
  rotate_when_changed = {
    rotation = var.secret_rotation
  }

  lifecycle {
    # The new secret exists before the old one is deleted: the service never lacks a working one.
    create_before_destroy = true
  }
}

resource "aritma_iam_policy" "this" {
  for_each = var.policies

  subject = aritma_iam_client.this.subject_id
  action  = each.value.action
  scope   = each.value.scope
}

# Proves the secret works: opening it exchanges the credentials for a token (never stored).
# secret_id ties it to the secret, so during a rotation it waits for the new one.
ephemeral "aritma_iam_access_token" "verify" {
  count = var.verify_secret ? 1 : 0

  client_id     = aritma_iam_client.this.client_id
  client_secret = aritma_iam_client_secret.this.value
  secret_id     = aritma_iam_client_secret.this.secret_id
}

# Needs the token during apply, which makes every CLI open the ephemeral resource there (OpenTofu
# opens one during apply only when something in the apply uses it). With create_before_destroy,
# a new secret that does not work fails the apply before the old secret is deleted.
resource "terraform_data" "secret_works" {
  count = var.verify_secret ? 1 : 0

  triggers_replace = aritma_iam_client_secret.this.id

  lifecycle {
    postcondition {
      condition     = ephemeral.aritma_iam_access_token.verify[0].access_token != ""
      error_message = "The client's secret did not yield an access token."
    }
  }
}

data "aritma_iam_permissions" "this" {
  client_id = aritma_iam_client.this.client_id

  # Read after the policies exist, so the result includes them.
  depends_on = [aritma_iam_policy.this]
}
