package provider

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
	"github.com/aritma/terraform-provider-aritma/internal/reliability"
)

// The bad-input table of the reliability work (issue 5, section 3). Every row is one way a user can
// get the configuration wrong, the exact words the user then reads, and the earliest moment the
// mistake is caught:
//
//   - validate: a schema or config validator. The row runs against a provider block that cannot be
//     configured (unless it is about the provider block itself), and the provider servers count
//     their ConfigureProvider calls: the row must fail with none, which proves Terraform stopped in
//     the validate walk and the row never needed the API.
//   - plan: ModifyPlan or the provider's Configure, on a PlanOnly step.
//   - plan, reading the API: ModifyPlan, on a PlanOnly step, with no request but a token and reads
//     (a catalogue, such as GET /v1/actions, or the client a value names).
//   - import: the import id parser, before any API call.
//
// Rows of every stage but apply must make no API request at all (the mock counts them).
//   - apply: only the server can know (its catalogues, existing objects, permissions).
//
// After every row the test counts clients, secrets and policies through the API and fails the row
// when anything was created. Rows are grouped into a few test cases, each one CLI working
// directory, to keep the run short.

// badInputRow is one row of the table.
type badInputRow struct {
	name  string // stable name of the row in the report
	stage string // validate | plan | import | apply, or stagePlanReads
	// config is the HCL after the provider block; provider, when set, replaces the provider block.
	config, provider string
	// importAddr and importID make the row an import of importID into importAddr.
	importAddr, importID string
	summary, detail      string // the diagnostic a user reads: summary (may be empty) and detail
}

// stagePlanReads is the stage of a row caught at plan time by what the API says (a catalogue, or
// whether an object exists, or that the token endpoint refuses the provider); such a row may ask
// for a token and read, never write.
const stagePlanReads = "plan, reading the API"

// relObjectCounts is what the API holds: clients, secrets over all clients, policies.
type relObjectCounts struct{ clients, secrets, policies int }

func (c relObjectCounts) String() string {
	return fmt.Sprintf("%d clients, %d secrets, %d policies", c.clients, c.secrets, c.policies)
}

// relExpectObjects fails unless the mock holds exactly want, counted through the admin API; when
// says at what point of the test ("after destroy").
func relExpectObjects(ctx context.Context, api *iam.Client, want relObjectCounts, when string) error {
	got, err := relCountObjects(ctx, api)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("%s the server holds %s, want %s", when, got, want)
	}
	return nil
}

// relCountObjects counts, through the admin API, every client, secret and policy of the mock.
func relCountObjects(ctx context.Context, api *iam.Client) (relObjectCounts, error) {
	var n relObjectCounts
	var ids []string
	for c, err := range api.ListClients(ctx, iam.ListClientsOptions{}) {
		if err != nil {
			return n, fmt.Errorf("listing clients: %w", err)
		}
		n.clients++
		ids = append(ids, c.ClientID)
	}
	for _, id := range ids {
		for _, err := range api.ListClientSecrets(ctx, id) {
			if err != nil {
				return n, fmt.Errorf("listing secrets of client %s: %w", id, err)
			}
			n.secrets++
		}
	}
	for _, err := range api.ListPolicies(ctx, iam.PolicyFilter{}) {
		if err != nil {
			return n, fmt.Errorf("listing policies: %w", err)
		}
		n.policies++
	}
	return n, nil
}

// relUnconfigurableProvider is a provider block that passes validation but fails in Configure
// ("Missing Aritma client_secret"): an error other than that one proves the row failed earlier.
func relUnconfigurableProvider(e *testEnv) string {
	return fmt.Sprintf(`
provider "aritma" {
  endpoint      = %[1]q
  token_url     = %[2]q
  client_id     = "configure-must-not-be-reached"
  client_secret = ""
}
`, e.Mock.URL, e.Mock.TokenURL)
}

