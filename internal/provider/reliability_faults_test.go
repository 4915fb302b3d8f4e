package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
	"github.com/aritma/terraform-provider-aritma/internal/reliability"
)

// faultProfile is one way the mock misbehaves for a whole apply → plan → destroy cycle.
type faultProfile struct {
	name   string
	faults mockserver.Faults
	// clients is N of the config: N clients, 2N secrets, 2N policies (5N resources).
	clients int
	// lossy profiles may lose (or fail) create responses of clients and secrets, so an apply may
	// fail with "may have been created" errors that the test then follows, as a user would.
	lossy bool
	// serverErrors allows "May Have Been Created" errors with nothing behind them: a 500 or 502
	// that the mock answers without touching its state looks to the provider like a create that
	// may have happened; the error says no such object is visible, and applying again is the remedy.
	serverErrors bool
	// wantLost requires at least one lost create response, so the profile proves the recovery path.
	wantLost bool
	// injected proves the mock misbehaved as the profile says, so the profile cannot pass with its
	// faults switched off.
	injected func(ctx context.Context, env *testEnv, checker *iam.Client) error
}

// answered returns a check that the mock gave at least one answer with one of statuses.
func answered(statuses ...int) func(context.Context, *testEnv, *iam.Client) error {
	return func(_ context.Context, env *testEnv, _ *iam.Client) error {
		st := env.Mock.Stats()
		for k, n := range st.Requests {
			for _, code := range statuses {
				if strings.HasSuffix(k, fmt.Sprintf(" %d", code)) && n > 0 {
					return nil
				}
			}
		}
		return fmt.Errorf("the mock never answered %v: the profile's faults were not injected", statuses)
	}
}

// faultProfiles are the profiles of issue #5 §1. Seeds are fixed so a profile injects the same
// faults in the same order every run (which object gets them still depends on scheduling).
var faultProfiles = []faultProfile{
	{
		// A full cycle of 100 resources takes some 600 requests (checks through the API included):
		// about two minutes at 5 req/s, the slowest profile, run in parallel with the others.
		name:     "rate-limit-429",
		faults:   mockserver.Faults{RateLimitRPS: 5, Seed: 5},
		clients:  20,
		injected: answered(429),
	},
	{
		name:         "server-errors-10pct",
		faults:       mockserver.Faults{ErrorRate: 0.1, Seed: 11},
		clients:      20,
		lossy:        true,
		serverErrors: true,
		injected:     answered(500, 502, 503),
	},
	{
		name:    "read-lag-2s",
		faults:  mockserver.Faults{ReadLagMS: 2000, Seed: 7},
		clients: 20,
		// Whether the CLI's refresh came within 2 s of a create depends on the machine, so the
		// proof makes its own: a client read right after its create is not found yet. The lag
		// also hides a new client from the secrets and policies made on it, which wait for it at
		// create; so by the refresh the clients show, and their reads right after a create are
		// TestAccIAMClientResource_readLag's. Which creates come within the lag depends on the
		// machine too: the secrets' waits hold the CLI's slots, and under load every policy may
		// come after it. So one kind meeting it is the proof here; TestAccDataSources_readLag
		// makes both meet it, one object each.
		injected: func(ctx context.Context, env *testEnv, checker *iam.Client) error {
			st := env.Mock.Stats()
			if st.CountStatus("POST", "/v1/clients/{clientId}/secrets", 404) == 0 && st.CountStatus("POST", "/v1/policies", 400) == 0 {
				return errors.New("no secret and no policy create met a client the API did not know yet: no lag on writes")
			}
			c, err := checker.CreateClient(ctx, iam.ClientRequest{Name: "lag-probe",
				AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"}})
			if err != nil {
				return err
			}
			_, err = checker.GetClient(ctx, c.ClientID)
			switch {
			case err == nil:
				return errors.New("a client read right after its create was found: no read lag")
			case !iam.IsNotFound(err):
				return fmt.Errorf("reading a client right after its create: %w", err)
			}
			return nil
		},
	},
	{
		name:    "latency-200ms-jitter",
		faults:  mockserver.Faults{LatencyMS: 200, JitterMS: 100, Seed: 3},
		clients: 20,
		injected: func(ctx context.Context, env *testEnv, checker *iam.Client) error {
			start := time.Now()
			if _, err := checker.ListScopes(ctx); err != nil {
				return err
			}
			if took := time.Since(start); took < 100*time.Millisecond {
				return fmt.Errorf("a request took %s, less than the profile's least latency of 100ms", took)
			}
			return nil
		},
	},
	{
		name:     "commit-then-fail-10pct",
		faults:   mockserver.Faults{CommitThenFailRate: 0.1, Seed: 2},
		clients:  20,
		lossy:    true,
		wantLost: true,
	},
}

// faultRecoveryRounds is how many applies a lossy profile may take in all: the first one plus
// recovery applies that import what the errors named. Each round only retries what failed, so
// rounds shrink fast; usually 2 to 4 are needed, and rounds after convergence are skipped.
const faultRecoveryRounds = 8

// TestAccReliability_faults applies 20 clients × 2 secrets × 2 policies, plans again and destroys
// under each fault profile of the mock, and checks through the API that the server ends with
// exactly what the configuration declares, then with nothing.
func TestAccReliability_faults(t *testing.T) {
	testAccPreCheck(t)
	for _, p := range faultProfiles {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			runFaultProfile(t, p)
		})
	}
}

