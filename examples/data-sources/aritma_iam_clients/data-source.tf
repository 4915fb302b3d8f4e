# Every client whose name contains "batch" (case-insensitive), across all pages.
data "aritma_iam_clients" "batch" {
  search_text = "batch"
}

# Names need not be unique, so group by name: each name maps to the ids of its clients.
output "batch_clients" {
  value = { for c in data.aritma_iam_clients.batch.clients : c.name => c.client_id... }
}
