variable "client_id" {
  type        = string
  description = "The client whose groups to list."
}

data "aritma_iam_subject_memberships" "client" {
  subject_id = "client-${var.client_id}"
}

output "groups" {
  value = [for g in data.aritma_iam_subject_memberships.client.groups : g.display_name]
}

# Warn when the client left the group its access comes through.
check "client_is_an_operator" {
  assert {
    condition     = contains([for g in data.aritma_iam_subject_memberships.client.groups : g.display_name], "Platform operators")
    error_message = "Client ${var.client_id} is not a member of Platform operators."
  }
}
