package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/reliability"
)

// Never leak (issue 5, section 4): the whole lifecycle of a quickstart-like configuration runs with
// trace logging of the CLI and of the provider into one file, and no secret may show up anywhere a
// user or a CI system keeps text: the log (which at trace level also carries every diagnostic the
// provider returns), the plan and the state as `show -json` renders them. The only exception is
// the sensitive `value` attribute of a secret whose value the user chose to keep in state (given
// or generated); a write-only value must never appear at all.

const (
	leakGivenAddr     = "aritma_iam_client_secret.given"
	leakGeneratedAddr = "aritma_iam_client_secret.generated"
)

// leakSecrets are the values the test hunts for, by name.
type leakSecrets map[string]string

// leakTokenCandidate matches what looks like one of the mock's access tokens: 43 characters of
// base64url (256 random bits), standing alone.
var leakTokenCandidate = regexp.MustCompile(`(?:^|[^A-Za-z0-9_-])([A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)`)

// leakBearer matches a bearer token or an access_token field with a value, however it is quoted.
var leakBearer = regexp.MustCompile(`(?i)(bearer\s+[A-Za-z0-9._~+/=-]{8,}|access_token["']?\s*[:=]\s*["']?[A-Za-z0-9._~+/=-]{8,})`)

// leakPaths returns the JSON paths in doc whose string value contains needle. A list element that
// has an "address" is named by it, so a path says which resource holds the value.
func leakPaths(doc any, needle, at string) []string {
	var out []string
	switch v := doc.(type) {
	case string:
		if strings.Contains(v, needle) {
			out = append(out, at)
		}
	case map[string]any:
		for k, e := range v {
			out = append(out, leakPaths(e, needle, at+"."+k)...)
		}
	case []any:
		for i, e := range v {
			name := fmt.Sprint(i)
			if m, ok := e.(map[string]any); ok {
				if a, ok := m["address"].(string); ok {
					name = a
				}
			}
			out = append(out, leakPaths(e, needle, fmt.Sprintf("%s[%s]", at, name))...)
		}
	}
	slices.Sort(out)
	return out
}

