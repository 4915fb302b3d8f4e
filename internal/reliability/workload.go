package reliability

import "fmt"

// WorkloadConfig is the standard reliability workload in HCL: n clients named
// "<prefix>-000".., each with two generated secrets and two policies (5n resources). The fault
// matrix and the load test both use it, so their numbers describe the same graph.
func WorkloadConfig(prefix string, n int) string {
	return fmt.Sprintf(`
resource "aritma_iam_client" "c" {
  count               = %[2]d
  name                = format("%[1]s-%%03d", count.index)
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

resource "aritma_iam_client_secret" "a" {
  count       = %[2]d
  client_id   = aritma_iam_client.c[count.index].client_id
  description = "primary"
}

resource "aritma_iam_client_secret" "b" {
  count       = %[2]d
  client_id   = aritma_iam_client.c[count.index].client_id
  description = "secondary"
}

resource "aritma_iam_policy" "read" {
  count   = %[2]d
  subject = aritma_iam_client.c[count.index].subject_id
  action  = "iam.client.read"
  scope   = "/subscriptions/${count.index}"
}

resource "aritma_iam_policy" "pay" {
  count   = %[2]d
  subject = aritma_iam_client.c[count.index].subject_id
  action  = "banking.pis.create"
  scope   = "/subscriptions/${count.index}/resource-groups/payments"
}
`, prefix, n)
}