// runBadInputRows runs rows as the steps of one test case and reports one row each.
func runBadInputRows(t *testing.T, e *testEnv, rows []badInputRow, extra ...func(*resource.TestCase)) {
	t.Helper()
	ctx := testContext(t)
	baseline, err := relCountObjects(ctx, e.API)
	if err != nil {
		t.Fatalf("counting objects before the table: %v", err)
	}
	// done[i] is set once row i has passed, including its count check; a row that never got there
	// failed (the first one) or did not run (the rest).
	done := make([]bool, len(rows))
	failure := make([]string, len(rows))
	defer func() {
		stopped := false
		for i, r := range rows {
			result, details := reliability.ResultSurvived, ""
			if !done[i] {
				result = reliability.ResultFailed
				details = failure[i]
				if stopped {
					result, details = "not run", "an earlier row of the same test case failed"
				}
				stopped = true
			}
			d := fmt.Sprintf("fails at %s: %s", r.stage, strings.TrimPrefix(r.summary+": "+r.detail, ": "))
			if details != "" {
				d += " — " + details
			}
			reportRow(t, reliability.Row{Section: reliability.SectionBadInput, Name: r.name, Result: result, Runs: 1, Details: d})
		}
	}()

	// Rows claimed to fail at validate must fail before Terraform configures the provider: the
	// provider servers count their ConfigureProvider calls, reset before every step.
	var configures atomic.Int64
	factories := map[string]func() (tfprotov6.ProviderServer, error){
		"aritma": func() (tfprotov6.ProviderServer, error) {
			return configureCounter{ProviderServer: ProtocolServer("test")(), n: &configures}, nil
		},
	}

	// Rows that fail before apply must not have needed the API at all, not even for a token: the
	// mock's request count is taken after each row's own counting, and compared at the next.
	requests := e.Mock.Stats()
	checkNothingCreated := func(i int) error {
		if n := configures.Load(); rows[i].stage == "validate" && n > 0 {
			failure[i] = fmt.Sprintf("the provider was configured %d times: the row failed after validation", n)
			return fmt.Errorf("row %q: %s", rows[i].name, failure[i])
		}
		now := e.Mock.Stats()
		if n := now.Total - requests.Total; rows[i].stage != "apply" && rows[i].stage != stagePlanReads && n > 0 {
			failure[i] = fmt.Sprintf("the row made %d API requests, though it claims to fail at %s", n, rows[i].stage)
			return fmt.Errorf("row %q: %s", rows[i].name, failure[i])
		}
		if rows[i].stage == stagePlanReads {
			for k, n := range now.Requests {
				if n > requests.Requests[k] && !strings.HasPrefix(k, "GET ") && !strings.HasPrefix(k, "POST /connect/token ") &&
					!strings.HasSuffix(k, " 401") { // a token request sent to another route: refused, nothing written
					failure[i] = fmt.Sprintf("the row made %d requests %q, though it claims to fail at %s", n-requests.Requests[k], k, rows[i].stage)
					return fmt.Errorf("row %q: %s", rows[i].name, failure[i])
				}
			}
		}
		got, err := relCountObjects(ctx, e.API)
		if err != nil {
			return err
		}
		requests = e.Mock.Stats()
		if got != baseline {
			failure[i] = fmt.Sprintf("objects created: %s before, %s after", baseline, got)
			return fmt.Errorf("row %q: the API holds %s after it, %s before: something was created", rows[i].name, got, baseline)
		}
		done[i] = true
		return nil
	}

	steps := make([]resource.TestStep, 0, len(rows))
	for i, r := range rows {
		provider := r.provider
		if provider == "" {
			provider = e.ProviderConfig()
			if r.stage == "validate" {
				provider = relUnconfigurableProvider(e)
			}
		}
		want := expectErrorText(r.detail)
		if r.summary != "" {
			want = testAccExpectDiagnostic(r.summary, r.detail)
		}
		step := resource.TestStep{
			Config:      provider + r.config,
			ExpectError: want,
			PlanOnly:    r.stage == "validate" || r.stage == "plan" || r.stage == stagePlanReads,
		}
		if i > 0 {
			step.PreConfig = func() {
				if err := checkNothingCreated(i - 1); err != nil {
					t.Fatal(err)
				}
				configures.Store(0)
			}
		}
		if r.importID != "" {
			step.ResourceName, step.ImportState, step.ImportStateId = r.importAddr, true, r.importID
		}
		steps = append(steps, step)
	}
	tc := resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: factories,
		Steps:                    steps,
	}
	for _, f := range extra {
		f(&tc)
	}
	for i := range rows {
		failure[i] = "the step did not fail with the expected error (see the test log)"
	}
	resource.Test(t, tc)
	// The last row has no next step to check it (and no destroy runs over an empty state).
	if err := checkNothingCreated(len(rows) - 1); err != nil {
		t.Error(err)
	}
}

// configureCounter is the provider's protocol server counting its ConfigureProvider calls.
type configureCounter struct {
	tfprotov6.ProviderServer
	n *atomic.Int64
}

func (c configureCounter) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	c.n.Add(1)
	return c.ProviderServer.ConfigureProvider(ctx, req)
}

// relClientConfig is an aritma_iam_client "test" with the given body.
func relClientConfig(body string) string {
	return fmt.Sprintf(`
resource "aritma_iam_client" "test" {
%s
}
`, body)
}

// relSecretConfig is an aritma_iam_client_secret "test" of clientID with the given body.
func relSecretConfig(clientID, body string) string {
	return fmt.Sprintf(`
resource "aritma_iam_client_secret" "test" {
  client_id = %[1]q
  %[2]s
}
`, clientID, body)
}

// relPolicyConfig is an aritma_iam_policy "test".
func relPolicyConfig(subject, action, scope string) string {
	return fmt.Sprintf(`
resource "aritma_iam_policy" "test" {
  subject = %[1]q
  action  = %[2]q
  scope   = %[3]q
}
`, subject, action, scope)
}

const relM2M = `  name                = "bad-input"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]`

