package e2e

import (
	"context"
	"strings"
	"testing"
	"time"
)

// An object read through another endpoint than the one it was created at (the resource's
// provider configuration changed: another endpoint, another instance of a provider for_each) is
// not reported as deleted outside Terraform: it may still exist where it was, and the warning
// says so and how to move it.
func TestAccE2E_endpointMoved(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	first, second := newMock(t), newMock(t)
	w := newWorkdir(t, providerDir, first.URL)
	w.WriteConfig(`
resource "aritma_iam_client" "c" {
  name                = "e2e-endpoint-moved"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}
`)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	w.RunClean(ctx, "apply", "-auto-approve")
	w.RunClean(ctx, "plan", "-detailed-exitcode") // a read through the same endpoint keeps it

	w.SetEnv("ARITMA_ENDPOINT", second.URL)
	w.SetEnv("ARITMA_TOKEN_URL", second.TokenURL)
	out, errOut, err := w.Run(ctx, "plan")
	text := oneLine(out, errOut)
	for _, want := range []string{
		`was not found at "` + second.URL + `", the endpoint the provider now uses, but Terraform last saw it at "` + first.URL + `"`,
		`it may still exist there: a plan of this configuration creates a new one here and leaves that one behind`,
	} {
		if err != nil || !strings.Contains(text, want) {
			t.Fatalf("a plan through another endpoint does not warn %q: exit %d\n%s\n%s", want, exitCode(err), out, errOut)
		}
	}
	if strings.Contains(text, "deleted outside Terraform") {
		t.Fatalf("a plan through another endpoint says the client was deleted:\n%s\n%s", out, errOut)
	}

	w.SetEnv("ARITMA_ENDPOINT", first.URL)
	w.SetEnv("ARITMA_TOKEN_URL", first.TokenURL)
	w.RunClean(ctx, "destroy", "-auto-approve")
}
