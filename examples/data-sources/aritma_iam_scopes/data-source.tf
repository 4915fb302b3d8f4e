data "aritma_iam_scopes" "all" {}

variable "allowed_scopes" {
  type    = set(string)
  default = ["services.iam", "api"]
}

# Fail at plan time when a client would be given a scope the server does not know.
resource "terraform_data" "validate_scopes" {
  lifecycle {
    precondition {
      condition     = length(setsubtract(var.allowed_scopes, data.aritma_iam_scopes.all.names)) == 0
      error_message = "Unknown OAuth scopes: ${join(", ", setsubtract(var.allowed_scopes, data.aritma_iam_scopes.all.names))}"
    }
  }
}

output "scope_descriptions" {
  value = { for s in data.aritma_iam_scopes.all.scopes : s.name => s.description }
}
