package e2e

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestAccE2E_harness proves the harness itself: the built provider is picked up through
// dev_overrides without init, talks to the mock, and plan -detailed-exitcode reports no changes.
func TestAccE2E_harness(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	w := newWorkdir(t, providerDir, mock.URL)
	w.WriteConfig(`
resource "aritma_iam_client" "smoke" {
  name                = "e2e-smoke"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}
`)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	if out, errOut, err := w.Run(ctx, "apply", "-auto-approve"); err != nil {
		t.Fatalf("apply: %v\n%s\n%s", err, out, errOut)
	}
	api := newAPI(t, mock.URL)
	if c, s, p := countServerObjects(t, api); c != 1 || s != 0 || p != 0 {
		t.Fatalf("after apply the server holds %d clients, %d secrets, %d policies; want 1, 0, 0", c, s, p)
	}
	out, errOut, err := w.Run(ctx, "plan", "-detailed-exitcode")
	if code := exitCode(err); code != 0 {
		t.Fatalf("plan -detailed-exitcode = %d, want 0 (no changes)\n%s\n%s", code, out, errOut)
	}
	if out, errOut, err := w.Run(ctx, "destroy", "-auto-approve"); err != nil {
		t.Fatalf("destroy: %v\n%s\n%s", err, out, errOut)
	}
	if c, s, p := countServerObjects(t, api); c+s+p != 0 {
		t.Fatalf("after destroy the server holds %d clients, %d secrets, %d policies", c, s, p)
	}
	if !strings.Contains(cliName(t, w.CLI), " ") {
		t.Errorf("cliName(%s) = %q, want \"<name> <version>\"", w.CLI, cliName(t, w.CLI))
	}
}