func TestAccReliabilityBadInput_client(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	authCode := func(uris string) string {
		return relClientConfig(`  name                = "bad-input"
  allowed_grant_types = ["authorization_code"]
  allowed_scopes      = ["api"]
  redirect_uris       = ` + uris)
	}
	rows := []badInputRow{
		{name: "client grant type unknown", stage: "validate", summary: "Invalid Grant Type",
			config: relClientConfig(`  name                = "bad-input"
  allowed_grant_types = ["password"]
  allowed_scopes      = ["api"]`),
			detail: `grant type "password" is not supported; allowed: client_credentials, authorization_code, refresh_token.`},
		{name: "client grant types empty", stage: "validate", summary: "Invalid Attribute Value",
			config: relClientConfig(`  name                = "bad-input"
  allowed_grant_types = []
  allowed_scopes      = ["api"]`),
			detail: `allowed_grant_types must contain at least one grant type.`},
		{name: "client authorization_code without redirect URI", stage: "validate", summary: "Invalid Redirect URIs",
			config: relClientConfig(`  name                = "bad-input"
  allowed_grant_types = ["authorization_code"]
  allowed_scopes      = ["api"]`),
			detail: `redirect_uris must contain at least one URI when authorization_code is allowed.`},
		{name: "client redirect URI without authorization_code", stage: "validate", summary: "Invalid Redirect URIs",
			config: relClientConfig(relM2M + `
  redirect_uris       = ["https://portal.example.com/callback"]`),
			detail: `redirect_uris must be empty unless authorization_code is allowed.`},
		{name: "client redirect URI http to a remote host", stage: "validate", summary: "Invalid Redirect URI",
			config: authCode(`["http://portal.example.com/callback"]`),
			detail: `redirect URI "http://portal.example.com/callback" must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1]).`},
		{name: "client redirect URI http to localhost.example.com", stage: "validate", summary: "Invalid Redirect URI",
			config: authCode(`["http://localhost.example.com/callback"]`),
			detail: `redirect URI "http://localhost.example.com/callback" must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1]).`},
		{name: "client redirect URI with fragment", stage: "validate", summary: "Invalid Redirect URI",
			config: authCode(`["https://portal.example.com/callback#top"]`),
			detail: `redirect URI "https://portal.example.com/callback#top" must not contain a fragment.`},
		{name: "client redirect URI relative", stage: "validate", summary: "Invalid Redirect URI",
			config: authCode(`["/callback"]`),
			detail: `redirect URI "/callback" must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1]).`},
		{name: "client scopes empty", stage: "validate", summary: "Invalid Attribute Value",
			config: relClientConfig(`  name                = "bad-input"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = []`),
			detail: `allowed_scopes must contain at least one scope.`},
		{name: "client scope null", stage: "validate", summary: "Invalid Attribute Value",
			config: relClientConfig(`  name                = "bad-input"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api", null]`),
			detail: `allowed_scopes must not contain null: a null element (such as an optional variable left unset) ` +
				`cannot be sent to the API. Leave it out, for example with compact([...]).`},
		{name: "client redirect URI from an unset variable", stage: "plan", summary: "Invalid Attribute Value",
			config: `
variable "callback" {
  type    = string
  default = null
}
` + authCode(`[var.callback]`),
			detail: `redirect_uris must not contain null: a null element (such as an optional variable left unset) ` +
				`cannot be sent to the API.`},
		{name: "client scope empty string", stage: "validate", summary: "Invalid OAuth Scope",
			config: relClientConfig(`  name                = "bad-input"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = [""]`),
			detail: `scope must not be empty.`},
		{name: "client scope with a space", stage: "validate", summary: "Invalid OAuth Scope",
			config: relClientConfig(`  name                = "bad-input"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api services.iam"]`),
			detail: `scope must not contain whitespace (character 4 of 16 is).`},
		{name: "client name empty", stage: "validate", summary: "Invalid Name",
			config: relClientConfig(`  name                = ""
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]`),
			detail: `name must be between 1 and 200 characters, got 0.`},
		{name: "client name 201 characters", stage: "validate", summary: "Invalid Name",
			config: relClientConfig(fmt.Sprintf(`  name                = %q
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]`, strings.Repeat("n", 201))),
			detail: `name must be between 1 and 200 characters, got 201.`},
		{name: "client description 1001 characters", stage: "validate", summary: "Invalid Description",
			config: relClientConfig(relM2M + fmt.Sprintf(`
  description         = %q`, strings.Repeat("d", 1001))),
			detail: `description must be at most 1000 characters, got 1001.`},
		{name: "client timeouts create not a duration", stage: "validate", summary: "Invalid Attribute Value Time Duration",
			config: relClientConfig(relM2M + `
  timeouts {
    create = "soon"
  }`),
			detail: `"soon" must be a string containing a sequence of decimal numbers, each with optional fraction and a unit suffix`},
		{name: "client timeouts create negative", stage: "validate", summary: "Invalid Timeout",
			config: relClientConfig(relM2M + `
  timeouts {
    create = "-1m"
  }`),
			detail: `timeout "-1m" must be a positive duration, such as "10m".`},
		{name: "data source timeouts read zero", stage: "validate", summary: "Invalid Timeout",
			config: `
data "aritma_iam_actions" "bad_input" {
  timeouts {
    read = "0s"
  }
}`,
			detail: `timeout "0s" must be a positive duration, such as "10m".`},
		{name: "client scope unknown to the server", stage: stagePlanReads, summary: "Unsupported Scope",
			config: relClientConfig(`  name                = "bad-input"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api", "payments.write"]`),
			detail: `scope "payments.write" is not supported; allowed: services.iam, api, bankservice. ` +
				`List them with the aritma_iam_scopes data source.`},
	}
	runBadInputRows(t, e, rows)
}

