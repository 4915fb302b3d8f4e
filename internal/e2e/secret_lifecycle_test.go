package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
	"github.com/aritma/terraform-provider-aritma/internal/reliability"
)

// terraform destroy plans the configuration first (unless -refresh=false). A renew_before that is
// unknown in every plan fails that plan with "Unknown renew_before", and with it the destroy: the
// error says how to destroy without that plan, and that works.
func TestAccE2E_secretUnknownRenewBeforeDestroy(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	w := newWorkdir(t, providerDir, mock.URL)
	w.WriteConfig(fmt.Sprintf(clientC("e2e-secret-lifecycle")+`
resource "aritma_iam_client_secret" "s" {
  client_id    = aritma_iam_client.c.client_id
  expiration   = %q
  renew_before = timestamp() != "" ? "1h" : "2h"
}
`, time.Now().Add(30*24*time.Hour).UTC().Format(time.RFC3339)))
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	w.RunClean(ctx, "apply", "-auto-approve")
	out, errOut, err := w.Run(ctx, "destroy", "-auto-approve")
	text := oneLine(out, errOut)
	if err == nil || !strings.Contains(text, "Unknown renew_before") ||
		!strings.Contains(text, "which does not plan it first: terraform destroy -refresh=false, or tofu destroy -refresh=false with OpenTofu") {
		t.Fatalf("destroy: exit %d, want the Unknown renew_before error with the -refresh=false hint\n%s", exitCode(err), text)
	}
	if out, errOut, err := w.Run(ctx, "destroy", "-refresh=false", "-auto-approve"); err != nil {
		t.Fatalf("destroy -refresh=false: exit %d\n%s\n%s", exitCode(err), out, errOut)
	}
	api := newAPI(t, mock.URL)
	if c, s, _ := countServerObjects(t, api); c != 0 || s != 0 {
		t.Errorf("after destroy -refresh=false the server holds %d clients and %d secrets, want none", c, s)
	}
}

// Renewal is decided by the renewal clock (the last refresh), but whether the configured expiration
// has passed is decided by the clock: a plan with -refresh=false after the expiration passed must
// not propose a replacement whose create would fail, only warn.
func TestAccE2E_secretCannotBeRenewedAfterExpiryWithoutRefresh(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	w := newWorkdir(t, providerDir, mock.URL)
	start := time.Now()
	exp := start.Add(40 * time.Second).UTC().Truncate(time.Second)
	w.WriteConfig(fmt.Sprintf(clientC("e2e-secret-lifecycle")+`
resource "aritma_iam_client_secret" "s" {
  client_id    = aritma_iam_client.c.client_id
  expiration   = %q
  renew_before = "30s"
}
`, exp.Format(time.RFC3339)))
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	w.RunClean(ctx, "apply", "-auto-approve")
	time.Sleep(time.Until(exp.Add(-20 * time.Second)))
	// A refresh inside the window, before the expiration (a refresh-only apply, or any plan not applied).
	if out, errOut, err := w.Run(ctx, "apply", "-refresh-only", "-auto-approve"); err != nil {
		t.Fatalf("refresh: %v\n%s\n%s", err, out, errOut)
	}
	time.Sleep(time.Until(exp.Add(2 * time.Second)))
	out, errOut, err := w.Run(ctx, "plan", "-refresh=false", "-detailed-exitcode")
	text := oneLine(out, errOut)
	if exitCode(err) != 0 || !strings.Contains(text, "Cannot Be Renewed") {
		t.Errorf("plan -refresh=false after the expiration: exit %d, want 0 with \"Cannot Be Renewed\"\n%s", exitCode(err), text)
	}
	out, errOut, err = w.Run(ctx, "apply", "-refresh=false", "-auto-approve")
	if err != nil {
		t.Errorf("apply -refresh=false: exit %d\n%s\n%s", exitCode(err), out, errOut)
	}
}

