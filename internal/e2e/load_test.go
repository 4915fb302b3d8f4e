package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
	"github.com/aritma/terraform-provider-aritma/internal/reliability"
)

// loadClients is N of the load configuration: N clients with 2 secrets and 2 policies each.
const loadClients = 60

// TestAccE2E_load applies 300 resources with -parallelism=50 against a mock answering every
// request after 50 ms, and checks through the API that nothing was lost or created twice; then the
// plan is empty and destroy (also -parallelism=50) leaves nothing.
func TestAccE2E_load(t *testing.T) {
	providerDir := buildProvider(t)
	mock := newMock(t)
	mock.SetFaults(mockserver.Faults{LatencyMS: 50})
	w := newWorkdir(t, providerDir, mock.URL)
	api := newAPI(t, mock.URL)
	w.WriteConfig(reliability.WorkloadConfig("load", loadClients))
	total := 5 * loadClients

	start := time.Now()
	var phases []string
	passed := false
	defer func() {
		row := reliability.Row{
			Section: reliability.SectionLoad,
			Name:    fmt.Sprintf("apply -parallelism=50, %d resources, 50 ms latency", total),
			CLI:     cliName(t, w.CLI),
			Result:  reliability.ResultFailed,
			Runs:    1,
			Retries: mock.Stats().CountRetryable(),
			WallS:   time.Since(start).Seconds(),
			Details: strings.Join(append(phases, fmt.Sprintf("%d requests", mock.Stats().Total)), "; "),
		}
		if passed && !t.Failed() {
			row.Result = reliability.ResultSurvived
		}
		reportRow(t, row)
		t.Logf("load: %s in %.1fs: %s", row.Result, row.WallS, row.Details)
	}()

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	// run runs the CLI and returns its output and exit code; it fails the test on an error other
	// than exit code 2 (plan -detailed-exitcode: changes present).
	run := func(name string, args ...string) (string, int) {
		t.Helper()
		began := time.Now()
		out, errOut, err := w.Run(ctx, args...)
		phases = append(phases, fmt.Sprintf("%s %.1f s", name, time.Since(began).Seconds()))
		code := exitCode(err)
		if code != 0 && code != 2 {
			t.Fatalf("%s: %v\n%s\n%s", strings.Join(args, " "), err, tail(out, 60), errOut)
		}
		return out, code
	}

	run("apply", "apply", "-auto-approve", "-parallelism=50")
	if msg := loadMismatch(t, api, loadClients); msg != "" {
		t.Fatalf("after apply: %s", msg)
	}
	out, _ := run("state list", "state", "list")
	if n := len(strings.Fields(out)); n != total {
		t.Fatalf("the state holds %d resources, want %d", n, total)
	}
	out, code := run("plan", "plan", "-detailed-exitcode", "-parallelism=50")
	if code != 0 {
		t.Fatalf("plan -detailed-exitcode = %d after apply, want 0 (no changes):\n%s", code, tail(out, 60))
	}
	run("destroy", "destroy", "-auto-approve", "-parallelism=50")
	if c, s, p := countServerObjects(t, api); c+s+p != 0 {
		t.Fatalf("after destroy the server still holds %d clients, %d secrets, %d policies", c, s, p)
	}
	passed = true
}

// loadMismatch checks that the server holds exactly n clients named load-000… once each, each
// with 2 secrets and 2 policies, and nothing else; it returns what differs.
func loadMismatch(t *testing.T, api *iam.Client, n int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var problems []string
	names := map[string]int{}
	var ids []string
	for c, err := range api.ListClients(ctx, iam.ListClientsOptions{}) {
		if err != nil {
			t.Fatalf("listing clients: %v", err)
		}
		if c.ClientID == testAdminClientID {
			continue
		}
		names[c.Name]++
		ids = append(ids, c.ClientID)
	}
	for i := range n {
		name := fmt.Sprintf("load-%03d", i)
		if names[name] != 1 {
			problems = append(problems, fmt.Sprintf("client %s held %d times", name, names[name]))
		}
		delete(names, name)
	}
	for name, k := range names {
		problems = append(problems, fmt.Sprintf("unexpected client %s (×%d)", name, k))
	}
	perSubject := map[string]int{}
	for p, err := range api.ListPolicies(ctx, iam.PolicyFilter{}) {
		if err != nil {
			t.Fatalf("listing policies: %v", err)
		}
		if p.Subject != "client-"+testAdminClientID {
			perSubject[p.Subject]++
		}
	}
	for _, id := range ids {
		k := 0
		for _, err := range api.ListClientSecrets(ctx, id) {
			if err != nil {
				t.Fatalf("listing secrets of %s: %v", id, err)
			}
			k++
		}
		if k != 2 {
			problems = append(problems, fmt.Sprintf("client %s has %d secrets", id, k))
		}
		if perSubject["client-"+id] != 2 {
			problems = append(problems, fmt.Sprintf("client %s has %d policies", id, perSubject["client-"+id]))
		}
		delete(perSubject, "client-"+id)
	}
	for s, k := range perSubject {
		problems = append(problems, fmt.Sprintf("%d policies of %s, no configured client", k, s))
	}
	if len(problems) > 10 {
		problems = append(problems[:10], fmt.Sprintf("and %d more", len(problems)-10))
	}
	return strings.Join(problems, "; ")
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