func TestAccReliabilityBadInput_clientSecret(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	parent := testAccIAMClientSecretParent(t, e)
	full, err := e.API.CreateClient(ctx, iam.ClientRequest{
		Name: "full-of-secrets", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"},
	})
	if err != nil {
		t.Fatalf("creating the client: %v", err)
	}
	for i := range 20 {
		if _, err := e.API.CreateClientSecret(ctx, full.ClientID, iam.SecretRequest{Value: fmt.Sprintf("limit-secret-%02d", i)}); err != nil {
			t.Fatalf("creating secret %d: %v", i, err)
		}
	}
	const missingClient = "0b5e2a41-0000-4000-8000-000000000000"
	lengthErr := func(attr string, n int) string {
		return fmt.Sprintf("%s must be between 8 and 32 characters, got %d.", attr, n)
	}
	rows := []badInputRow{
		{name: "secret value 7 characters", stage: "validate", summary: "Invalid Secret Value",
			config: relSecretConfig(parent, `value = "1234567"`), detail: lengthErr("value", 7)},
		{name: "secret value 33 characters", stage: "validate", summary: "Invalid Secret Value",
			config: relSecretConfig(parent, fmt.Sprintf("value = %q", strings.Repeat("x", 33))), detail: lengthErr("value", 33)},
		{name: "secret value_wo 7 characters", stage: "validate", summary: "Invalid Secret Value",
			config: relSecretConfig(parent, "value_wo = \"1234567\"\n  value_wo_version = 1"), detail: lengthErr("value_wo", 7)},
		{name: "secret value_wo 33 characters", stage: "validate", summary: "Invalid Secret Value",
			config: relSecretConfig(parent, fmt.Sprintf("value_wo = %q\n  value_wo_version = 1", strings.Repeat("é", 33))),
			detail: lengthErr("value_wo", 33)},
		{name: "secret both value and value_wo", stage: "validate", summary: "Conflicting Secret Values",
			config: relSecretConfig(parent, "value = \"valid-value-1\"\n  value_wo = \"valid-value-2\"\n  value_wo_version = 1"),
			detail: "Only one of value and value_wo can be set. Use value_wo (write-only, never stored; recommended) or " +
				"value (held in state), or neither to have the provider generate a value."},
		{name: "secret value_wo without value_wo_version", stage: "validate", summary: "Missing value_wo_version",
			config: relSecretConfig(parent, `value_wo = "valid-value-2"`),
			detail: "value_wo_version is required when value_wo is set. Terraform never stores value_wo, so it cannot " +
				"see it change: bump value_wo_version to replace the secret with a new value_wo."},
		{name: "secret value_wo_version without value_wo", stage: "validate", summary: "Missing value_wo",
			config: relSecretConfig(parent, `value_wo_version = 1`),
			detail: "value_wo is required when value_wo_version is set: value_wo_version versions the write-only value_wo " +
				"and means nothing without it."},
		{name: "secret expiration not RFC 3339", stage: "validate", summary: "Invalid Expiration",
			config: relSecretConfig(parent, `expiration = "2030-01-01 00:00:00"`),
			detail: `expiration must be an RFC 3339 timestamp with a time zone, such as "2030-01-01T00:00:00Z", got "2030-01-01 00:00:00".`},
		{name: "secret expiration without time zone", stage: "validate", summary: "Invalid Expiration",
			config: relSecretConfig(parent, `expiration = "2030-01-01T00:00:00"`),
			detail: `expiration must be an RFC 3339 timestamp with a time zone, such as "2030-01-01T00:00:00Z", got "2030-01-01T00:00:00".`},
		{name: "secret expiration after year 9999 in UTC", stage: "validate", summary: "Invalid Expiration",
			config: relSecretConfig(parent, `expiration = "9999-12-31T23:59:59-05:00"`),
			detail: `expiration must be no later than 9999-12-31T23:59:59Z once converted to UTC, got "9999-12-31T23:59:59-05:00".`},
		{name: "secret description 201 characters", stage: "validate", summary: "Invalid Description",
			config: relSecretConfig(parent, fmt.Sprintf("description = %q", strings.Repeat("d", 201))),
			detail: "description must be at most 200 characters, got 201."},
		{name: "secret renew_before in days", stage: "validate", summary: "Invalid Renewal Window",
			config: relSecretConfig(parent, `renew_before = "30d"`),
			detail: `renew_before must be a positive duration in hours, minutes or seconds, such as "720h" for 30 days, got "30d".`},
		{name: "secret client_id with a slash", stage: "validate", summary: "Invalid Client ID",
			config: relSecretConfig(parent+"/x", ``),
			detail: fmt.Sprintf(`client_id must be a client id: not empty, "." or "..", and without '/' or whitespace, got %q.`, parent+"/x")},
		{name: "secret client_id \"..\"", stage: "validate", summary: "Invalid Client ID",
			config: relSecretConfig("..", ``),
			detail: `client_id must be a client id: not empty, "." or "..", and without '/' or whitespace, got "..".`},
		// Only a warning at plan time, so that terraform destroy, which plans first, is not held up
		// by an expired secret deleted outside Terraform.
		{name: "secret expiration in the past", stage: "apply", summary: "Invalid Expiration",
			config: relSecretConfig(parent, `expiration = "2020-01-01T00:00:00Z"`),
			detail: `expiration must be in the future, got "2020-01-01T00:00:00Z" (it is now `},
		{name: "secret limit of 20 per client", stage: "apply", summary: "Unable to Create IAM Client Secret",
			config: relSecretConfig(full.ClientID, `description = "twenty-first"`),
			detail: fmt.Sprintf("409 Conflict: client %q already has the maximum of 20 secrets; delete one first", full.ClientID)},
		{name: "secret of a client that does not exist", stage: "apply", summary: "Unable to Create IAM Client Secret",
			config: relSecretConfig(missingClient, ``),
			detail: "The client does not exist: it may have been deleted outside Terraform. Check client_id."},
		{name: "secret of a client given by its subject id", stage: stagePlanReads, summary: "Invalid Client ID",
			config: relSecretConfig("client-"+parent, ``),
			detail: fmt.Sprintf("No IAM client has the client id %q. %q looks like the subject id of client %q: client_id takes the client id itself "+
				"(aritma_iam_client.<name>.client_id, not its subject_id).", "client-"+parent, "client-"+parent, parent)},
	}
	runBadInputRows(t, e, rows, func(tc *resource.TestCase) {
		// value_wo is a write-only argument (Terraform 1.11 and later).
		tc.TerraformVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)}
	})
}