// faultRun is the bookkeeping of one profile's test case.
type faultRun struct {
	t       *testing.T
	p       faultProfile
	env     *testEnv
	checker *iam.Client
	dir     string

	mu sync.Mutex
	// imports maps a resource address to the id a "may have been created" error told the user
	// to import.
	imports map[string]string
	// applies counts apply rounds; clean is whether the latest one succeeded.
	applies int
	clean   bool
	lost    int // "may have been created" errors naming an object to import
	strays  int // of those, secrets deleted as the error advised, to be created again
	phantom int // "may have been created" errors where nothing had been created
}

func runFaultProfile(t *testing.T, p faultProfile) {
	start := time.Now()
	env := newTestEnv(t)
	r := &faultRun{t: t, p: p, env: env, checker: faultChecker(t, env), dir: t.TempDir(), imports: map[string]string{}}
	passed := false
	defer func() {
		row := reliability.Row{
			Section: reliability.SectionFaults,
			Name:    p.name,
			Result:  reliability.ResultFailed,
			Runs:    r.applies,
			Retries: env.Mock.Stats().CountRetryable(),
			WallS:   time.Since(start).Seconds(),
			Details: r.details(),
		}
		if passed && !t.Failed() {
			row.Result = reliability.ResultSurvived
		}
		if testing.Verbose() {
			stats := env.Mock.Stats()
			keys := slices.Sorted(maps.Keys(stats.Requests))
			var b strings.Builder
			for _, k := range keys {
				fmt.Fprintf(&b, "\n  %-60s %d", k, stats.Requests[k])
			}
			t.Logf("%s: %d requests:%s", p.name, stats.Total, b.String())
		}
		reportRow(t, row)
		t.Logf("%s: %d apply runs, %d retries, %.1fs, %s", p.name, row.Runs, row.Retries, row.WallS, row.Details)
	}()

	setFaults := func() { env.Mock.SetFaults(p.faults) }
	// The configuration files hold the provider block, so plugin-testing wants the provider
	// factories on each step rather than on the test case.
	emptyAfterApply := resource.ConfigPlanChecks{
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
	steps := []resource.TestStep{{
		PreConfig:        setFaults,
		ConfigFile:       r.configFile,
		Check:            r.applied,
		ConfigPlanChecks: emptyAfterApply,
	}}
	if p.lossy {
		// Each recovery round applies the configuration plus an import block for every object an
		// error told the user to import, still under the faults.
		for range faultRecoveryRounds - 1 {
			steps = append(steps, resource.TestStep{
				SkipFunc:         r.converged,
				ConfigFile:       r.configFile,
				Check:            r.applied,
				ConfigPlanChecks: emptyAfterApply,
			})
		}
	}
	// The last apply must have succeeded and left exactly what the configuration declares; then
	// the next plan (refreshing under the faults) must be empty.
	steps = append(steps, resource.TestStep{
		PreConfig:  func() { r.checkConverged() },
		ConfigFile: r.configFile,
		// PlanOnly fails the step unless the plan is empty.
		PlanOnly: true,
	})

	for i := range steps {
		steps[i].ProtoV6ProviderFactories = testAccProtoV6ProviderFactories
	}
	tc := resource.TestCase{Steps: steps, CheckDestroy: r.checkDestroyed}
	if p.lossy {
		tc.ErrorCheck = r.errorCheck
	}
	resource.Test(t, tc)
	if p.injected != nil {
		if err := p.injected(testContext(t), env, r.checker); err != nil {
			t.Error(err)
		}
	}
	passed = true
}

// faultChecker is an admin client for counting that outlasts any fault profile.
func faultChecker(t *testing.T, env *testEnv) *iam.Client {
	t.Helper()
	api, err := iam.NewClient(iam.Config{
		Endpoint:      env.Mock.URL,
		TokenURL:      env.Mock.TokenURL,
		ClientID:      env.Mock.AdminClientID(),
		ClientSecret:  env.Mock.AdminClientSecret(),
		Version:       "test",
		MaxRetries:    10,
		RetryWaitMin:  10 * time.Millisecond,
		RetryWaitMax:  500 * time.Millisecond,
		RetryAfterMax: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("creating the checking API client: %v", err)
	}
	return api
}

// configFile writes the profile's configuration, with an import block per recorded import, and
// returns its path. plugin-testing calls it whenever it needs the step's configuration, so a
// recovery step always sees the imports of the errors before it.
func (r *faultRun) configFile(req config.TestStepConfigRequest) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	b.WriteString(r.env.ProviderConfig())
	b.WriteString(reliability.WorkloadConfig("rel-"+r.p.name, r.p.clients))
	addrs := make([]string, 0, len(r.imports))
	for a := range r.imports {
		addrs = append(addrs, a)
	}
	slices.Sort(addrs)
	for _, a := range addrs {
		fmt.Fprintf(&b, "\nimport {\n  to = %s\n  id = %q\n}\n", a, r.imports[a])
	}
	dir := filepath.Join(r.dir, fmt.Sprintf("step%d", req.StepNumber))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		r.t.Fatalf("config dir: %v", err)
	}
	file := filepath.Join(dir, "main.tf")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		r.t.Fatalf("writing the config: %v", err)
	}
	return file
}

