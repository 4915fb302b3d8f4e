package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The seed workflow of the provider's index page (examples/walkthrough, rendered into
// docs/index.md) is applied as users copy it: client → secret → subject → policy → permissions,
// then a second plan must be empty and destroy must leave nothing behind.
func TestAccE2E_walkthrough(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	api := newAPI(t, mock.URL)
	w := newWorkdir(t, providerDir, mock.URL)
	w.CopyExample("walkthrough")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	run := func(args ...string) string { return w.RunClean(ctx, args...) }

	run("apply", "-auto-approve")
	var outputs struct {
		ClientID    struct{ Value string } `json:"client_id"`
		CanRead     struct{ Value bool }   `json:"can_read_finance_accounts"`
		Permissions struct {
			Value []struct {
				Action     string `json:"action"`
				Scope      string `json:"scope"`
				GrantedVia string `json:"granted_via"`
			}
		} `json:"permissions"`
	}
	if err := json.Unmarshal([]byte(run("output", "-json")), &outputs); err != nil {
		t.Fatalf("decoding the outputs: %v", err)
	}
	if !outputs.CanRead.Value {
		t.Error("can_read_finance_accounts is false")
	}
	p := outputs.Permissions.Value
	if len(p) != 1 || p[0].Action != "banking.ais.read" || p[0].Scope != "/subscriptions/123" ||
		p[0].GrantedVia != "client-"+outputs.ClientID.Value {
		t.Errorf("permissions = %+v, want banking.ais.read on /subscriptions/123 granted to client-%s", p, outputs.ClientID.Value)
	}
	if clients, secrets, policies := countServerObjects(t, api); clients != 1 || secrets != 1 || policies != 1 {
		t.Errorf("the server holds %d clients, %d secrets, %d policies; want 1 of each", clients, secrets, policies)
	}

	if _, _, err := w.Run(ctx, "plan", "-detailed-exitcode"); exitCode(err) != 0 {
		t.Fatalf("the plan after apply is not empty (exit %d)", exitCode(err))
	}
	// Changing the client in place leaves its grant alone: the subject the policy is granted to
	// stays known, so the policy is not replaced (which would drop the grant during the apply).
	mainTF, err := os.ReadFile(filepath.Join(w.Dir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(mainTF), `"Nightly account reports"`, `"Nightly account reports, v2"`, 1)
	if changed == string(mainTF) {
		t.Fatal("the walkthrough's client description moved; update this test")
	}
	w.WriteFile("main.tf", changed)
	// (Plain Run: the check block's result is only known after apply, which the plan warns about.)
	if out, errOut, err := w.Run(ctx, "plan"); err != nil || !strings.Contains(out, "Plan: 0 to add, 1 to change, 0 to destroy.") {
		t.Fatalf("a new client description should change only the client (%v):\n%s\n%s", err, out, errOut)
	}
	run("destroy", "-auto-approve")
	if clients, secrets, policies := countServerObjects(t, api); clients+secrets+policies != 0 {
		t.Errorf("after destroy the server holds %d clients, %d secrets, %d policies", clients, secrets, policies)
	}
}