func TestAccReliabilityBadInput_policy(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	alice := "user-" + mockserver.SeedUserAliceID
	if _, err := e.API.CreatePolicy(testContext(t), iam.Policy{Subject: alice, Action: "iam.client.read", Scope: "/subscriptions/7"}); err != nil {
		t.Fatalf("creating the existing policy: %v", err)
	}
	scopeRow := func(name, scope, detail string) badInputRow {
		return badInputRow{name: name, stage: "validate", summary: "Invalid Policy Scope",
			config: relPolicyConfig(alice, "iam.client.read", scope), detail: detail}
	}
	rows := []badInputRow{
		scopeRow("policy scope without leading slash", "subscriptions/1", `scope must start with "/".`),
		scopeRow("policy scope with empty segment", "/a//b", `scope must not contain empty segments.`),
		scopeRow("policy scope with trailing slash", "/a/", `scope must not end with "/" (only the root scope "/" may).`),
		scopeRow("policy scope with a space", "/subscriptions/my company",
			`scope segment "my company" may only contain the characters A-Z a-z 0-9 . _ ~ -.`),
		scopeRow("policy scope of 513 characters", "/"+strings.Repeat("s", 256)+"/"+strings.Repeat("1", 255),
			`scope must be at most 512 characters, got 513.`),
		scopeRow("policy scope of odd segments", "/subscriptions", `scope must consist of /<type>/<id> pairs, e.g. /subscriptions/123.`),
		scopeRow("policy scope empty", "", `scope is required.`),
		{name: "policy action not lower-case", stage: "validate", summary: "Invalid Action",
			config: relPolicyConfig(alice, "IAM.Client.Read", "/"),
			detail: `action "IAM.Client.Read" must be dot-separated lower-case segments of a-z and 0-9, e.g. "iam.client.read".`},
		{name: "policy action with empty segment", stage: "validate", summary: "Invalid Action",
			config: relPolicyConfig(alice, "iam..read", "/"),
			detail: `action "iam..read" must be dot-separated lower-case segments of a-z and 0-9, e.g. "iam.client.read".`},
		{name: "policy subject not a subject id", stage: "validate", summary: "Invalid Subject",
			config: relPolicyConfig("alice", "iam.client.read", "/"),
			detail: `subject "alice" must be a subject id of the form user-<id>, client-<id> or group-<id>. A client's ` +
				`subject id is client-<client_id>: use aritma_iam_client.<name>.subject_id or ` +
				`provider::aritma::client_subject_id(<client_id>); look others up with the aritma_iam_subject data source.`},
		{name: "policy action unknown to the server", stage: stagePlanReads, summary: "Unknown Action",
			config: relPolicyConfig(alice, "iam.client.fly", "/"),
			detail: `action "iam.client.fly" is not in the action catalogue (GET /v1/actions), so the API cannot grant it. ` +
				`List the actions with the aritma_iam_actions data source.`},
		{name: "policy subject unknown to the server", stage: "apply", summary: "Unable to Create IAM Policy",
			config: relPolicyConfig("client-0b5e2a41-0000-4000-8000-000000000000", "iam.client.read", "/"),
			detail: `POST /v1/policies: 400 Bad Request: One or more validation errors occurred.: ` +
				`subject: subject "client-0b5e2a41-0000-4000-8000-000000000000" does not exist`},
		{name: "policy duplicate of an existing grant", stage: "apply", summary: "IAM Policy Already Exists",
			config: relPolicyConfig(alice, "iam.client.read", "/subscriptions/7"),
			detail: `The policy "` + alice + `,iam.client.read,/subscriptions/7" already exists in Aritma IAM, so Terraform did not ` +
				`create it. Terraform does not take over a grant it did not make. To manage it with this configuration, import it`},
	}
	runBadInputRows(t, e, rows)
}

