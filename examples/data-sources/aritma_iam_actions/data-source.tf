data "aritma_iam_actions" "all" {}

variable "granted_actions" {
  type    = list(string)
  default = ["banking.ais.read", "banking.pis.read"]
}

# Fail at plan time when an action is not in the catalogue.
resource "terraform_data" "validate_actions" {
  lifecycle {
    precondition {
      condition     = alltrue([for a in var.granted_actions : contains(data.aritma_iam_actions.all.names, a)])
      error_message = "Unknown actions: ${join(", ", setsubtract(var.granted_actions, data.aritma_iam_actions.all.names))}"
    }
  }
}

output "action_parents" {
  value = { for a in data.aritma_iam_actions.all.actions : a.name => a.parent }
}
