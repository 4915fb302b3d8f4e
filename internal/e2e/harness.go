// Package e2e drives the real provider binary with a real Terraform or OpenTofu CLI against an
// in-process mock, for what terraform-plugin-testing cannot do: -parallelism, signals, log files.
//
// Tests are named TestAcc… so internal/scripts/testacc.sh runs them once per CLI; the CLI is the
// one named by TF_ACC_TERRAFORM_PATH. The provider is built once per test binary and installed
// through a CLI config with dev_overrides, so no registry is contacted and no `init` is needed.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
	"github.com/aritma/terraform-provider-aritma/internal/reliability"
)

// Fixed admin credentials for every mock an e2e test starts, so a mock run as a separate process
// (aritma-mock -admin-client-id/-admin-client-secret) is reachable with the same workdir env.
const (
	testAdminClientID     = "00000000-0000-4000-8000-00000000e2e0"
	testAdminClientSecret = "e2e-admin-secret-0123456789abcde"
	// adminClientName is the name the mock gives its bootstrap admin client.
	adminClientName = "aritma-mock-admin"
	// providerSource is the provider's source address in configs and in dev_overrides.
	providerSource = "aritma/aritma"
)

// providerBuild is the one build of the provider shared by every test of the binary.
var providerBuild struct {
	once sync.Once
	dir  string
	err  error
	out  []byte
}

// moduleRoot is the repository root: two levels above this file.
func moduleRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("e2e: cannot locate harness.go")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// buildProvider builds the provider binary once per test binary and returns the directory holding
// terraform-provider-aritma (the dev_overrides target). The directory is removed by TestMain.
func buildProvider(t testing.TB) string {
	t.Helper()
	b := &providerBuild
	b.once.Do(func() {
		// Not t.TempDir: the binary outlives the first test that asks for it.
		dir, err := os.MkdirTemp("", "aritma-e2e-provider-") //nolint:usetesting // shared by all tests, removed by TestMain
		if err != nil {
			b.err = err
			return
		}
		b.dir = dir
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath",
			"-ldflags", "-X main.version=0.0.0-e2e",
			"-o", filepath.Join(dir, "terraform-provider-aritma"), ".")
		cmd.Dir = moduleRoot()
		b.out, b.err = cmd.CombinedOutput()
	})
	if b.err != nil {
		t.Fatalf("building the provider: %v\n%s", b.err, b.out)
	}
	return b.dir
}

// removeBuild deletes the provider build directory; TestMain calls it after all tests.
func removeBuild() {
	if providerBuild.dir != "" {
		_ = os.RemoveAll(providerBuild.dir) // a leftover temp dir is harmless
	}
}

// cliPath is the CLI under test (TF_ACC_TERRAFORM_PATH). It skips when TF_ACC is unset, like every
// acceptance test, and fails when TF_ACC is set without a CLI: a green run must mean it ran.
func cliPath(t testing.TB) string {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("e2e tests need TF_ACC=1 and TF_ACC_TERRAFORM_PATH (make testacc sets both)")
	}
	p := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if p == "" {
		t.Fatal("TF_ACC is set but TF_ACC_TERRAFORM_PATH is not: the e2e tests need a CLI to drive")
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("TF_ACC_TERRAFORM_PATH: %v", err)
	}
	return p
}

var (
	cliNameMu    sync.Mutex
	cliNameCache = map[string]string{}
)

