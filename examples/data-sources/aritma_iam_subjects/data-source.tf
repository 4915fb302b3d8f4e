# Every client whose name contains "payments".
data "aritma_iam_subjects" "payments_clients" {
  type         = "client"
  search_query = "payments"
}

# All users, e.g. to grant each of them read access.
data "aritma_iam_subjects" "users" {
  type = "user"
}

output "payments_client_subject_ids" {
  value = data.aritma_iam_subjects.payments_clients.subjects[*].subject_id
}

# Display names need not be unique: group by name ("..."), so two users of one name are a list of
# two subject ids rather than an error.
output "user_subject_ids_by_name" {
  value = { for s in data.aritma_iam_subjects.users.subjects : s.display_name => s.subject_id... }
}
