# Look up a group by its exact display name. Fails, listing the candidates' subject ids, when no
# group or more than one group has that name.
data "aritma_iam_subject" "operators" {
  type         = "group"
  display_name = "Platform operators"
}

# Or by subject id.
data "aritma_iam_subject" "ci" {
  subject_id = "client-3f1c2a9e-5b7d-4c8e-9f00-1a2b3c4d5e6f"
}

resource "aritma_iam_policy" "operators_manage_iam" {
  subject = data.aritma_iam_subject.operators.subject_id
  action  = "iam.manage"
  scope   = "/"
}

output "ci_client_description" {
  value = data.aritma_iam_subject.ci.properties["description"]
}