// cliName is "<terraform|tofu> <version>" of the CLI at path, for reports.
func cliName(t testing.TB, path string) string {
	t.Helper()
	cliNameMu.Lock()
	defer cliNameMu.Unlock()
	if n, ok := cliNameCache[path]; ok {
		return n
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name, err := reliability.CLIName(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	cliNameCache[path] = name
	return name
}

// skipBelow skips t when the CLI at path is older than minimum ("1.11.0"), in the words of
// terraform-plugin-testing's tfversion.SkipBelow, so that make testacc-oldcli tells a version gate
// from any other skip the same way in both kinds of tests.
func skipBelow(t *testing.T, path, minimum string) {
	t.Helper()
	_, have, _ := strings.Cut(cliName(t, path), " ")
	if reliability.CompareVersions(have, minimum) < 0 {
		t.Skipf("Terraform CLI version %s is below minimum version %s: skipping test", have, minimum)
	}
}

// oneLine is the concatenation of CLI outputs with their line wrapping taken out, so that a
// message the CLI wrapped across lines still matches as one sentence.
func oneLine(outputs ...string) string {
	return strings.Join(strings.Fields(strings.Join(outputs, "")), " ")
}

// newMock starts an in-process mock with the fixed e2e admin credentials.
func newMock(t testing.TB) *mockserver.TestServer {
	t.Helper()
	return mockserver.NewTestServer(t, func(o *mockserver.Options) {
		o.AdminClientID = testAdminClientID
		o.AdminClientSecret = testAdminClientSecret
	})
}

// newAPI is an admin API client for counting and out-of-band changes. It retries quickly and, for
// checks under fault injection, patiently.
func newAPI(t testing.TB, mockURL string) *iam.Client {
	t.Helper()
	api, err := iam.NewClient(iam.Config{
		Endpoint:     mockURL,
		TokenURL:     mockURL + "/connect/token",
		ClientID:     testAdminClientID,
		ClientSecret: testAdminClientSecret,
		Version:      "e2e",
		MaxRetries:   10,
		RetryWaitMin: 10 * time.Millisecond,
		RetryWaitMax: time.Second,
	})
	if err != nil {
		t.Fatalf("creating the admin API client: %v", err)
	}
	return api
}

// workdir is one Terraform working directory: a config, a CLI config with dev_overrides for the
// freshly built provider, and the environment pointing the provider at a mock.
type workdir struct {
	t   testing.TB
	CLI string
	// Dir holds main.tf, the state and the CLI config.
	Dir string
	// Env is the full environment of every CLI run; change it with SetEnv.
	Env []string
}

// newWorkdir prepares a working directory for the CLI of this run (cliPath), using the provider in
// providerDir (buildProvider) and the mock at mockURL with the fixed e2e admin credentials.
func newWorkdir(t testing.TB, providerDir string, mockURL string) *workdir {
	t.Helper()
	cli := cliPath(t)
	dir := t.TempDir()
	rc := filepath.Join(dir, "cli.tfrc")
	// The same dev_overrides key works for Terraform (registry.terraform.io/aritma/aritma) and
	// OpenTofu (registry.opentofu.org/aritma/aritma): the short form takes the CLI's default host.
	// direct {} with nothing else keeps the CLIs away from any registry.
	rcText := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n",
		providerSource, providerDir)
	if err := os.WriteFile(rc, []byte(rcText), 0o600); err != nil {
		t.Fatalf("writing the CLI config: %v", err)
	}
	w := &workdir{t: t, CLI: cli, Dir: dir}
	w.Env = cleanEnv(map[string]string{
		"TF_CLI_CONFIG_FILE":   rc,
		"TF_IN_AUTOMATION":     "1",
		"CHECKPOINT_DISABLE":   "1",
		"TF_INPUT":             "0",
		"ARITMA_ENDPOINT":      mockURL,
		"ARITMA_TOKEN_URL":     mockURL + "/connect/token",
		"ARITMA_CLIENT_ID":     testAdminClientID,
		"ARITMA_CLIENT_SECRET": testAdminClientSecret,
	})
	return w
}

// cleanEnv is the process environment without anything that could change how the CLI or the
// provider behaves (CLI config, logging, ARITMA_*, TF_ACC*), plus set.
func cleanEnv(set map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "ARITMA_"), strings.HasPrefix(k, "TF_"), k == "CHECKPOINT_DISABLE":
			continue
		}
		env = append(env, kv)
	}
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	return env
}

// SetEnv sets (or replaces) one variable of the CLI's environment.
func (w *workdir) SetEnv(key, value string) {
	prefix := key + "="
	env := make([]string, 0, len(w.Env)+1)
	for _, kv := range w.Env {
		if !strings.HasPrefix(kv, prefix) {
			env = append(env, kv)
		}
	}
	env = append(env, prefix+value)
	w.Env = env
}

// WriteConfig writes hcl as main.tf, after a terraform block requiring the provider from its
// source, so configs only hold resources.
func (w *workdir) WriteConfig(hcl string) {
	w.t.Helper()
	text := fmt.Sprintf("terraform {\n  required_providers {\n    aritma = {\n      source = %q\n    }\n  }\n}\n\n%s\n",
		providerSource, hcl)
	if err := os.WriteFile(filepath.Join(w.Dir, "main.tf"), []byte(text), 0o600); err != nil {
		w.t.Fatalf("writing main.tf: %v", err)
	}
}

// WriteFile writes name (a .tf file next to main.tf, for example) into the working directory.
func (w *workdir) WriteFile(name, text string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.Dir, name), []byte(text), 0o600); err != nil {
		w.t.Fatalf("writing %s: %v", name, err)
	}
}

// CopyExample copies the .tf files of an example directory (relative to examples/) into the
// working directory, so a test runs exactly what users read in the docs.
func (w *workdir) CopyExample(rel string) {
	w.t.Helper()
	files, err := filepath.Glob(filepath.Join(moduleRoot(), "examples", rel, "*.tf"))
	if err != nil || len(files) == 0 {
		w.t.Fatalf("example %s has no .tf files (%v)", rel, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			w.t.Fatalf("reading %s: %v", f, err)
		}
		w.WriteFile(filepath.Base(f), string(data))
	}
}

// CopyExampleFile copies one file of an example directory (an example whose other files must
// not be applied with it, such as an import block next to a resource example).
func (w *workdir) CopyExampleFile(rel, name string) {
	w.t.Helper()
	data, err := os.ReadFile(filepath.Join(moduleRoot(), "examples", rel, name))
	if err != nil {
		w.t.Fatalf("reading example %s/%s: %v", rel, name, err)
	}
	w.WriteFile(name, string(data))
}

