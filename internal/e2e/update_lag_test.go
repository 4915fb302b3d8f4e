package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
)

// An update right after the create, with -refresh=false (so nothing has read the client back), may
// come before an eventually consistent API shows the client: its 404 must be waited out, not
// reported as a client deleted outside Terraform.
func TestAccE2E_updateRightAfterCreate(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	w := newWorkdir(t, providerDir, mock.URL)
	config := func(description string) string {
		return `
resource "aritma_iam_client" "c" {
  name                = "e2e-update-lag"
  description         = "` + description + `"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}
`
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()

	w.WriteConfig(config("first"))
	w.RunClean(ctx, "apply", "-auto-approve")
	// From now on the API hides the client until 8 s after its create.
	mock.SetFaults(mockserver.Faults{ReadLagMS: 8000})
	w.WriteConfig(config("second"))
	w.RunClean(ctx, "apply", "-auto-approve", "-refresh=false")

	stats := mock.Stats()
	if n := stats.CountStatus("PUT", "/v1/clients/{clientId}", 404); n == 0 {
		t.Fatalf("the update never met the hidden client, so the test proves nothing: %v", stats.Requests)
	}
	if n := stats.CountStatus("PUT", "/v1/clients/{clientId}", 200); n != 1 {
		t.Fatalf("%d updates succeeded, want 1: %v", n, stats.Requests)
	}
	mock.SetFaults(mockserver.Faults{})
	w.RunClean(ctx, "plan", "-detailed-exitcode") // exit 2, a change still planned, fails it
	w.RunClean(ctx, "destroy", "-auto-approve")
}