// converged reports whether the latest apply succeeded, so no recovery round is needed.
func (r *faultRun) converged() (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.clean, nil
}

// applied runs after an apply that succeeded. Every secret must hold its generated value: one
// imported after a lost create would have none, which a module handing it on could not use.
func (r *faultRun) applied(s *terraform.State) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.applies++
	r.clean = true
	for addr, rs := range s.RootModule().Resources {
		if rs.Type == "aritma_iam_client_secret" && len(rs.Primary.Attributes["value"]) != 32 {
			return fmt.Errorf("%s holds no generated value (%d characters)", addr, len(rs.Primary.Attributes["value"]))
		}
	}
	return nil
}

var (
	// diagAddress is the "with <address>," line of a diagnostic.
	diagAddress = regexp.MustCompile(`with (aritma_iam_[a-z_]+\.[a-z]+\[\d+\]),`)
	// clientImport is the import command of a lost client create, with the id filled in.
	clientImport = regexp.MustCompile(`terraform import aritma_iam_client\.<name> ([0-9a-f-]{36})\b`)
	// secretImport is one candidate line of a lost secret create.
	secretImport = regexp.MustCompile(`terraform import aritma_iam_client_secret\.<name> ([0-9a-f-]{36}/[0-9a-f-]{36})\b`)
	// nothingVisible is what a lost create says when no candidate object is visible (yet).
	nothingVisible = regexp.MustCompile(`No (?:other )?client named "[^"]+" was visible after the failure, also after waiting up to 10s|` +
		`No (?:other )?secret with description "[^"]+" created since \S+ is listed \(yet\), also after waiting up to 10s`)
)

// errorCheck is the user reading a failed apply of a lossy profile: every diagnostic must be a
// create that may have happened, naming the object and the exact import command (which the next
// round then carries out), or, with server errors, one that says nothing of the kind is visible
// (the mock failed it without touching its state). Anything else fails the test.
func (r *faultRun) errorCheck(err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.applies++
	r.clean = false
	r.t.Logf("apply %d failed; following its diagnostics:\n%s", r.applies, err)
	diags := reliability.SplitDiagnostics(err.Error())
	if len(diags) == 0 {
		return err
	}
	for _, d := range diags {
		d, isError := strings.CutPrefix(d, "Error: ")
		if !isError {
			continue // a warning, such as the CLI's about its configuration file
		}
		if perr := r.followDiagnostic(d); perr != nil {
			return fmt.Errorf("%w\n\nunexpected diagnostic: %w", err, perr)
		}
	}
	return nil
}

