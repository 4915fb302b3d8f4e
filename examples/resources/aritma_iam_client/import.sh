# A client is imported by its client id (its `id` and `client_id`).
terraform import aritma_iam_client.billing 3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b