func TestAccReliabilityBadInput_importID(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	clientCfg := relClientConfig(relM2M)
	secretCfg := relSecretConfig("some-client", ``)
	policyCfg := relPolicyConfig("client-1234", "iam.client.read", "/")
	const clientAddr, secretAddr, policyAddr = "aritma_iam_client.test", "aritma_iam_client_secret.test", "aritma_iam_policy.test"
	clientErr := func(id string) string {
		return fmt.Sprintf(`Unable to import aritma_iam_client: expected the import id to be a client id, such as the client_id `+
			`of the client, got %q. Use: terraform import aritma_iam_client.<name> <client_id>`, id)
	}
	secretErr := func(id string) string {
		return fmt.Sprintf(`expected an import id of the form "<client_id>/<secret_id>", got %q. Import a client secret as: `+
			`terraform import aritma_iam_client_secret.<name> <client_id>/<secret_id>`, id)
	}
	policyErr := func(reason string) string {
		return "Unable to import aritma_iam_policy: " + reason + ". " +
			"Use: terraform import aritma_iam_policy.<name> '<subject>,<action>,<scope>'"
	}
	policyFormErr := func(id string) string {
		return policyErr(fmt.Sprintf(`expected an import id of the form "<subject>,<action>,<scope>", such as `+
			`"client-1234,iam.client.read,/subscriptions/123", got %q`, id))
	}
	rows := []badInputRow{
		{name: "import client id with a slash", stage: "import", config: clientCfg, importAddr: clientAddr,
			importID: "abc/def", summary: "Invalid Import ID", detail: clientErr("abc/def")},
		{name: "import client id with a space", stage: "import", config: clientCfg, importAddr: clientAddr,
			importID: "abc def", summary: "Invalid Import ID", detail: clientErr("abc def")},
		{name: "import client id \"..\"", stage: "import", config: clientCfg, importAddr: clientAddr,
			importID: "..", summary: "Invalid Import ID", detail: clientErr("..")},
		{name: "import secret id with client \".\"", stage: "import", config: secretCfg, importAddr: secretAddr,
			importID: "./abc", summary: "Invalid IAM Client Secret Import ID", detail: secretErr("./abc")},
		{name: "import secret id without secret part", stage: "import", config: secretCfg, importAddr: secretAddr,
			importID: "some-client", summary: "Invalid IAM Client Secret Import ID", detail: secretErr("some-client")},
		{name: "import secret id with three parts", stage: "import", config: secretCfg, importAddr: secretAddr,
			importID: "a/b/c", summary: "Invalid IAM Client Secret Import ID", detail: secretErr("a/b/c")},
		{name: "import secret id with empty client", stage: "import", config: secretCfg, importAddr: secretAddr,
			importID: "/b", summary: "Invalid IAM Client Secret Import ID", detail: secretErr("/b")},
		{name: "import policy id of two parts", stage: "import", config: policyCfg, importAddr: policyAddr,
			importID: "client-1234,iam.client.read", summary: "Invalid Import ID", detail: policyFormErr("client-1234,iam.client.read")},
		{name: "import policy id with bad subject", stage: "import", config: policyCfg, importAddr: policyAddr,
			importID: "1234,iam.client.read,/", summary: "Invalid Import ID",
			detail: policyErr(`subject "1234" must be a subject id of the form user-<id>, client-<id> or group-<id>`)},
		{name: "import policy id with bad scope", stage: "import", config: policyCfg, importAddr: policyAddr,
			importID: "client-1234,iam.client.read,subscriptions/1", summary: "Invalid Import ID",
			detail: policyErr(`scope must start with "/"`)},
		{name: "import policy id with bad action", stage: "import", config: policyCfg, importAddr: policyAddr,
			importID: "client-1234,Read,/", summary: "Invalid Import ID",
			detail: policyErr(`action "Read" must be dot-separated lower-case segments of a-z and 0-9, e.g. "iam.client.read"`)},
	}
	runBadInputRows(t, e, rows)
}

