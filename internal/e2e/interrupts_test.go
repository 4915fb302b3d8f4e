package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
	"github.com/aritma/terraform-provider-aritma/internal/reliability"
)

// Interrupts and crashes (issue 5, section 2), with the real provider binary and a real CLI:
//
//   - SIGINT to the CLI in the middle of a 200-resource apply against a slow API: the CLI stops
//     gracefully, every object the server holds is in the state, and a re-apply converges.
//   - SIGKILL to the mock (a child process persisting to -data) in the middle of an apply, then a
//     restart on the same port and data file: every object in the state is still on the server, and
//     a re-apply converges.

// interruptClients is the number of clients of the 200-resource configuration: each has one
// secret and two policies.
const interruptClients = 50

// interruptConfig is 200 resources: interruptClients clients, a generated secret each and two
// policies each.
func interruptConfig(prefix string) string {
	return fmt.Sprintf(`
resource "aritma_iam_client" "c" {
  count               = %[1]d
  name                = format("%[2]s-%%03d", count.index)
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

resource "aritma_iam_client_secret" "s" {
  count       = %[1]d
  client_id   = aritma_iam_client.c[count.index].client_id
  description = "secret ${count.index}"
}

resource "aritma_iam_policy" "read" {
  count   = %[1]d
  subject = aritma_iam_client.c[count.index].subject_id
  action  = "iam.client.read"
  scope   = "/subscriptions/${count.index}"
}

resource "aritma_iam_policy" "write" {
  count   = %[1]d
  subject = aritma_iam_client.c[count.index].subject_id
  action  = "iam.client.write"
  scope   = "/subscriptions/${count.index}"
}
`, interruptClients, prefix)
}

// serverObjectKeys names every object the server holds besides the bootstrap admin client and its
// policies: "client <id>", "secret <client_id>/<secret_id>", "policy <subject>,<action>,<scope>".
func serverObjectKeys(t testing.TB, api *iam.Client) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	keys := map[string]bool{}
	adminSubject := ""
	var ids []string
	for c, err := range api.ListClients(ctx, iam.ListClientsOptions{}) {
		if err != nil {
			t.Fatalf("listing clients: %v", err)
		}
		if c.Name == adminClientName {
			adminSubject = "client-" + c.ClientID
			continue
		}
		ids = append(ids, c.ClientID)
		keys["client "+c.ClientID] = true
	}
	for _, id := range ids {
		for s, err := range api.ListClientSecrets(ctx, id) {
			if err != nil {
				t.Fatalf("listing secrets of %s: %v", id, err)
			}
			keys["secret "+id+"/"+s.ClientSecretID] = true
		}
	}
	for p, err := range api.ListPolicies(ctx, iam.PolicyFilter{}) {
		if err != nil {
			t.Fatalf("listing policies: %v", err)
		}
		if p.Subject != adminSubject {
			keys["policy "+p.Subject+","+p.Action+","+p.Scope] = true
		}
	}
	return keys
}

// stateObjectKeys names the objects in the working directory's state the way serverObjectKeys
// does, from `show -json`.
func stateObjectKeys(ctx context.Context, t testing.TB, w *workdir) map[string]bool {
	keys, _ := stateObjects(ctx, t, w)
	return keys
}