// leakCheckJSON fails when a secret appears in a `show -json` document other than as the
// sensitive value of the resource it belongs to (allowed maps a secret's name to that address).
func leakCheckJSON(what string, doc any, secrets leakSecrets, allowed map[string]string) error {
	var problems []string
	for name, value := range secrets {
		if value == "" {
			continue
		}
		for _, p := range leakPaths(doc, value, what) {
			if addr, ok := allowed[name]; ok && strings.Contains(p, "["+addr+"]") &&
				(strings.HasSuffix(p, ".value") || strings.HasSuffix(p, ".expressions.value.constant_value")) {
				// The sensitive value of the resource that keeps it in state, or the literal the user
				// wrote for it, which the CLI copies from the configuration.
				continue
			}
			problems = append(problems, fmt.Sprintf("%s appears at %s", name, p))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("secrets in %s: %s", what, strings.Join(problems, "; "))
	}
	return nil
}

// toGeneric turns a tfjson document into plain maps and lists.
func toGeneric(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal(b, &out)
}

// leakPlanCheck checks the plan JSON.
type leakPlanCheck struct {
	secrets leakSecrets
	allowed map[string]string
}

func (c leakPlanCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	doc, err := toGeneric(req.Plan)
	if err == nil {
		err = leakCheckJSON("plan", doc, c.secrets, c.allowed)
	}
	resp.Error = err
}

// leakStateCheck checks the state JSON and captures the generated value, which exists only there.
type leakStateCheck struct {
	secrets leakSecrets
	allowed map[string]string
}

func (c leakStateCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State != nil && req.State.Values != nil && req.State.Values.RootModule != nil {
		for _, r := range req.State.Values.RootModule.Resources {
			if r.Address == leakGeneratedAddr {
				if v, ok := r.AttributeValues["value"].(string); ok && v != "" {
					c.secrets["generated value"] = v
				}
			}
		}
	}
	if c.secrets["generated value"] == "" {
		resp.Error = fmt.Errorf("%s has no generated value in state", leakGeneratedAddr)
		return
	}
	doc, err := toGeneric(req.State)
	if err == nil {
		err = leakCheckJSON("state", doc, c.secrets, c.allowed)
	}
	resp.Error = err
}

// leakLiveTokens returns the token-shaped strings of text that the mock accepts as access tokens.
func leakLiveTokens(ctx context.Context, baseURL, text string) ([]string, int, error) {
	seen := map[string]bool{}
	var live []string
	for _, m := range leakTokenCandidate.FindAllStringSubmatch(text, -1) {
		tok := m[1]
		if seen[tok] {
			continue
		}
		seen[tok] = true
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/v1/scopes", nil)
		if err != nil {
			return nil, 0, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, 0, err
		}
		_ = resp.Body.Close() // the status is all that matters
		if resp.StatusCode == http.StatusOK {
			live = append(live, tok)
		}
	}
	return live, len(seen), nil
}

// leakLogEntry starts an entry of the log: a timestamp and a level.
var leakLogEntry = regexp.MustCompile(`^\d{4}-\d\d-\d\dT[^ ]+ \[[A-Z]+\] `)

// leakWithoutTestHarness drops the entries (with their continuation lines) that
// terraform-plugin-testing itself writes ("sdk.helper_resource", for example the whole test
// configuration at the start of each step): a user's run has no test harness.
func leakWithoutTestHarness(log string) (string, int) {
	var b strings.Builder
	dropped, skipping := 0, false
	for _, line := range strings.SplitAfter(log, "\n") {
		if leakLogEntry.MatchString(line) {
			skipping = strings.Contains(line, " sdk.helper_resource: ")
			if skipping {
				dropped++
			}
		}
		if !skipping {
			b.WriteString(line)
		}
	}
	return b.String(), dropped
}

// TestAccReliabilityNeverLeak is serial: it sets the logging environment with t.Setenv.
func TestAccReliabilityNeverLeak(t *testing.T) {
	testAccPreCheck(t)
	logFile := filepath.Join(t.TempDir(), "trace.log")
	// TF_LOG/TF_LOG_PATH drive the in-process provider's log sink; terraform-plugin-testing hands
	// TF_ACC_LOG, TF_LOG_PROVIDER and TF_ACC_LOG_PATH on to the CLI (it strips TF_LOG* otherwise).
	t.Setenv("TF_LOG", "trace")
	t.Setenv("TF_LOG_PROVIDER", "trace")
	t.Setenv("TF_LOG_PATH", logFile)
	t.Setenv("TF_ACC_LOG", "trace")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	start := time.Now()
	e := newTestEnv(t)
	ctx := testContext(t)

	// A static token for the steps that configure the provider with access_token.
	tok, err := iam.ExchangeToken(ctx, iam.TokenRequest{
		TokenURL: e.Mock.TokenURL, ClientID: e.Mock.AdminClientID(), ClientSecret: e.Mock.AdminClientSecret(),
		Scopes: []string{"services.iam"},
	})
	if err != nil {
		t.Fatalf("getting a token: %v", err)
	}
	secrets := leakSecrets{
		"given value":              "given-Value-7c1d9e",
		"write-only value v1":      "wo-Value-One-4f2a8b",
		"write-only value v2":      "wo-Value-Two-91be3c",
		"value of a failed create": "failed-Value-5d0c2e",
		"provider client_secret":   e.Mock.AdminClientSecret(),
		"provider access_token":    tok.AccessToken,
		"generated value":          "", // filled in from the state after the first apply
	}
	// Where a value may appear: only as the sensitive value of the resource holding it in state.
	allowed := map[string]string{"given value": leakGivenAddr, "generated value": leakGeneratedAddr}

	// The credentials come from the environment and the write-only value from an ephemeral
	// variable, as the docs recommend: a literal in the configuration is copied into every plan
	// file and into `show -json` of a plan ("configuration" section) by the CLI itself.
	t.Setenv(EnvClientID, e.Mock.AdminClientID())
	t.Setenv(EnvClientSecret, e.Mock.AdminClientSecret())
	t.Setenv(EnvAccessToken, "")
	t.Setenv("TF_VAR_secret_wo", secrets["write-only value v1"])
	useToken := func(on bool) {
		if on {
			t.Setenv(EnvClientID, "")
			t.Setenv(EnvClientSecret, "")
			t.Setenv(EnvAccessToken, tok.AccessToken)
			return
		}
		t.Setenv(EnvClientID, e.Mock.AdminClientID())
		t.Setenv(EnvClientSecret, e.Mock.AdminClientSecret())
		t.Setenv(EnvAccessToken, "")
	}
	config := func(woVersion int, extra string) string {
		return fmt.Sprintf(`
provider "aritma" {
  endpoint  = %[1]q
  token_url = %[2]q
}

variable "secret_wo" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "aritma_iam_client" "app" {
  name                = "leak-app"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

resource "aritma_iam_client_secret" "given" {
  client_id   = aritma_iam_client.app.client_id
  description = "given"
  value       = %[3]q
}

resource "aritma_iam_client_secret" "generated" {
  client_id   = aritma_iam_client.app.client_id
  description = "generated"
}

resource "aritma_iam_client_secret" "wo" {
  client_id        = aritma_iam_client.app.client_id
  description      = "write-only"
  value_wo         = var.secret_wo
  value_wo_version = %[4]d
}

resource "aritma_iam_policy" "read" {
  subject = aritma_iam_client.app.subject_id
  action  = "iam.client.read"
  scope   = "/"
}
%[5]s`, e.Mock.URL, e.Mock.TokenURL, secrets["given value"], woVersion, extra)
	}
	// The second sets the value as its client id too, by mistake: the path of the failed call
	// holds it then.
	failing := fmt.Sprintf(`
resource "aritma_iam_client_secret" "failing" {
  client_id = "0b5e2a41-0000-4000-8000-000000000000"
  value     = %[1]q
}

resource "aritma_iam_client_secret" "failing_mixed_up" {
  client_id = %[1]q
  value     = %[1]q
}
`, secrets["value of a failed create"])

	checks := func() ([]plancheck.PlanCheck, []statecheck.StateCheck) {
		return []plancheck.PlanCheck{leakPlanCheck{secrets, allowed}}, []statecheck.StateCheck{leakStateCheck{secrets, allowed}}
	}
	planChecks, stateChecks := checks()
	result := reliability.ResultFailed
	details := "the lifecycle did not complete"
	defer func() {
		reportRow(t, reliability.Row{Section: reliability.SectionLeaks, Name: "trace log, diagnostics, plan and state of the quickstart lifecycle",
			Result: result, Runs: 1, WallS: time.Since(start).Seconds(), Details: details})
	}()

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// value_wo is a write-only argument (Terraform 1.11 and later).
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		CheckDestroy:           testAccCheckIAMClientDestroy(t, e),
		Steps: []resource.TestStep{
			{
				Config:            config(1, ""),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: planChecks},
				ConfigStateChecks: stateChecks,
			},
			{
				// Refresh and plan with a static access token: nothing to do, nothing leaked.
				PreConfig: func() { useToken(true) },
				Config:    config(1, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append([]plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}, planChecks...)},
				ConfigStateChecks: stateChecks,
			},
			{
				// Rotate the write-only secret.
				PreConfig: func() {
					useToken(false)
					t.Setenv("TF_VAR_secret_wo", secrets["write-only value v2"])
				},
				Config: config(2, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append([]plancheck.PlanCheck{
					plancheck.ExpectResourceAction("aritma_iam_client_secret.wo", plancheck.ResourceActionReplace),
				}, planChecks...)},
				ConfigStateChecks: stateChecks,
			},
			{
				// Import the given secret: the API never returns a value, so the import has none.
				Config:                  config(2, ""),
				ResourceName:            leakGivenAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"value"},
			},
			{
				// A failed create with a given value: its diagnostics (logged at trace) carry no value.
				Config:      config(2, failing),
				ExpectError: expectErrorText("The client does not exist: it may have been deleted outside Terraform. Check client_id."),
			},
		},
	})
	if t.Failed() {
		return
	}

	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("reading the trace log: %v", err)
	}
	text, dropped := leakWithoutTestHarness(string(raw))
	// The log must hold what it is supposed to, or finding no secret in it proves nothing.
	for _, want := range []string{"IAM API request", "Created IAM client secret", "diagnostic_detail", "The client does not exist"} {
		if !strings.Contains(text, want) {
			t.Errorf("the trace log (%d bytes) lacks %q: provider logging did not reach it", len(raw), want)
		}
	}
	var problems []string
	for name, value := range secrets {
		if value == "" {
			problems = append(problems, name+" was never captured")
			continue
		}
		if n := strings.Count(text, value); n > 0 {
			problems = append(problems, fmt.Sprintf("%s appears %d times in the trace log", name, n))
		}
	}
	if m := leakBearer.FindAllString(text, 5); len(m) > 0 {
		problems = append(problems, fmt.Sprintf("bearer tokens in the trace log: %q", m))
	}
	live, candidates, err := leakLiveTokens(ctx, e.Mock.URL, text)
	if err != nil {
		t.Fatalf("checking token candidates: %v", err)
	}
	if len(live) > 0 {
		problems = append(problems, fmt.Sprintf("%d live access tokens of the mock in the trace log", len(live)))
	}
	if len(problems) > 0 {
		details = strings.Join(problems, "; ")
		t.Fatal(details)
	}
	if t.Failed() { // a check above that reported and went on (the log lacking the provider's logging)
		details = "the trace log lacks the provider's logging, so finding no secret in it proves nothing"
		return
	}
	result = reliability.ResultSurvived
	details = fmt.Sprintf("create, refresh with access_token, write-only rotation, import, failed create and destroy "+
		"with TF_LOG=trace: %d KB of log (without %d entries of the test harness itself), none of %d secrets (given, generated, 2 write-only, failed-create value, "+
		"provider client_secret and access_token) in it nor outside the sensitive value in plan/state JSON; "+
		"%d token-shaped strings in the log, none a live token", len(raw)/1024, dropped, len(secrets), candidates)
}