// followDiagnostic handles one diagnostic; r.mu is held.
func (r *faultRun) followDiagnostic(d string) error {
	title, _, _ := strings.Cut(d, "\n")
	title = strings.TrimSpace(title)
	m := diagAddress.FindStringSubmatch(d)
	if m == nil {
		return fmt.Errorf("%q does not name the resource it is about", title)
	}
	addr := m[1]
	isSecret := strings.HasPrefix(addr, "aritma_iam_client_secret.")
	isClient := strings.HasPrefix(addr, "aritma_iam_client.")
	flat := strings.Join(strings.Fields(d), " ")
	switch {
	case title == "IAM Client May Have Been Created" && isClient:
		r.lost++
		if id := clientImport.FindStringSubmatch(flat); id != nil {
			r.imports[addr] = id[1]
			return nil
		}
		if r.p.serverErrors && nothingVisible.MatchString(flat) {
			// A gateway error with nothing behind it: applying again is the remedy.
			r.lost--
			r.phantom++
			return nil
		}
		return fmt.Errorf("%s: %q without an import command for the client that exists:\n%s", addr, title, d)
	case title == "IAM Client Secret May Have Been Created" && isSecret:
		r.lost++
		ids := secretImport.FindAllStringSubmatch(flat, -1)
		switch {
		case len(ids) == 1 && strings.Contains(flat, "an imported secret keeps a null value"):
			// The workload's values are generated, so the error advises against the import it
			// names (the value is lost): delete the stray secret, and the next round creates it.
			clientID, secretID, _ := strings.Cut(ids[0][1], "/")
			var err error
			r.withoutFaults(func() { err = r.checker.DeleteClientSecret(testContext(r.t), clientID, secretID) })
			if err != nil {
				return fmt.Errorf("%s: deleting the stray secret %s the error named: %w", addr, ids[0][1], err)
			}
			r.strays++
			return nil
		case len(ids) > 1:
			return fmt.Errorf("%s: %d import candidates; the message must single out the secret:\n%s", addr, len(ids), d)
		case r.p.serverErrors && nothingVisible.MatchString(flat):
			r.lost--
			r.phantom++
			return nil
		}
		return fmt.Errorf("%s: %q without an import command for the secret that exists:\n%s", addr, title, d)
	}
	return errors.New(d)
}

// checkConverged runs before the final plan: the latest apply succeeded, nothing is left to import,
// and the server holds exactly the configured objects.
func (r *faultRun) checkConverged() {
	t := r.t
	r.mu.Lock()
	clean, applies, lost := r.clean, r.applies, r.lost
	r.mu.Unlock()
	if !clean {
		t.Fatalf("%s: the configuration did not converge in %d applies", r.p.name, applies)
	}
	if r.p.wantLost && lost == 0 {
		t.Fatalf("%s: no create response was lost, so the recovery path was not exercised; change the seed", r.p.name)
	}
	n := r.p.clients
	r.withoutFaults(func() {
		counts := countFaultObjects(t, r.checker, r.env.Mock.AdminClientID())
		want := faultCounts{clients: n, secretsPerClient: 2, policiesPerSubject: 2}
		if msg := counts.mismatch(want); msg != "" {
			t.Fatalf("%s: after apply the server does not hold exactly the configuration: %s", r.p.name, msg)
		}
	})
}

// checkDestroyed is CheckDestroy: nothing but the admin is left.
func (r *faultRun) checkDestroyed(*terraform.State) error {
	var err error
	r.withoutFaults(func() {
		counts := countFaultObjects(r.t, r.checker, r.env.Mock.AdminClientID())
		if counts.clients != 0 || counts.secrets != 0 || counts.policies != 0 {
			err = fmt.Errorf("after destroy the server still holds %d clients, %d secrets, %d policies",
				counts.clients, counts.secrets, counts.policies)
		}
	})
	return err
}

// withoutFaults runs f with the mock's faults off (counting is not under test), then restores them.
func (r *faultRun) withoutFaults(f func()) {
	saved := r.env.Mock.Faults()
	r.env.Mock.SetFaults(mockserver.Faults{})
	defer r.env.Mock.SetFaults(saved)
	f()
}

