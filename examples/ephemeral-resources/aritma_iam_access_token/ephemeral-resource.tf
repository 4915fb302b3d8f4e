# 1. Prove that a freshly created secret works. The ephemeral resource is opened during apply,
#    once the secret exists; a secret that does not work fails the apply. Nothing is stored.
resource "aritma_iam_client" "service" {
  name                = "orders-service"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["services.iam", "api"]
}

resource "aritma_iam_client_secret" "service" {
  client_id = aritma_iam_client.service.client_id
}

ephemeral "aritma_iam_access_token" "verify" {
  client_id     = aritma_iam_client.service.client_id
  client_secret = aritma_iam_client_secret.service.value
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
