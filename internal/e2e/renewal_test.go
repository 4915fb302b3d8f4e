package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Renewal is decided at a refresh (so the apply, which plans again later, agrees with the plan).
// A plan with -refresh=false after the renew_before window opened therefore plans nothing, and
// must say why and what to do; the next plan that refreshes proposes the replacement.
func TestAccE2E_renewalWithoutRefresh(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	w := newWorkdir(t, providerDir, mock.URL)
	start := time.Now()
	// The apply must finish before the window opens (expiration - renew_before): a few seconds
	// usually, so 45 s leave room for a machine loaded by the parallel tests.
	opens := start.Add(45 * time.Second)
	w.WriteConfig(fmt.Sprintf(`
resource "aritma_iam_client" "c" {
  name                = "e2e-renewal"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

resource "aritma_iam_client_secret" "s" {
  client_id    = aritma_iam_client.c.client_id
  expiration   = %q
  renew_before = "60s"
}
`, opens.Add(60*time.Second).UTC().Format(time.RFC3339)))
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()

	w.RunClean(ctx, "apply", "-auto-approve")
	if time.Now().After(opens) {
		t.Fatalf("the apply took %s, past the opening of the renewal window it must precede", time.Since(start).Round(time.Second))
	}
	time.Sleep(time.Until(opens.Add(2 * time.Second)))

	out, errOut, err := w.Run(ctx, "plan", "-refresh=false", "-detailed-exitcode")
	text := oneLine(out, errOut)
	if exitCode(err) != 0 {
		t.Fatalf("plan -refresh=false: exit %d, want 0 (renewal is decided at a refresh)\n%s\n%s", exitCode(err), out, errOut)
	}
	for _, want := range []string{"IAM Client Secret Renewal Not Planned", "the renewal window opened after the secret was last refreshed",
		"Run a plan that refreshes (without -refresh=false) to replace it."} {
		if !strings.Contains(text, want) {
			t.Errorf("plan -refresh=false does not say %q:\n%s\n%s", want, out, errOut)
		}
	}

	out, errOut, err = w.Run(ctx, "plan", "-detailed-exitcode")
	if exitCode(err) != 2 || !strings.Contains(out+errOut, "IAM Client Secret Due for Renewal") ||
		!strings.Contains(out, "aritma_iam_client_secret.s must be replaced") {
		t.Fatalf("plan with refresh: exit %d, want 2 with the replacement and its warning\n%s\n%s", exitCode(err), out, errOut)
	}
	w.RunClean(ctx, "destroy", "-auto-approve")
}