// Terraform shows the warnings of the create half of a replacement (planned with a null prior
// state) only at apply: "New IAM Client Secret Due for Renewal at Once" must come with the plan of
// the replacement itself.
func TestAccE2E_secretDueAtOnceWarnedAtReplacementPlan(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	w := newWorkdir(t, providerDir, mock.URL)
	cfg := func(exp time.Time) string {
		return fmt.Sprintf(clientC("e2e-secret-lifecycle")+`
resource "aritma_iam_client_secret" "s" {
  client_id    = aritma_iam_client.c.client_id
  expiration   = %q
  renew_before = "720h"
}
`, exp.UTC().Format(time.RFC3339))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	w.WriteConfig(cfg(time.Now().Add(90 * 24 * time.Hour)))
	w.RunClean(ctx, "apply", "-auto-approve")
	w.WriteConfig(cfg(time.Now().Add(10 * 24 * time.Hour))) // inside the 30-day window
	out, errOut, err := w.Run(ctx, "plan", "-detailed-exitcode")
	if exitCode(err) != 2 || !strings.Contains(out+errOut, "Due for Renewal at Once") {
		t.Errorf("plan of the replacement: exit %d, want 2 with the \"Due for Renewal at Once\" warning\n%s\n%s", exitCode(err), out, errOut)
	}
	if out, errOut, err := w.Run(ctx, "apply", "-auto-approve"); err != nil {
		t.Errorf("apply: exit %d\n%s\n%s", exitCode(err), out, errOut)
	}
}

// A value_wo known only at apply: a CLI without write-only support refuses it with the framework's
// "WriteOnly Attribute Not Allowed" (not with "Provider produced invalid plan"); every other CLI
// applies it.
func TestAccE2E_writeOnlyUnknownAtPlan(t *testing.T) {
	t.Parallel()
	cli := cliPath(t)
	_, have, _ := strings.Cut(cliName(t, cli), " ")
	providerDir := buildProvider(t)
	mock := newMock(t)
	w := newWorkdir(t, providerDir, mock.URL)
	w.WriteConfig(clientC("e2e-wo-unknown") + `
resource "aritma_iam_client_secret" "s" {
  client_id        = aritma_iam_client.c.client_id
  value_wo         = substr(aritma_iam_client.c.client_id, 0, 20)
  value_wo_version = 1
}
`)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	out, errOut, err := w.Run(ctx, "apply", "-auto-approve")
	text := oneLine(out, errOut)
	if reliability.CompareVersions(have, "1.11.0") >= 0 {
		if err != nil {
			t.Errorf("apply: exit %d, want success\n%s", exitCode(err), text)
		}
		return
	}
	if err == nil || !strings.Contains(text, "WriteOnly Attribute Not Allowed") || !strings.Contains(text, "value_wo is not known until apply") {
		t.Errorf("apply: exit %d, want the WriteOnly Attribute Not Allowed error\n%s", exitCode(err), text)
	}
}

// A -refresh=false plan after the configured expiration passed must not advise a refreshing plan
// "to replace it": the refreshing plan cannot replace it (Cannot Be Renewed).
func TestAccE2E_secretRenewalAfterExpiryWithoutRefresh(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	w := newWorkdir(t, providerDir, mock.URL)
	exp := time.Now().Add(25 * time.Second).UTC().Truncate(time.Second)
	w.WriteConfig(fmt.Sprintf(clientC("e2e-renew-after-expiry")+`
resource "aritma_iam_client_secret" "s" {
  client_id    = aritma_iam_client.c.client_id
  expiration   = %q
  renew_before = "10s"
}
`, exp.Format(time.RFC3339)))
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	w.RunClean(ctx, "apply", "-auto-approve")
	time.Sleep(time.Until(exp.Add(2 * time.Second)))
	out, errOut, _ := w.Run(ctx, "plan", "-refresh=false")
	noRefresh := oneLine(out, errOut)
	out, errOut, _ = w.Run(ctx, "plan")
	refresh := oneLine(out, errOut)
	if strings.Contains(noRefresh, "Run a plan that refreshes (without -refresh=false) to replace it") ||
		!strings.Contains(noRefresh, "Cannot Be Renewed") || !strings.Contains(refresh, "Cannot Be Renewed") {
		t.Errorf("plan -refresh=false advises a refreshing plan to replace the secret, which then refuses to:\n-refresh=false: %s\n\nrefreshing: %s", noRefresh, refresh)
	}
}

// A create_before_destroy rotation whose create answer is lost: the secret this resource still
// holds (created moments before, by the last apply) is not offered as the stray to import or
// delete, which would cut the client off; the stray the lost create made is.
func TestAccE2E_secretLostRotationSparesTheLiveSecret(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	w := newWorkdir(t, providerDir, mock.URL)
	api := newAPI(t, mock.URL)
	cfg := func(keeper string) string {
		return fmt.Sprintf(clientC("e2e-lost-rotation")+`
resource "aritma_iam_client_secret" "s" {
  client_id           = aritma_iam_client.c.client_id
  description         = "rotated"
  rotate_when_changed = { k = %q }
  lifecycle {
    create_before_destroy = true
  }
}
`, keeper)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	w.WriteConfig(cfg("a"))
	w.RunClean(ctx, "apply", "-auto-approve")
	secretIDs := func() (client string, ids []string) {
		for c, err := range api.ListClients(ctx, iam.ListClientsOptions{SearchText: "e2e-lost-rotation"}) {
			if err != nil {
				t.Fatal(err)
			}
			client = c.ClientID
		}
		for s, err := range api.ListClientSecrets(ctx, client) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, s.ClientSecretID)
		}
		return client, ids
	}
	clientID, live := secretIDs()
	if len(live) != 1 {
		t.Fatalf("%d secrets after the first apply, want 1", len(live))
	}
	// Well within the two minutes a lost create's look-up allowed for clock skew, and beyond the
	// few seconds it allows now that the server's answers tell its clock.
	time.Sleep(5 * time.Second)
	mock.SetFaults(mockserver.Faults{CommitThenFailRate: 1})
	w.WriteConfig(cfg("b"))
	out, errOut, err := w.Run(ctx, "apply", "-auto-approve")
	mock.SetFaults(mockserver.Faults{})
	text := oneLine(out, errOut)
	// The plan names the live secret too; what counts is the error's advice.
	_, advice, _ := strings.Cut(text, "Error: IAM Client Secret May Have Been Created")
	_, now := secretIDs()
	stray := slices.DeleteFunc(slices.Clone(now), func(id string) bool { return id == live[0] })
	switch {
	case err == nil || advice == "":
		t.Fatalf("apply: exit %d, want the lost create's error\n%s", exitCode(err), text)
	case len(stray) != 1:
		t.Fatalf("the client holds %v, want the live secret %s and one stray", now, live[0])
	case strings.Contains(advice, live[0]):
		t.Errorf("the error names the live secret %s as one to import or delete\n%s", live[0], advice)
	case !strings.Contains(advice, clientID+"/"+stray[0]):
		t.Errorf("the error does not name the stray %s\n%s", stray[0], advice)
	}
}

// clientC is the client "c" the secrets of these tests belong to, named name, in HCL.
func clientC(name string) string {
	return fmt.Sprintf(`
resource "aritma_iam_client" "c" {
  name                = %q
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}
`, name)
}
