# Every client whose name contains "batch" (case-insensitive), across all pages.
data "aritma_iam_clients" "batch" {
  search_text = "batch"
}

output "batch_clients" {
  value = { for c in data.aritma_iam_clients.batch.clients : c.name => c.client_id }
}
