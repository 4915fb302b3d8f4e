# 1. Prove that a freshly created secret works. Nothing is stored.
resource "aritma_iam_client" "service" {
  name                = "orders-service"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["services.iam", "api"]
}

resource "aritma_iam_client_secret" "service" {
  client_id = aritma_iam_client.service.client_id

  lifecycle {
    create_before_destroy = true
  }
}

ephemeral "aritma_iam_access_token" "verify" {
  client_id     = aritma_iam_client.service.client_id
  client_secret = aritma_iam_client_secret.service.value
  # Unknown while the secret is created or replaced, so the token is fetched once it exists; a
  # value_wo from an ephemeral variable would otherwise be tried at plan, before a rotation.
  secret_id = aritma_iam_client_secret.service.secret_id
}

# Something in the apply must need the token, or OpenTofu does not open the ephemeral resource
# during apply. With create_before_destroy, a new secret that does not work fails the apply
# before the old secret is deleted.
resource "terraform_data" "secret_works" {
  triggers_replace = aritma_iam_client_secret.service.id

  lifecycle {
    postcondition {
      condition     = ephemeral.aritma_iam_access_token.verify.access_token != ""
      error_message = "The new secret did not yield an access token."
    }
  }
}

# 2. Act as another client: configure a second provider instance with its token. Provider
#    configuration must be known at plan time, so the credentials must exist before the run
#    (here: ephemeral variables, e.g. from a secret store), not be created in the same run.
variable "reader_client_id" {
  type = string
}

variable "reader_client_secret" {
  type      = string
  sensitive = true
  ephemeral = true
}

ephemeral "aritma_iam_access_token" "reader" {
  client_id     = var.reader_client_id
  client_secret = var.reader_client_secret
  scopes        = ["services.iam"]
}

provider "aritma" {
  alias        = "as_reader"
  access_token = ephemeral.aritma_iam_access_token.reader.access_token
}

# Read with the reader's own permissions.
data "aritma_iam_permissions" "reader" {
  provider  = aritma.as_reader
  client_id = var.reader_client_id
}
