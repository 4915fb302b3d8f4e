package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// Policies of a for_each whose keys swap actions hand their grants round a ring. With
// create_before_destroy each new grant would be created while the other policy still holds it, so
// the apply can never go through: the plan warns before it happens, the failed apply says what to
// do instead of "apply again", and done so (without create_before_destroy) it applies and settles.
func TestAccE2E_policySwap(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	w := newWorkdir(t, providerDir, mock.URL)
	config := func(lifecycle string) string {
		return `
variable "actions" {
  type = map(string)
}

resource "aritma_iam_client" "c" {
  name                = "e2e-swap"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

resource "aritma_iam_policy" "p" {
  for_each = var.actions
  subject  = aritma_iam_client.c.subject_id
  action   = each.value
  scope    = "/subscriptions/swap"
  ` + lifecycle + `
}
`
	}
	cbd := "lifecycle {\n    create_before_destroy = true\n  }"
	w.WriteConfig(config(cbd))
	before := []string{"-var", `actions={a="banking.pis.read",b="banking.ais.read"}`}
	after := []string{"-var", `actions={a="banking.ais.read",b="banking.pis.read"}`}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	w.RunClean(ctx, append([]string{"apply", "-auto-approve"}, before...)...)

	out, errOut, err := w.Run(ctx, append([]string{"plan"}, after...)...)
	text := oneLine(out, errOut)
	if err != nil || !strings.Contains(text, "IAM Policies Swap Grants") ||
		!strings.Contains(text, "apply this change without create_before_destroy") || !strings.Contains(text, "banking.ais.read,/subscriptions/swap' → '") {
		t.Fatalf("the plan of the swap does not warn of the ring: exit %d\n%s\n%s", exitCode(err), out, errOut)
	}

	out, errOut, err = w.Run(ctx, append([]string{"apply", "-auto-approve"}, after...)...)
	text = oneLine(out, errOut)
	if err == nil || !strings.Contains(text, "IAM Policy Already Exists") ||
		!strings.Contains(text, "applying again ends here again: apply that change without create_before_destroy") {
		t.Fatalf("the swap with create_before_destroy: exit %d, want the Already Exists error saying what to do\n%s\n%s", exitCode(err), out, errOut)
	}

	w.WriteConfig(config(""))
	out, errOut, err = w.Run(ctx, append([]string{"apply", "-auto-approve"}, after...)...)
	if err != nil {
		t.Fatalf("the swap without create_before_destroy: exit %d\n%s\n%s", exitCode(err), out, errOut)
	}
	api := newAPI(t, mock.URL)
	var held []string
	for p, err := range api.ListPolicies(ctx, iam.PolicyFilter{Scope: "/subscriptions/swap"}) {
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, p.Action)
	}
	slices.Sort(held)
	if !slices.Equal(held, []string{"banking.ais.read", "banking.pis.read"}) {
		t.Fatalf("the API holds the grants %v, want both actions once", held)
	}
	out, errOut, err = w.Run(ctx, append([]string{"plan", "-detailed-exitcode"}, after...)...)
	if exitCode(err) != 0 {
		t.Fatalf("plan after the swap: exit %d, want 0\n%s\n%s", exitCode(err), out, errOut)
	}
	w.RunClean(ctx, append([]string{"destroy", "-auto-approve"}, after...)...)
}
