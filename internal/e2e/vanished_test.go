package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// An object deleted outside Terraform is dropped from the state with a warning, by a refresh-only
// apply too; the warning must not promise a create there (a refresh-only run plans none), and the
// next plan must create it again.
func TestAccE2E_vanishedObjectRefreshOnly(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	w := newWorkdir(t, providerDir, mock.URL)
	w.WriteConfig(`
resource "aritma_iam_client" "c" {
  name                = "e2e-vanished"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

resource "aritma_iam_policy" "p" {
  subject = aritma_iam_client.c.subject_id
  action  = "iam.client.read"
  scope   = "/subscriptions/1"
}
`)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	w.RunClean(ctx, "apply", "-auto-approve")

	api := newAPI(t, mock.URL)
	var subject string
	for p, err := range api.ListPolicies(ctx, iam.PolicyFilter{Action: "iam.client.read", Scope: "/subscriptions/1"}) {
		if err != nil {
			t.Fatal(err)
		}
		subject = p.Subject
	}
	if err := api.DeletePolicy(ctx, subject, "iam.client.read", "/subscriptions/1"); err != nil {
		t.Fatalf("deleting the policy outside Terraform: %v", err)
	}

	out, errOut, err := w.Run(ctx, "apply", "-refresh-only", "-auto-approve")
	text := oneLine(out, errOut)
	if err != nil {
		t.Fatalf("apply -refresh-only: exit %d\n%s\n%s", exitCode(err), out, errOut)
	}
	want := `IAM policy "` + subject + `,iam.client.read,/subscriptions/1" no longer exists: it, or its subject, was deleted outside Terraform. ` +
		`Terraform has removed it from the state; a plan of this configuration creates it again.`
	if !strings.Contains(text, "IAM Policy Not Found") || !strings.Contains(text, want) || strings.Contains(text, "plans to create") {
		t.Fatalf("apply -refresh-only does not warn %q:\n%s\n%s", want, out, errOut)
	}

	out, errOut, err = w.Run(ctx, "plan", "-detailed-exitcode")
	if exitCode(err) != 2 || !strings.Contains(out, "aritma_iam_policy.p will be created") {
		t.Fatalf("plan after the refresh-only apply: exit %d, want 2 with the policy to create\n%s\n%s", exitCode(err), out, errOut)
	}
	w.RunClean(ctx, "apply", "-auto-approve")
	w.RunClean(ctx, "destroy", "-auto-approve")
}