// command builds a CLI command in the working directory with the workdir's environment, adding
// -no-color to the commands that take it.
func (w *workdir) command(ctx context.Context, args []string) *exec.Cmd {
	full := args
	if len(args) > 0 && colorCommands[args[0]] && !slices.Contains(args, "-no-color") {
		full = append([]string{args[0], "-no-color"}, args[1:]...)
	}
	cmd := exec.CommandContext(ctx, w.CLI, full...)
	cmd.Dir = w.Dir
	cmd.Env = w.Env
	// When ctx ends, interrupt first like a user would, and kill only if the CLI does not stop.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	ownProcessGroup(cmd)
	return cmd
}

// colorCommands are the top-level commands that take -no-color directly (not "state list").
var colorCommands = map[string]bool{
	"init": true, "validate": true, "plan": true, "apply": true, "destroy": true,
	"import": true, "refresh": true, "show": true, "output": true,
}

// Run runs the CLI with args (e.g. "apply", "-auto-approve") and waits. err is non-nil for a
// non-zero exit; use exitCode(err) for `plan -detailed-exitcode`.
func (w *workdir) Run(ctx context.Context, args ...string) (stdout, stderr string, err error) {
	w.t.Helper()
	var out, errOut bytes.Buffer
	cmd := w.command(ctx, args)
	cmd.Stdout = &out
	cmd.Stderr = &errOut
	err = cmd.Run()
	killLeftovers(cmd)
	return out.String(), errOut.String(), err
}

// RunClean runs the CLI like Run and fails the test unless it succeeds without a warning: a failed
// check block is only a warning and must not pass unnoticed. (The dev_overrides warning is the
// harness's own doing.) It returns stdout.
func (w *workdir) RunClean(ctx context.Context, args ...string) string {
	w.t.Helper()
	out, errOut, err := w.Run(ctx, args...)
	if err != nil {
		w.t.Fatalf("%s: exit %d\n%s\n%s", strings.Join(args, " "), exitCode(err), out, errOut)
	}
	if n := strings.Count(out+errOut, "Warning:") - strings.Count(out+errOut, "Warning: Provider development overrides"); n > 0 {
		w.t.Fatalf("%s warned:\n%s\n%s", strings.Join(args, " "), out, errOut)
	}
	return out
}

// Start starts the CLI with args and returns it running, its exit awaited in the background. Its
// Stdout and Stderr are *lockedBuffer (read them with String at any time). When the test ends, a
// CLI still running is interrupted (then killed, after the command's WaitDelay), and the test's
// cleanup waits for it and its process group: the working directory, removed after that, must not
// go while the CLI still writes its state there, nor leave a provider process behind.
func (w *workdir) Start(args ...string) *running {
	w.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := w.command(ctx, args)
	cmd.Stdout = &lockedBuffer{}
	cmd.Stderr = &lockedBuffer{}
	if err := cmd.Start(); err != nil {
		cancel()
		w.t.Fatalf("starting %s %s: %v", w.CLI, strings.Join(args, " "), err)
	}
	r := &running{cmd: cmd, done: make(chan struct{})}
	go func() {
		r.err = cmd.Wait()
		killLeftovers(cmd)
		close(r.done)
	}()
	w.t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// running is a started CLI whose exit is awaited in the background.
type running struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func (r *running) exited() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// wait waits for the CLI to exit, at most limit, and returns its error and whether it exited by
// itself in time (otherwise it is killed).
func (r *running) wait(limit time.Duration) (error, bool) {
	select {
	case <-r.done:
		return r.err, true
	case <-time.After(limit):
		_ = r.cmd.Process.Kill() // it did not stop by itself: the test fails on that
		<-r.done
		return r.err, false
	}
}

// lockedBuffer is a bytes.Buffer safe to read while a process writes to it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// exitCode is the process exit code carried by err (0 for nil, -1 when it did not exit normally).
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// countServerObjects counts what the server holds besides its bootstrap admin client: clients,
// secrets of those clients, and policies of every subject but the admin.
func countServerObjects(t testing.TB, api *iam.Client) (clients, secrets, policies int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
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
	}
	clients = len(ids)
	for _, id := range ids {
		for _, err := range api.ListClientSecrets(ctx, id) {
			if err != nil {
				t.Fatalf("listing secrets of %s: %v", id, err)
			}
			secrets++
		}
	}
	for p, err := range api.ListPolicies(ctx, iam.PolicyFilter{}) {
		if err != nil {
			t.Fatalf("listing policies: %v", err)
		}
		if p.Subject == adminSubject {
			continue
		}
		policies++
	}
	return clients, secrets, policies
}

// reportRow appends row to the reliability report (ARITMA_RELIABILITY_REPORT), if one is wanted.
func reportRow(t testing.TB, row reliability.Row) {
	t.Helper()
	if err := reliability.AppendEnv(row); err != nil {
		t.Errorf("recording the reliability row: %v", err)
	}
}