// TestAccReliabilityBadInput_provider is serial: it clears the ARITMA_* environment so only the
// provider block decides.
func TestAccReliabilityBadInput_provider(t *testing.T) {
	testAccPreCheck(t)
	testAccClearProviderEnv(t)
	e := newTestEnv(t)
	ctx := testContext(t)

	// A client that may read clients but not write them, with a secret: the provider is configured
	// with it for the 403 row.
	reader, err := e.API.CreateClient(ctx, iam.ClientRequest{
		Name: "read-only", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"services.iam"},
	})
	if err != nil {
		t.Fatalf("creating the read-only client: %v", err)
	}
	if _, err := e.API.CreatePolicy(ctx, iam.Policy{Subject: "client-" + reader.ClientID, Action: "iam.client.read", Scope: "/"}); err != nil {
		t.Fatalf("granting iam.client.read: %v", err)
	}
	const readerSecret = "read-only-secret-0123456789"
	if _, err := e.API.CreateClientSecret(ctx, reader.ClientID, iam.SecretRequest{Value: readerSecret}); err != nil {
		t.Fatalf("creating the read-only client's secret: %v", err)
	}

	// A token without services.iam, given to the provider as access_token.
	apiOnly, err := iam.ExchangeToken(ctx, iam.TokenRequest{TokenURL: e.Mock.TokenURL, ClientID: e.Mock.AdminClientID(),
		ClientSecret: e.Mock.AdminClientSecret(), Scopes: []string{"api"}})
	if err != nil {
		t.Fatalf("getting a token for the scope api alone: %v", err)
	}

	block := func(body string) string { return "\nprovider \"aritma\" {\n" + body + "\n}\n" }
	urls := fmt.Sprintf("  endpoint  = %q\n  token_url = %q\n", e.Mock.URL, e.Mock.TokenURL)
	creds := fmt.Sprintf("  client_id     = %q\n  client_secret = %q\n", e.Mock.AdminClientID(), e.Mock.AdminClientSecret())
	cfg := relClientConfig(relM2M)
	rows := []badInputRow{
		{name: "provider both kinds of credentials", stage: "validate", config: cfg,
			provider: block(urls + creds + `  access_token = "a-ready-token"`),
			summary:  "Conflicting Aritma Credentials", detail: `Set either access_token, or client_id and client_secret, not both.`},
		{name: "provider endpoint not a URL", stage: "validate", config: cfg,
			provider: block(fmt.Sprintf("  endpoint = \"iam.example.com\"\n  token_url = %q\n", e.Mock.TokenURL) + creds),
			summary:  "Invalid Aritma endpoint", detail: `"iam.example.com" is not an absolute http(s) URL.`},
		{name: "provider endpoint http to a remote host", stage: "validate", config: cfg,
			provider: block(fmt.Sprintf("  endpoint = \"http://iam.example.com/core/iam\"\n  token_url = %q\n", e.Mock.TokenURL) + creds),
			summary:  "Invalid Aritma endpoint",
			detail:   `"http://iam.example.com/core/iam" uses http; only https is allowed, except for a loopback host such as localhost, 127.0.0.1 or [::1].`},
		{name: "provider token_url http to localhost.example.com", stage: "validate", config: cfg,
			provider: block(fmt.Sprintf("  endpoint = %q\n  token_url = \"http://localhost.example.com/connect/token\"\n", e.Mock.URL) + creds),
			summary:  "Invalid Aritma token_url",
			detail:   `"http://localhost.example.com/connect/token" uses http; only https is allowed, except for a loopback host such as localhost, 127.0.0.1 or [::1].`},
		{name: "provider token_url with user info", stage: "validate", config: cfg,
			provider: block(fmt.Sprintf("  endpoint = %q\n  token_url = %q\n", e.Mock.URL, strings.Replace(e.Mock.TokenURL, "://", "://svc:pa55@", 1)) + creds),
			summary:  "Invalid Aritma token_url",
			detail:   `holds user info (user:password@); give the credentials in client_id and client_secret (or access_token), and the URL without them.`},
		{name: "provider request_timeout not a duration", stage: "validate", config: cfg,
			provider: block(urls + creds + `  request_timeout = "soon"`),
			summary:  "Invalid Aritma request_timeout", detail: `"soon" is not a positive duration such as "30s" or "2m".`},
		{name: "provider max_retries negative", stage: "validate", config: cfg,
			provider: block(urls + creds + `  max_retries = -1`),
			summary:  "Invalid Aritma max_retries", detail: `max_retries must be a whole number from 0 to 100, got -1.`},
		{name: "provider max_retries not whole", stage: "validate", config: cfg,
			provider: block(urls + creds + `  max_retries = 1.5`),
			summary:  "Invalid Aritma max_retries", detail: `max_retries must be a whole number from 0 to 100, got 1.5.`},
		{name: "provider access_token with a line break", stage: "plan", config: cfg,
			provider: block(urls + `  access_token = "a-ready-token\n"`),
			summary:  "Invalid Aritma access_token",
			detail: `access_token holds whitespace or a control character, which no access token has: most likely the line ` +
				`break at the end of the file it was read from. Use trimspace(file("...")).`},
		{name: "provider client_id with a line break", stage: "plan", config: cfg,
			provider: block(urls + fmt.Sprintf("  client_id     = %q\n  client_secret = %q\n", e.Mock.AdminClientID()+"\n", e.Mock.AdminClientSecret())),
			summary:  "Invalid Aritma client_id",
			detail: `client_id holds whitespace or a control character, which no client id has: most likely the line ` +
				`break at the end of the file it was read from. Use trimspace(file("...")).`},
		{name: "provider client_secret with a line break", stage: "plan", config: cfg,
			provider: block(urls + fmt.Sprintf("  client_id     = %q\n  client_secret = %q\n", e.Mock.AdminClientID(), e.Mock.AdminClientSecret()+"\n")),
			summary:  "Invalid Aritma client_secret",
			detail: `client_secret holds a control character, which the token endpoint would take as part of the secret: ` +
				`most likely the line break at the end of the file it was read from. Use trimspace(file("...")).`},
		{name: "provider no credentials", stage: "plan", config: cfg, provider: block(urls),
			summary: "Missing Aritma Credentials",
			detail: `The provider needs credentials to call the Aritma IAM API. Set client_id and client_secret (or the ` +
				`ARITMA_CLIENT_ID and ARITMA_CLIENT_SECRET environment variables), or access_token (or ARITMA_ACCESS_TOKEN).`},
		{name: "provider client_id without client_secret", stage: "plan", config: cfg,
			provider: block(urls + fmt.Sprintf("  client_id = %q", e.Mock.AdminClientID())),
			summary:  "Missing Aritma client_secret",
			detail:   `client_id is set but client_secret is not. Set client_secret or the ARITMA_CLIENT_SECRET environment variable.`},
		{name: "provider wrong client secret", stage: stagePlanReads, config: cfg,
			provider: block(urls + fmt.Sprintf("  client_id = %q\n  client_secret = \"wrong-secret-wrong-secret\"\n  max_retries = 0", e.Mock.AdminClientID())),
			summary:  "Aritma Authentication Failed",
			detail:   `The token endpoint refused the provider's credentials: check client_id and client_secret, and token_url.`},
		{name: "provider token_url pointing at the API", stage: stagePlanReads, config: cfg,
			provider: block(fmt.Sprintf("  endpoint  = %q\n  token_url = %q\n", e.Mock.URL, e.Mock.URL+"/v1/clients") + creds),
			summary:  "Aritma Authentication Failed",
			detail: `The token URL answered as if there were no token endpoint there: check token_url (or ARITMA_TOKEN_URL). ` +
				`An Aritma identity server's ends in /connect/token`},
		{name: "provider caller lacks iam.client.write", stage: "apply", config: cfg,
			provider: block(urls + fmt.Sprintf("  client_id = %q\n  client_secret = %q", reader.ClientID, readerSecret)),
			summary:  "Unable to Create IAM Client",
			detail: fmt.Sprintf(`Creating IAM client "bad-input" failed. POST /v1/clients: 403 Forbidden: subject client-%s lacks `+
				`permission iam.client.write on scope /`, reader.ClientID)},
		{name: "provider scope empty", stage: "validate", config: cfg,
			provider: block(urls + creds + `  scopes = ["services.iam", ""]`),
			summary:  "Invalid OAuth Scope", detail: `scope must not be empty.`},
		{name: "provider scope not allowed for its client", stage: stagePlanReads, config: cfg,
			provider: block(urls + creds + `  scopes = ["services.iam", "payments.write"]`),
			summary:  "Aritma Authentication Failed",
			detail: `The token endpoint refused a scope the provider asked for. Ask only for scopes in the allowed_scopes ` +
				`of the provider's client: set the provider's scopes (or ARITMA_SCOPES), which default to ["services.iam"].`},
		{name: "provider token without the services.iam scope", stage: "apply", config: cfg,
			provider: block(urls + creds + `  scopes = ["api"]`),
			summary:  "Unable to Create IAM Client",
			detail: `The provider's access token lacks an OAuth scope the IAM API needs (services.iam). Include ` +
				`it in the provider's scopes (or ARITMA_SCOPES), and in the allowed_scopes of the provider's client.`},
		{name: "provider access_token without the services.iam scope", stage: "apply", config: cfg,
			provider: block(urls + fmt.Sprintf("  access_token = %q", apiOnly.AccessToken)),
			summary:  "Unable to Create IAM Client",
			detail: `The provider's access token (access_token, or ARITMA_ACCESS_TOKEN) lacks an OAuth scope the IAM API ` +
				`needs (services.iam), and holds the scopes it was issued with, whatever the provider's scopes says: request ` +
				`it with services.iam (aritma_iam_access_token's scopes) from a client allowed that scope.`},
		{name: "provider token without the services.iam scope, listing every client", stage: stagePlanReads,
			config: "data \"aritma_iam_clients\" \"all\" {}\n", provider: block(urls + creds + `  scopes = ["api"]`),
			summary: "Unable to List IAM Clients",
			detail:  `Listing the IAM clients failed. GET /v1/clients?page=1&pageSize=100: 403 Forbidden: the access token lacks the scope services.iam`},
	}
	runBadInputRows(t, e, rows)
}