// stateObjects is stateObjectKeys, and the keys of the secrets in the state that hold no value.
func stateObjects(ctx context.Context, t testing.TB, w *workdir) (keys map[string]bool, valueless []string) {
	t.Helper()
	out, errOut, err := w.Run(ctx, "show", "-json")
	if err != nil {
		t.Fatalf("show -json: %v\n%s", err, errOut)
	}
	var doc struct {
		Values *struct {
			RootModule struct {
				Resources []struct {
					Type   string         `json:"type"`
					Values map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("decoding show -json: %v", err)
	}
	keys = map[string]bool{}
	if doc.Values == nil {
		return keys, nil
	}
	for _, r := range doc.Values.RootModule.Resources {
		str := func(k string) string { s, _ := r.Values[k].(string); return s }
		switch r.Type {
		case "aritma_iam_client":
			keys["client "+str("id")] = true
		case "aritma_iam_client_secret":
			key := "secret " + str("client_id") + "/" + str("secret_id")
			keys[key] = true
			if str("value") == "" {
				valueless = append(valueless, key)
			}
		case "aritma_iam_policy":
			keys["policy "+str("id")] = true
		}
	}
	return keys, valueless
}

// missingFrom returns the keys of a that b lacks, sorted.
func missingFrom(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// createdIn counts the successful creates of clients, secrets and policies in the mock's stats
// (which, unlike listing through the API, cost nothing under injected latency).
func createdIn(st mockserver.Stats) int64 {
	return st.CountStatus("POST", "/v1/clients", http.StatusCreated) +
		st.CountStatus("POST", "/v1/clients/{clientId}/secrets", http.StatusCreated) +
		st.CountStatus("POST", "/v1/policies", http.StatusCreated) +
		st.CountStatus("POST", "/v1/policies", http.StatusOK) // the API answers a policy create with 200
}

// waitForCreates polls stats until at least n objects were created, the deadline passes or the
// CLI has exited.
func waitForCreates(t testing.TB, stats func() (mockserver.Stats, error), n int64, deadline time.Duration, run *running) int64 {
	t.Helper()
	end := time.Now().Add(deadline)
	for {
		st, err := stats()
		if err != nil {
			t.Fatalf("reading the mock's stats: %v", err)
		}
		if got := createdIn(st); got >= n || time.Now().After(end) || run.exited() {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// controlStats reads GET /_mock/stats of a mock running as a process.
func controlStats(ctx context.Context, baseURL string) (mockserver.Stats, error) {
	var st mockserver.Stats
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/_mock/stats", nil)
	if err != nil {
		return st, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

func outputs(cmd *exec.Cmd) string {
	var b strings.Builder
	for _, w := range []any{cmd.Stdout, cmd.Stderr} {
		if lb, ok := w.(*lockedBuffer); ok {
			b.WriteString(lb.String())
		}
	}
	return b.String()
}

// errorSummaries lists the "Error: <summary>" lines of CLI output with their counts.
func errorSummaries(out string) string {
	counts := map[string]int{}
	for _, d := range reliability.SplitDiagnostics(out) {
		title, _, _ := strings.Cut(d, "\n")
		if s, ok := strings.CutPrefix(title, "Error: "); ok {
			counts[s]++
		}
	}
	var parts []string
	for s, n := range counts {
		parts = append(parts, fmt.Sprintf("%d× %q", n, s))
	}
	slices.Sort(parts)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func TestAccE2E_interruptApply(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	w := newWorkdir(t, providerDir, mock.URL)
	api := newAPI(t, mock.URL)
	cli := cliName(t, w.CLI)
	w.WriteConfig(interruptConfig("e2e-sigint"))
	start := time.Now()
	result, details := reliability.ResultFailed, "did not complete"
	defer func() {
		reportRow(t, reliability.Row{Section: reliability.SectionInterrupts, CLI: cli,
			Name:   "SIGINT to the CLI mid-apply of 200 resources (100 ms latency)",
			Result: result, Runs: 3, WallS: time.Since(start).Seconds(), Details: details})
	}()
	fail := func(format string, args ...any) {
		t.Helper()
		details = fmt.Sprintf(format, args...)
		t.Fatal(details)
	}

	mock.SetFaults(mockserver.Faults{LatencyMS: 100, JitterMS: 20})
	run := w.Start("apply", "-auto-approve")
	apply := run.cmd
	atSignal := waitForCreates(t, func() (mockserver.Stats, error) { return mock.Stats(), nil }, 60, 90*time.Second, run)
	if run.exited() {
		fail("the apply ended (exit %d) before it was interrupted, with %d objects\n%s", exitCode(run.err), atSignal, outputs(apply))
	}
	out, stopTime, err := interruptCLI(apply, run, fail)
	if err == nil {
		fail("the apply finished despite SIGINT (it had created %d objects when signalled): the signal came too late", atSignal)
	}
	if !strings.Contains(out, "Interrupt received") {
		fail("the CLI did not acknowledge the interrupt (exit %d)\n%s", exitCode(err), out)
	}

	// Everything the server holds must be in the state: nothing orphaned.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	mock.SetFaults(mockserver.Faults{})
	interrupted := convergesAfterInterrupt(ctx, t, w, api, out, fail, func(onServer, inState int) string {
		return fmt.Sprintf("SIGINT after %d objects existed; the CLI exited %d after %s; errors: %s; server %d objects, state %d",
			atSignal, exitCode(err), stopTime.Round(100*time.Millisecond), errorSummaries(out), onServer, inState)
	})
	if c, s, p := countServerObjects(t, api); c != interruptClients || s != interruptClients || p != 2*interruptClients {
		fail("%s; after re-apply the server holds %d clients, %d secrets, %d policies; want %d, %d, %d",
			interrupted, c, s, p, interruptClients, interruptClients, 2*interruptClients)
	}
	result = reliability.ResultSurvived
	details = interrupted + "; nothing orphaned; re-apply converged to exactly 200 objects and an empty plan"
}

// interruptCLI sends SIGINT to the running CLI and waits for it to stop by itself; after 90 s it
// is killed and the test fails. It returns the CLI's output, how long it took to stop and its
// exit error.
func interruptCLI(cli *exec.Cmd, run *running, fail func(string, ...any)) (out string, stopTime time.Duration, err error) {
	if err := cli.Process.Signal(os.Interrupt); err != nil {
		fail("sending SIGINT: %v", err)
	}
	signalled := time.Now()
	err, graceful := run.wait(90 * time.Second)
	stopTime = time.Since(signalled)
	out = outputs(cli)
	if !graceful {
		fail("the CLI did not stop within 90 s of SIGINT and was killed\n%s", out)
	}
	return out, stopTime, err
}

// convergesAfterInterrupt checks what an interrupted apply (whose output is out) left behind:
// every object on the server is in the state and every object in the state is on the server, and
// then an apply converges to an empty plan. describe sums the interrupt up from the counts of
// objects on the server and in the state; the summary opens every failure and is returned.
func convergesAfterInterrupt(ctx context.Context, t *testing.T, w *workdir, api *iam.Client, out string,
	fail func(string, ...any), describe func(onServer, inState int) string) string {
	t.Helper()
	onServer := serverObjectKeys(t, api)
	inState := stateObjectKeys(ctx, t, w)
	interrupted := describe(len(onServer), len(inState))
	t.Log(interrupted)
	if testing.Verbose() {
		t.Log(out)
	}
	if orphans, lost := missingFrom(onServer, inState), missingFrom(inState, onServer); len(orphans) > 0 || len(lost) > 0 {
		fail("%s; on the server but not in the state: %v; in the state but not on the server: %v", interrupted, orphans, lost)
	}
	if out, errOut, err := w.Run(ctx, "apply", "-auto-approve"); err != nil {
		fail("%s; re-apply failed: %v\n%s\n%s", interrupted, err, out, errOut)
	}
	if out, errOut, err := w.Run(ctx, "plan", "-detailed-exitcode"); exitCode(err) != 0 {
		fail("%s; plan after re-apply = exit %d, want 0 (no changes)\n%s\n%s", interrupted, exitCode(err), out, errOut)
	}
	return interrupted
}

// TestAccE2E_interruptRateLimitWait interrupts an apply whose creates are waiting out the
// Retry-After of a 429: a 429 says the request was not processed, so nothing is left to finish and
// the CLI must stop at once, not after the wait (or the create timeout).
func TestAccE2E_interruptRateLimitWait(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	w := newWorkdir(t, providerDir, mock.URL)
	api := newAPI(t, mock.URL)
	cli := cliName(t, w.CLI)
	const clients = 10
	w.WriteConfig(fmt.Sprintf(`
resource "aritma_iam_client" "c" {
  count               = %d
  name                = format("e2e-sigint-429-%%02d", count.index)
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}
`, clients))
	start := time.Now()
	result, details := reliability.ResultFailed, "did not complete"
	defer func() {
		reportRow(t, reliability.Row{Section: reliability.SectionInterrupts, CLI: cli,
			Name:   "SIGINT while creates wait out a 429 (Retry-After up to 50 s)",
			Result: result, Runs: 3, Retries: mock.Stats().CountRetryable(), WallS: time.Since(start).Seconds(), Details: details})
	}()
	fail := func(format string, args ...any) {
		t.Helper()
		details = fmt.Sprintf(format, args...)
		t.Fatal(details)
	}

	// One request per 50 s after a burst of 3 (the token requests and the plan's read of the scope
	// catalogue take it): the API answers 429 with a Retry-After of up to 50 s, the creates it
	// answered wait that long before their retry, and the provider holds back every create that
	// has not gone out yet for as long. (The apply's own catalogue read gives up at once on that
	// Retry-After: a plan-time check does not wait so long; its 429 closes the window all the
	// same.)
	mock.SetFaults(mockserver.Faults{RateLimitRPS: 0.02, RateLimitBurst: 3})
	run := w.Start("apply", "-auto-approve", "-parallelism=10")
	apply := run.cmd
	limited := func() int64 { return mock.Stats().CountRetryable() }
	for end := time.Now().Add(60 * time.Second); limited() < 1 && time.Now().Before(end) && !run.exited(); {
		time.Sleep(20 * time.Millisecond)
	}
	// Time for every create to reach its wait.
	time.Sleep(2 * time.Second)
	if run.exited() || limited() < 1 {
		fail("the creates were not waiting out a 429 (%d answers were 429, exit %v)\n%s", limited(), run.exited(), outputs(apply))
	}
	out, stopTime, err := interruptCLI(apply, run, fail)
	if err == nil {
		fail("the apply finished despite SIGINT")
	}
	// The provider answers at once; the CLI adds its own shutdown, which a loaded machine slows.
	// Creates that waited out their 429s would take 50 s.
	if stopTime > 20*time.Second {
		fail("the CLI took %s to stop after SIGINT: the creates waited out their 429 instead of stopping\n%s", stopTime, out)
	}
	if !strings.Contains(oneLine(out), "interrupted before the API acted on this request, so nothing was created") {
		fail("the stopped creates did not say that nothing was created\n%s", out)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	mock.SetFaults(mockserver.Faults{})
	interrupted := convergesAfterInterrupt(ctx, t, w, api, out, fail, func(onServer, inState int) string {
		return fmt.Sprintf("SIGINT with %d creates waiting; the CLI exited %d after %s; errors: %s; server %d objects, state %d",
			clients-onServer, exitCode(err), stopTime.Round(100*time.Millisecond), errorSummaries(out), onServer, inState)
	})
	if c, _, _ := countServerObjects(t, api); c != clients {
		fail("%s; after re-apply the server holds %d clients, want %d", interrupted, c, clients)
	}
	result = reliability.ResultSurvived
	details = interrupted + "; nothing orphaned; re-apply converged to an empty plan"
}

// mockBinary is the aritma-mock command built once per test binary.
var mockBinary struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// buildMock builds internal/cmd/aritma-mock into the provider build's directory (removed by
// TestMain) and returns its path.
func buildMock(t testing.TB) string {
	t.Helper()
	dir := buildProvider(t)
	b := &mockBinary
	b.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		b.path = filepath.Join(dir, "aritma-mock")
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", b.path, "./internal/cmd/aritma-mock")
		cmd.Dir = moduleRoot()
		b.out, b.err = cmd.CombinedOutput()
	})
	if b.err != nil {
		t.Fatalf("building aritma-mock: %v\n%s", b.err, b.out)
	}
	return b.path
}

// freeAddr returns a loopback address with a port nobody listens on right now.
func freeAddr(t testing.TB) string {
	t.Helper()
	var lc net.ListenConfig
	ln, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// mockProcess is aritma-mock running as a child process.
type mockProcess struct {
	cmd    *exec.Cmd
	out    *lockedBuffer
	exited chan struct{} // closed once the process has been reaped
}

// startMockProcess starts aritma-mock on addr with the data file and the fixed e2e admin
// credentials, and waits until it serves.
func startMockProcess(t testing.TB, bin, addr, data string) *mockProcess {
	t.Helper()
	cmd := exec.Command(bin, "-listen", addr, "-data", data, "-control") //nolint:gosec,noctx // the test's own binary; killed by the test
	cmd.Env = append(cleanEnv(nil),
		"ARITMA_MOCK_ADMIN_CLIENT_ID="+testAdminClientID, "ARITMA_MOCK_ADMIN_CLIENT_SECRET="+testAdminClientSecret)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting aritma-mock: %v", err)
	}
	m := &mockProcess{cmd: cmd, out: out, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait() // a killed process exits with an error by design
		close(m.exited)
	}()
	t.Cleanup(func() { m.kill() })
	deadline := time.After(30 * time.Second)
	for !strings.Contains(out.String(), "aritma-mock serving") {
		select {
		case <-m.exited: // a port taken meanwhile, say: no use waiting out the deadline
			t.Fatalf("aritma-mock exited before it served:\n%s", out.String())
		case <-deadline:
			t.Fatalf("aritma-mock did not start:\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return m
}

// kill sends SIGKILL and waits until the process is reaped; it is safe to call twice.
func (m *mockProcess) kill() {
	_ = m.cmd.Process.Signal(syscall.SIGKILL) // already gone is fine
	<-m.exited
}

// setFaults sets the fault profile through the control endpoint.
func setFaults(t testing.TB, baseURL string, f mockserver.Faults) {
	t.Helper()
	body, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, baseURL+"/_mock/faults", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("setting faults: %v", err)
	}
	_ = resp.Body.Close() // only the status matters
	if resp.StatusCode/100 != 2 {
		t.Fatalf("setting faults: %s", resp.Status)
	}
}

// persistedObjects counts clients, secrets and policies in the mock's data file.
func persistedObjects(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var snap struct {
		Clients  []json.RawMessage `json:"clients"`
		Secrets  []json.RawMessage `json:"secrets"`
		Policies []json.RawMessage `json:"policies"`
	}
	if err := json.NewDecoder(bufio.NewReader(f)).Decode(&snap); err != nil {
		return 0, err
	}
	return len(snap.Clients) + len(snap.Secrets) + len(snap.Policies), nil
}

func TestAccE2E_mockCrash(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	bin := buildMock(t)
	addr := freeAddr(t)
	baseURL := "http://" + addr
	data := filepath.Join(t.TempDir(), "mock.json")
	mock := startMockProcess(t, bin, addr, data)
	w := newWorkdir(t, providerDir, baseURL)
	api := newAPI(t, baseURL)
	cli := cliName(t, w.CLI)
	w.WriteConfig(interruptConfig("e2e-crash"))
	start := time.Now()
	result, details := reliability.ResultFailed, "did not complete"
	defer func() {
		reportRow(t, reliability.Row{Section: reliability.SectionInterrupts, CLI: cli,
			Name:   "SIGKILL to the mock mid-apply while persisting, restart on the same data file",
			Result: result, Runs: 3, WallS: time.Since(start).Seconds(), Details: details})
	}()
	fail := func(format string, args ...any) {
		t.Helper()
		details = fmt.Sprintf(format, args...)
		t.Fatal(details)
	}

	setFaults(t, baseURL, mockserver.Faults{LatencyMS: 50, JitterMS: 20})
	run := w.Start("apply", "-auto-approve")
	apply := run.cmd
	atKill := waitForCreates(t, func() (mockserver.Stats, error) { return controlStats(t.Context(), baseURL) }, 80, 90*time.Second, run)
	if run.exited() || atKill < 80 {
		// A crash before the creates got going, or after the apply ended, proves nothing.
		fail("the apply was not under way when the mock was to be killed (%d creates, exited %v)\n%s", atKill, run.exited(), outputs(apply))
	}
	mock.kill()
	persisted, err := persistedObjects(data)
	if err != nil {
		fail("the data file is unreadable after SIGKILL: %v", err)
	}
	// The CLI's requests fail while the mock is down (creates that never reached it are retried);
	// it comes back on the same port and file.
	time.Sleep(500 * time.Millisecond)
	startMockProcess(t, bin, addr, data)
	err, exited := run.wait(3 * time.Minute)
	out := outputs(apply)
	if !exited {
		fail("the apply did not end within 3 minutes of the crash\n%s", out)
	}
	crashed := fmt.Sprintf("SIGKILL after %d objects existed (%d persisted); the apply exited %d; errors: %s",
		atKill, persisted, exitCode(err), errorSummaries(out))
	t.Log(crashed)
	if testing.Verbose() {
		t.Log(out)
	}

	// Nothing the server acknowledged is lost: every object in the state is on the restarted server.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	onServer := serverObjectKeys(t, api)
	inState := stateObjectKeys(ctx, t, w)
	if lost := missingFrom(inState, onServer); len(lost) > 0 {
		fail("%s; in the state but lost by the restarted server: %v", crashed, lost)
	}
	orphans := missingFrom(onServer, inState)
	// Nothing the server acknowledged is lost from its file either: every create it answered
	// before the kill had been saved (the file also holds the admin client, its secret and policy).
	if persisted-adminObjects < int(atKill) {
		fail("%s; the data file holds %d objects besides the admin's, fewer than the %d creates acknowledged", crashed, persisted-adminObjects, atKill)
	}
	// Objects whose create response the crash lost are not silently orphaned: each one is named by
	// a "May Have Been Created" error, and the user does as it advises: imports a client at the
	// address the error names, and deletes a secret, whose generated value an import could not
	// recover (the apply then creates it again).
	imports, unnamed := importsForOrphans(t, api, orphans, out)
	if len(unnamed) > 0 {
		fail("%s; objects outside the state that no error named: %v\n%s", crashed, unnamed, out)
	}
	imported, deleted := 0, 0
	for addr, id := range imports {
		if strings.HasPrefix(addr, "aritma_iam_client_secret.") {
			clientID, secretID, _ := strings.Cut(id, "/")
			if err := api.DeleteClientSecret(ctx, clientID, secretID); err != nil {
				fail("%s; deleting the stray secret %s that %s's error named: %v", crashed, id, addr, err)
			}
			deleted++
			continue
		}
		if out, errOut, err := w.Run(ctx, "import", addr, id); err != nil {
			fail("%s; terraform import %s %s failed: %v\n%s\n%s", crashed, addr, id, err, out, errOut)
		}
		imported++
	}

	if out, errOut, err := w.Run(ctx, "apply", "-auto-approve"); err != nil {
		fail("%s; re-apply failed: %v\n%s\n%s", crashed, err, out, errOut)
	}
	if out, errOut, err := w.Run(ctx, "plan", "-detailed-exitcode"); exitCode(err) != 0 {
		fail("%s; plan after re-apply = exit %d, want 0 (no changes)\n%s\n%s", crashed, exitCode(err), out, errOut)
	}
	final := serverObjectKeys(t, api)
	inState, valueless := stateObjects(ctx, t, w)
	if len(valueless) > 0 {
		fail("%s; after re-apply these secrets hold no value: %v", crashed, valueless)
	}
	if lost := missingFrom(inState, final); len(lost) > 0 {
		fail("%s; after re-apply, in the state but not on the server: %v", crashed, lost)
	}
	if len(inState) != 4*interruptClients {
		fail("%s; after re-apply the state holds %d objects, want %d", crashed, len(inState), 4*interruptClients)
	}
	if extra := missingFrom(final, inState); len(extra) > 0 {
		fail("%s; after the imports and re-apply the server holds objects outside the state: %v", crashed, extra)
	}
	result = reliability.ResultSurvived
	details = fmt.Sprintf("%s; every object in the state survived the crash, and the data file held every acknowledged create; ", crashed)
	if len(orphans) > 0 {
		details += fmt.Sprintf("the %d objects whose create response the crash lost were each named by a \"May Have Been Created\" error, "+
			"and followed as it advised: %d clients and policies imported at the address it named, %d secrets (generated values) deleted "+
			"and created again; ", len(orphans), imported, deleted)
	}
	details += fmt.Sprintf("re-apply converged on exactly the %d objects of the configuration (empty plan, nothing outside the state)", 4*interruptClients)
	t.Log(details)
}

// adminObjects is what a fresh mock's data file holds before anything is created: the bootstrap
// admin client, its secret and its owner policy.
const adminObjects = 3

// mayHaveBeenCreated is the head of one "May Have Been Created" diagnostic: its kind and the
// resource address of its "with" line.
var mayHaveBeenCreated = regexp.MustCompile(`^Error: IAM (Client|Client Secret|Policy) May Have Been Created\W*with ([^,\s]+),`)

// importsForOrphans matches each object outside the state (serverObjectKeys keys) with the "May
// Have Been Created" error that names it — a client by its name, a secret by its client, a policy
// by its id — and returns the imports a user would run, address → import id, and the objects no
// error named.
func importsForOrphans(t testing.TB, api *iam.Client, orphans []string, out string) (imports map[string]string, unnamed []string) {
	t.Helper()
	type lost struct{ kind, addr, text string }
	var errs []lost
	for _, d := range reliability.SplitDiagnostics(out) {
		if m := mayHaveBeenCreated.FindStringSubmatch(d); m != nil {
			errs = append(errs, lost{kind: m[1], addr: m[2], text: d})
		}
	}
	imports = map[string]string{}
	taken := map[string]bool{}
	for _, o := range orphans {
		kind, id, _ := strings.Cut(o, " ")
		var want, needle string
		switch kind {
		case "client":
			c, err := api.GetClient(t.Context(), id)
			if err != nil {
				t.Fatalf("reading orphan client %s: %v", id, err)
			}
			want, needle = "Client", fmt.Sprintf("create IAM client %q", c.Name)
		case "secret":
			clientID, _, _ := strings.Cut(id, "/")
			want, needle = "Client Secret", fmt.Sprintf("create a secret for client %q", clientID)
		case "policy":
			// A policy recovers by itself from a lost answer while the API answers its repeats;
			// when the crash outlasts them, its error names it like the others.
			want, needle = "Policy", fmt.Sprintf("create policy %q", id)
		default:
			unnamed = append(unnamed, o)
			continue
		}
		found := false
		for _, e := range errs {
			if e.kind == want && !taken[e.addr] && strings.Contains(oneLine(e.text), needle) {
				imports[e.addr], taken[e.addr], found = id, true, true
				break
			}
		}
		if !found {
			unnamed = append(unnamed, o)
		}
	}
	return imports, unnamed
}

// Adjacent "May Have Been Created" diagnostics are each found (a match must not swallow the
// start of the next one).
func TestImportsForOrphans_adjacentDiagnostics(t *testing.T) {
	var out strings.Builder
	for i := range 3 {
		fmt.Fprintf(&out, "╷\n│ Error: IAM Client Secret May Have Been Created\n│ \n│   with aritma_iam_client_secret.s[%d],\n"+
			"│   on main.tf line 9, in resource \"aritma_iam_client_secret\" \"s\":\n│ \n"+
			"│ The request to create a secret for client \"c%d\" reached the API, but its answer was lost.\n╵\n", i, i)
	}
	orphans := []string{"secret c0/s0", "secret c1/s1", "secret c2/s2"}
	imports, unnamed := importsForOrphans(t, nil, orphans, out.String())
	if len(unnamed) > 0 || len(imports) != 3 {
		t.Fatalf("imports %v, unnamed %v", imports, unnamed)
	}
	for i := range 3 {
		if got := imports[fmt.Sprintf("aritma_iam_client_secret.s[%d]", i)]; got != fmt.Sprintf("c%d/s%d", i, i) {
			t.Errorf("s[%d] imports %q", i, got)
		}
	}
}

// A policy whose create the crash answered for good (its repeats found the mock down) is named by
// its error, wrapped over lines as the CLI prints it, and imported at the address the error names.
func TestImportsForOrphans_policy(t *testing.T) {
	id := "client-e9168545-f877-4608-8ef0-72545b0c6f12,iam.client.read,/subscriptions/0"
	out := "╷\n│ Error: IAM Policy May Have Been Created\n│ \n│   with aritma_iam_policy.read[0],\n" +
		"│   on main.tf line 23, in resource \"aritma_iam_policy\" \"read\":\n│   23: resource \"aritma_iam_policy\" \"read\" {\n│ \n" +
		"│ The request to create policy\n│ \"" + id + "\"\n│ was sent, but its response was lost.\n╵\n"
	imports, unnamed := importsForOrphans(t, nil, []string{"policy " + id, "policy client-x,owner,/"}, out)
	if got := imports["aritma_iam_policy.read[0]"]; got != id || len(imports) != 1 {
		t.Errorf("imports %v, want aritma_iam_policy.read[0] = %s", imports, id)
	}
	if len(unnamed) != 1 || unnamed[0] != "policy client-x,owner,/" {
		t.Errorf("unnamed %v, want the policy no error named", unnamed)
	}
}