func (r *faultRun) details() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.p.faults
	var parts []string
	switch {
	case f.RateLimitRPS > 0:
		parts = append(parts, fmt.Sprintf("429 above %g req/s (Retry-After)", f.RateLimitRPS))
	case f.ErrorRate > 0:
		parts = append(parts, fmt.Sprintf("%g%% of answers 500/502/503", f.ErrorRate*100))
	case f.ReadLagMS > 0:
		parts = append(parts, fmt.Sprintf("objects invisible for %d ms after create, to reads and to the creates that name them", f.ReadLagMS))
	case f.LatencyMS > 0:
		parts = append(parts, fmt.Sprintf("%d ms latency + up to %d ms jitter", f.LatencyMS, f.JitterMS))
	case f.CommitThenFailRate > 0:
		parts = append(parts, fmt.Sprintf("%g%% of creates commit, then answer 502", f.CommitThenFailRate*100))
	}
	parts = append(parts, fmt.Sprintf("%d resources", 5*r.p.clients))
	if r.lost > 0 {
		parts = append(parts, fmt.Sprintf("lost create responses that failed naming the object and its import command: %d; "+
			"followed as advised: clients imported (%d), secrets deleted and created again (%d; their generated "+
			"values an import cannot recover)", r.lost, r.lost-r.strays, r.strays))
	}
	if r.phantom > 0 {
		parts = append(parts, fmt.Sprintf("creates answered 500 or 502 with nothing created that failed saying no such "+
			"object was visible: %d; applied again", r.phantom))
	}
	if n := r.env.Mock.Stats().CountStatus("POST", "/v1/policies", 500) + r.env.Mock.Stats().CountStatus("POST", "/v1/policies", 502); n > 0 {
		parts = append(parts, fmt.Sprintf("policy creates answered 500 or 502 that recovered on their own: %d", n))
	}
	return strings.Join(parts, "; ")
}

// faultCounts is what the server holds besides the admin client.
type faultCounts struct {
	clients, secrets, policies int
	// secretsPerClient and policiesPerSubject are set when every client has the same number.
	secretsPerClient, policiesPerSubject int
	// uneven lists the clients and subjects whose count differs from the others.
	uneven []string
	// duplicateNames lists client names held more than once.
	duplicateNames []string
}

func (c faultCounts) mismatch(want faultCounts) string {
	var problems []string
	if c.clients != want.clients {
		problems = append(problems, fmt.Sprintf("%d clients, want %d", c.clients, want.clients))
	}
	if len(c.duplicateNames) > 0 {
		problems = append(problems, "duplicate clients: "+strings.Join(c.duplicateNames, ", "))
	}
	if c.secrets != want.clients*want.secretsPerClient {
		problems = append(problems, fmt.Sprintf("%d secrets, want %d", c.secrets, want.clients*want.secretsPerClient))
	}
	if c.policies != want.clients*want.policiesPerSubject {
		problems = append(problems, fmt.Sprintf("%d policies, want %d", c.policies, want.clients*want.policiesPerSubject))
	}
	if len(c.uneven) > 0 {
		problems = append(problems, "uneven: "+strings.Join(c.uneven, "; "))
	}
	return strings.Join(problems, "; ")
}

// countFaultObjects counts clients (without the admin), secrets per client and policies per
// subject through the API, and notes duplicates and clients that do not have exactly 2 of each.
func countFaultObjects(t *testing.T, api *iam.Client, adminID string) faultCounts {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var c faultCounts
	names := map[string]int{}
	var ids []string
	for cl, err := range api.ListClients(ctx, iam.ListClientsOptions{}) {
		if err != nil {
			t.Fatalf("listing clients: %v", err)
		}
		if cl.ClientID == adminID {
			continue
		}
		ids = append(ids, cl.ClientID)
		names[cl.Name]++
	}
	c.clients = len(ids)
	for name, k := range names {
		if k > 1 {
			c.duplicateNames = append(c.duplicateNames, fmt.Sprintf("%s ×%d", name, k))
		}
	}
	slices.Sort(c.duplicateNames)
	perSubject := map[string]int{}
	for p, err := range api.ListPolicies(ctx, iam.PolicyFilter{}) {
		if err != nil {
			t.Fatalf("listing policies: %v", err)
		}
		if p.Subject == "client-"+adminID {
			continue
		}
		c.policies++
		perSubject[p.Subject]++
	}
	for _, id := range ids {
		n := 0
		for _, err := range api.ListClientSecrets(ctx, id) {
			if err != nil {
				t.Fatalf("listing secrets of %s: %v", id, err)
			}
			n++
		}
		c.secrets += n
		if n != 2 {
			c.uneven = append(c.uneven, fmt.Sprintf("client %s has %d secrets", id, n))
		}
		if k := perSubject["client-"+id]; k != 2 {
			c.uneven = append(c.uneven, fmt.Sprintf("client %s has %d policies", id, k))
		}
		delete(perSubject, "client-"+id)
	}
	for s, k := range perSubject {
		c.uneven = append(c.uneven, fmt.Sprintf("%d policies of %s, which is no configured client", k, s))
	}
	slices.Sort(c.uneven)
	return c
}
