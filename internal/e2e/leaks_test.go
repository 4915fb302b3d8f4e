package e2e

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/reliability"
)

// Never leak, the files a user keeps (issue 5, section 4): the quickstart lifecycle with the real
// provider binary, a saved plan and TF_LOG=trace, then every byte the CLI left behind is searched:
// the log file (where the CLI also writes the provider's own log lines), the CLI's output (every
// diagnostic), each file inside the saved plan, the state and its backup. The internal/provider
// test TestAccReliabilityNeverLeak checks the `show -json` renderings.

// leakTokenShape matches what looks like one of the mock's access tokens: 43 characters of
// base64url (256 random bits), standing alone.
var leakTokenShape = regexp.MustCompile(`(?:^|[^A-Za-z0-9_-])([A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)`)

// liveTokens returns the token-shaped strings of text that the mock takes for access tokens it
// issued and that still live: those it answers 200, and 403, its answer to a live token whose
// client may not call the IAM API (the quickstart client's, which the ephemeral access token is).
func liveTokens(ctx context.Context, t testing.TB, baseURL, text string) (live []string, candidates int) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range leakTokenShape.FindAllStringSubmatch(text, -1) {
		tok := m[1]
		if seen[tok] {
			continue
		}
		seen[tok] = true
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/v1/scopes", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("checking a token candidate: %v", err)
		}
		_ = resp.Body.Close() // the status is all that matters
		if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusForbidden {
			live = append(live, tok)
		}
	}
	return live, len(seen)
}

// planFileText is the concatenated content of every file inside a saved plan (a zip archive).
func planFileText(t testing.TB, path string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("opening the saved plan: %v", err)
	}
	defer zr.Close()
	var b strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("reading %s in the saved plan: %v", f.Name, err)
		}
		data, err := io.ReadAll(rc)
		_ = rc.Close() // read-only
		if err != nil {
			t.Fatalf("reading %s in the saved plan: %v", f.Name, err)
		}
		fmt.Fprintf(&b, "== %s ==\n%s\n", f.Name, data)
	}
	return b.String()
}

// stringPaths returns the JSON paths of doc whose string value contains needle; list elements
// with an "address" or a "type"+"name" are named by them.
func stringPaths(doc any, needle, at string) []string {
	var out []string
	switch v := doc.(type) {
	case string:
		if strings.Contains(v, needle) {
			out = append(out, at)
		}
	case map[string]any:
		for k, e := range v {
			out = append(out, stringPaths(e, needle, at+"."+k)...)
		}
	case []any:
		for i, e := range v {
			name := fmt.Sprint(i)
			if m, ok := e.(map[string]any); ok {
				if typ, ok := m["type"].(string); ok {
					if n, ok := m["name"].(string); ok {
						name = typ + "." + n
					}
				}
			}
			out = append(out, stringPaths(e, needle, fmt.Sprintf("%s[%s]", at, name))...)
		}
	}
	slices.Sort(out)
	return out
}

func TestAccE2E_neverLeak(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	w := newWorkdir(t, providerDir, mock.URL)
	skipBelow(t, w.CLI, "1.11.0") // value_wo: write-only arguments came with Terraform 1.11 and OpenTofu 1.11
	cli := cliName(t, w.CLI)
	logFile := filepath.Join(t.TempDir(), "trace.log")
	w.SetEnv("TF_LOG", "trace")
	w.SetEnv("TF_LOG_PROVIDER", "trace")
	w.SetEnv("TF_LOG_PATH", logFile)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	result, details := reliability.ResultFailed, "did not complete"
	defer func() {
		reportRow(t, reliability.Row{Section: reliability.SectionLeaks, CLI: cli,
			Name:   "trace log file, CLI output, saved plan and state files of the quickstart lifecycle (examples/quickstart + given, write-only and failed-create values, ephemeral access token)",
			Result: result, Runs: 5, WallS: time.Since(start).Seconds(), Details: details})
	}()
	fail := func(format string, args ...any) {
		t.Helper()
		details = fmt.Sprintf(format, args...)
		t.Fatal(details)
	}

	secrets := map[string]string{
		"given value":              "given-Value-e2e-7c1d",
		"write-only value":         "wo-Value-e2e-4f2a8b",
		"value of a failed create": "failed-Value-e2e-5d0c",
		"provider client_secret":   testAdminClientSecret,
	}
	// The quickstart as users run it (examples/quickstart: a client, a generated secret kept in
	// state and handed out as a sensitive output, a policy, the permissions data source), plus
	// the other ways a value reaches the provider: given, write-only, a failed create, and the
	// ephemeral access token that exchanges the generated secret.
	w.CopyExample("quickstart")
	// The write-only value comes from an ephemeral variable, as the docs recommend: a literal
	// would be copied into the saved plan with the configuration.
	w.SetEnv("TF_VAR_secret_wo", secrets["write-only value"])
	config := func(extra string) string {
		return fmt.Sprintf(`
variable "secret_wo" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "aritma_iam_client_secret" "given" {
  client_id = aritma_iam_client.reporting.client_id
  value     = %[1]q
}

resource "aritma_iam_client_secret" "wo" {
  client_id        = aritma_iam_client.reporting.client_id
  value_wo         = var.secret_wo
  value_wo_version = 1
}

ephemeral "aritma_iam_access_token" "reporting" {
  client_id     = aritma_iam_client.reporting.client_id
  client_secret = aritma_iam_client_secret.reporting.value
}
%[2]s`, secrets["given value"], extra)
	}
	var output strings.Builder
	run := func(wantOK bool, args ...string) {
		t.Helper()
		out, errOut, err := w.Run(ctx, args...)
		output.WriteString(out + errOut)
		if (err == nil) != wantOK {
			fail("%s: exit %d\n%s\n%s", strings.Join(args, " "), exitCode(err), out, errOut)
		}
	}

	w.WriteFile("leak.tf", config(""))
	run(true, "plan", "-out=tfplan")
	plan := planFileText(t, filepath.Join(w.Dir, "tfplan"))
	if !strings.Contains(plan, secrets["given value"]) {
		// The given value is in the saved plan by design (configuration and planned state): if the
		// search cannot see it, it cannot see anything.
		fail("the saved plan's contents are not searchable")
	}
	run(true, "apply", "tfplan")
	run(true, "plan", "-detailed-exitcode")
	stateRaw, err := os.ReadFile(filepath.Join(w.Dir, "terraform.tfstate"))
	if err != nil {
		fail("reading the state: %v", err)
	}
	// The generated value exists only in the state.
	var state struct {
		Resources []struct {
			Type, Name string
			Instances  []struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(stateRaw, &state); err != nil {
		fail("decoding the state: %v", err)
	}
	var reportingClientID string
	for _, r := range state.Resources {
		if r.Type == "aritma_iam_client_secret" && r.Name == "reporting" && len(r.Instances) == 1 {
			secrets["generated value"], _ = r.Instances[0].Attributes["value"].(string)
			reportingClientID, _ = r.Instances[0].Attributes["client_id"].(string)
		}
	}
	if secrets["generated value"] == "" {
		fail("the generated secret has no value in the state")
	}
	var stateDoc any
	if err := json.Unmarshal(stateRaw, &stateDoc); err != nil {
		fail("decoding the state: %v", err)
	}
	// Private state is base64 in the file and absent from show -json: decode it to search it.
	private, err := reliability.PrivateStateText(stateRaw)
	if err != nil {
		fail("%v", err)
	}
	if !strings.Contains(private, "created_at") {
		fail("the state's private data was not decoded (no created_at mark): the search cannot see into it")
	}

	// A create that fails after the value went out: its diagnostic must not repeat it.
	w.WriteFile("leak.tf", config(fmt.Sprintf(`
resource "aritma_iam_client_secret" "failing" {
  client_id = "0b5e2a41-0000-4000-8000-000000000000"
  value     = %q
}
`, secrets["value of a failed create"])))
	run(false, "apply", "-auto-approve")
	if !strings.Contains(output.String(), "The client does not exist") {
		fail("the failing create did not fail as expected:\n%s", output.String())
	}
	// Tokens die with their client, so the ones of the quickstart's client (the ephemeral access
	// token's) are looked for before the destroy, while the mock still knows them.
	if soFar, err := os.ReadFile(logFile); err != nil {
		fail("reading the trace log: %v", err)
	} else if live, _ := liveTokens(ctx, t, mock.URL, string(soFar)+output.String()); len(live) > 0 {
		fail("%d live access tokens of the mock in the trace log or the CLI's output before the destroy", len(live))
	}
	// The search would find such a token: one of that client's own, which the mock answers 403.
	if tok, err := iam.ExchangeToken(ctx, iam.TokenRequest{TokenURL: mock.TokenURL, ClientID: reportingClientID,
		ClientSecret: secrets["generated value"]}); err != nil {
		fail("getting a token of the quickstart's client: %v", err)
	} else if found, _ := liveTokens(ctx, t, mock.URL, "x "+tok.AccessToken+" y"); len(found) != 1 {
		fail("the token search does not recognise a live token of the quickstart's client")
	}
	w.WriteFile("leak.tf", config(""))
	run(true, "destroy", "-auto-approve")
	backup, _ := os.ReadFile(filepath.Join(w.Dir, "terraform.tfstate.backup")) // absent is fine
	logRaw, err := os.ReadFile(logFile)
	if err != nil {
		fail("reading the trace log: %v", err)
	}
	logText := string(logRaw)
	for _, want := range []string{"aritma.iam", "IAM API request", "Created IAM client secret",
		"Exchanging client credentials for an access token"} {
		if !strings.Contains(logText, want) {
			fail("the trace log (%d KB) lacks %q: the provider's log did not reach it", len(logRaw)/1024, want)
		}
	}

	// Where each value may be: given and generated only as the sensitive value of the resource
	// that keeps it in state (and the given one in the configuration the user wrote, which the
	// saved plan carries); the others nowhere.
	var problems []string
	texts := map[string]string{"trace log": logText, "CLI output": output.String(), "saved plan": plan,
		"state's private data": private}
	for name, value := range secrets {
		for where, text := range texts {
			if n := strings.Count(text, value); n > 0 && (name != "given value" || where != "saved plan") {
				problems = append(problems, fmt.Sprintf("%s in the %s (%d times)", name, where, n))
			}
		}
		for _, p := range stringPaths(stateDoc, value, "state") {
			allowed := (name == "given value" && strings.HasPrefix(p, "state.resources[aritma_iam_client_secret.given]") &&
				strings.HasSuffix(p, ".attributes.value")) ||
				(name == "generated value" && strings.HasPrefix(p, "state.resources[aritma_iam_client_secret.reporting]") &&
					strings.HasSuffix(p, ".attributes.value")) ||
				// The quickstart hands the generated value out as a sensitive output.
				(name == "generated value" && p == "state.outputs.client_secret.value")
			if !allowed {
				problems = append(problems, fmt.Sprintf("%s in the state at %s", name, p))
			}
		}
		if name != "given value" && name != "generated value" && strings.Contains(string(backup), value) {
			problems = append(problems, name+" in the state backup")
		}
	}
	all := logText + output.String() + plan + string(stateRaw) + string(backup)
	live, candidates := liveTokens(ctx, t, mock.URL, all)
	if len(live) > 0 {
		problems = append(problems, fmt.Sprintf("%d live access tokens of the mock in the files", len(live)))
	}
	if m := regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9._~+/=-]{8,}`).FindAllString(all, 3); len(m) > 0 {
		problems = append(problems, fmt.Sprintf("bearer tokens: %q", m))
	}
	if len(problems) > 0 {
		fail("%s", strings.Join(problems, "; "))
	}
	// The token the provider used cannot be listed, so prove the search would find one.
	tok, err := iam.ExchangeToken(ctx, iam.TokenRequest{TokenURL: mock.TokenURL, ClientID: testAdminClientID, ClientSecret: testAdminClientSecret})
	if err != nil {
		fail("getting a token: %v", err)
	}
	if found, _ := liveTokens(ctx, t, mock.URL, "x "+tok.AccessToken+" y"); len(found) != 1 {
		fail("the token search does not recognise a live token")
	}
	result = reliability.ResultSurvived
	details = fmt.Sprintf("saved plan, apply, plan, failed create and destroy of examples/quickstart with TF_LOG=trace and TF_LOG_PROVIDER=trace: "+
		"none of 5 secrets (given, generated, write-only, failed-create value, provider client_secret) nor the ephemeral access token in %d KB of log or "+
		"in the CLI output; none in the state's decoded private data; the write-only value in none of the %d KB saved plan, the state or its backup; given and "+
		"generated only as the sensitive value in state and the sensitive output; %d token-shaped strings, none a live token",
		len(logRaw)/1024, len(plan)/1024, candidates)
}
