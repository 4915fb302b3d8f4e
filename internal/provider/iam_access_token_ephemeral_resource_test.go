package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
)

// testAccEchoProviderFactories adds the echo provider, which copies an ephemeral value into the
// state of an echo resource so a test can look at it. Only tests use it; a real configuration
// cannot store an ephemeral value anywhere.
func testAccEchoProviderFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	f := map[string]func() (tfprotov6.ProviderServer, error){"echo": echoprovider.NewProviderServer()}
	for k, v := range testAccProtoV6ProviderFactories {
		f[k] = v
	}
	return f
}

// testAccTokenClient creates a client allowed the scopes services.iam and api, with one secret.
func testAccTokenClient(t *testing.T, e *testEnv) (clientID, secret string) {
	t.Helper()
	ctx := testContext(t)
	c, err := e.API.CreateClient(ctx, iam.ClientRequest{
		Name:              "token-consumer",
		AllowedGrantTypes: []string{"client_credentials"},
		AllowedScopes:     []string{"services.iam", "api"},
	})
	if err != nil {
		t.Fatal(err)
	}
	secret = "token-secret-0123456789"
	if _, err := e.API.CreateClientSecret(ctx, c.ClientID, iam.SecretRequest{Value: secret}); err != nil {
		t.Fatal(err)
	}
	return c.ClientID, secret
}

// bearerStatus calls GET /v1/actions of the mock with token: 200 for a live token with
// services.iam (the catalogue needs no IAM permission), 403 without that scope, 401 otherwise.
func bearerStatus(ctx context.Context, e *testEnv, token string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.Mock.URL+"/v1/actions", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// valueCheck is a knownvalue.Check from a function.
type valueCheck struct {
	desc  string
	check func(any) error
}

func (c valueCheck) CheckValue(v any) error { return c.check(v) }
func (c valueCheck) String() string         { return c.desc }

// tokenAnswers expects a string that the mock answers with status when used as a bearer token.
func tokenAnswers(t *testing.T, e *testEnv, status int) knownvalue.Check {
	return valueCheck{desc: fmt.Sprintf("a token the API answers with %d", status), check: func(v any) error {
		s, ok := v.(string)
		if !ok || s == "" {
			return fmt.Errorf("expected a non-empty token, got %T %v", v, v)
		}
		got, err := bearerStatus(testContext(t), e, s)
		if err != nil {
			return err
		}
		if got != status {
			return fmt.Errorf("the API answered the token with %d, want %d", got, status)
		}
		return nil
	}}
}

// expiresWithin expects an RFC 3339 time between now and now+d.
func expiresWithin(d time.Duration) knownvalue.Check {
	return valueCheck{desc: "an RFC 3339 time within " + d.String(), check: func(v any) error {
		s, _ := v.(string)
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return fmt.Errorf("expires_at %q is not RFC 3339: %w", s, err)
		}
		if now := time.Now(); !at.After(now) || at.After(now.Add(d)) {
			return fmt.Errorf("expires_at %s is not within %s of now", s, d)
		}
		return nil
	}}
}

// noLiveTokenInState fails when any string anywhere in the state works as a bearer token at the
// mock: an ephemeral token must never be persisted, whatever attribute it might leak into.
type noLiveTokenInState struct {
	t *testing.T
	e *testEnv
}

func (c noLiveTokenInState) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		resp.Error = errors.New("no state to inspect")
		return
	}
	var strs []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			strs = append(strs, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	if len(req.State.Values.RootModule.ChildModules) > 0 {
		resp.Error = errors.New("this check only walks the root module")
		return
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if strings.HasPrefix(r.Address, "ephemeral.") {
			resp.Error = fmt.Errorf("the state holds the ephemeral resource %s", r.Address)
			return
		}
		for _, v := range r.AttributeValues {
			walk(v)
		}
	}
	for _, o := range req.State.Values.Outputs {
		walk(o.Value)
	}
	if len(strs) == 0 {
		resp.Error = errors.New("the state holds no strings at all; the check proves nothing")
		return
	}
	for _, s := range strs {
		status, err := bearerStatus(ctx, c.e, s)
		if err != nil {
			resp.Error = err
			return
		}
		if status != http.StatusUnauthorized {
			resp.Error = fmt.Errorf("a string in the state is a live access token (the API answered %d)", status)
			return
		}
	}
}

func TestAccIAMAccessTokenEphemeralResource_basic(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	clientID, secret := testAccTokenClient(t, e)
	data := tfjsonpath.New("data")

	resource.Test(t, resource.TestCase{
		// Ephemeral resources arrived in Terraform 1.10.
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: testAccEchoProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfig() + fmt.Sprintf(`
ephemeral "aritma_iam_access_token" "all_scopes" {
  client_id     = %[1]q
  client_secret = %[2]q
}

ephemeral "aritma_iam_access_token" "api_only" {
  client_id     = %[1]q
  client_secret = %[2]q
  scopes        = ["api"]
  token_url     = %[3]q
}

# "" is unset, as in the provider block: a module's variable may default to it.
ephemeral "aritma_iam_access_token" "empty_url" {
  client_id     = %[1]q
  client_secret = %[2]q
  token_url     = ""
}

provider "echo" {
  data = {
    all_scopes = ephemeral.aritma_iam_access_token.all_scopes
    api_only   = ephemeral.aritma_iam_access_token.api_only
    empty_url  = ephemeral.aritma_iam_access_token.empty_url
  }
}

resource "echo" "tokens" {}
`, clientID, secret, e.Mock.TokenURL),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.tokens", data.AtMapKey("all_scopes").AtMapKey("access_token"), tokenAnswers(t, e, http.StatusOK)),
					statecheck.ExpectKnownValue("echo.tokens", data.AtMapKey("all_scopes").AtMapKey("scope"),
						knownvalue.StringRegexp(regexp.MustCompile(`^(services\.iam api|api services\.iam)$`))),
					statecheck.ExpectKnownValue("echo.tokens", data.AtMapKey("all_scopes").AtMapKey("token_type"), knownvalue.StringRegexp(regexp.MustCompile(`(?i)^bearer$`))),
					statecheck.ExpectKnownValue("echo.tokens", data.AtMapKey("all_scopes").AtMapKey("expires_at"), expiresWithin(2*time.Hour)),
					// The provider's token_url is the default.
					statecheck.ExpectKnownValue("echo.tokens", data.AtMapKey("all_scopes").AtMapKey("token_url"), knownvalue.StringExact(e.Mock.TokenURL)),
					statecheck.ExpectKnownValue("echo.tokens", data.AtMapKey("all_scopes").AtMapKey("client_id"), knownvalue.StringExact(clientID)),
					statecheck.ExpectKnownValue("echo.tokens", data.AtMapKey("all_scopes").AtMapKey("scopes"), knownvalue.Null()),
					// A token without services.iam is valid but may not call the IAM API.
					statecheck.ExpectKnownValue("echo.tokens", data.AtMapKey("api_only").AtMapKey("access_token"), tokenAnswers(t, e, http.StatusForbidden)),
					statecheck.ExpectKnownValue("echo.tokens", data.AtMapKey("api_only").AtMapKey("scope"), knownvalue.StringExact("api")),
					// The provider's token_url was used (the token works), but the result keeps what was configured.
					statecheck.ExpectKnownValue("echo.tokens", data.AtMapKey("empty_url").AtMapKey("token_url"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue("echo.tokens", data.AtMapKey("empty_url").AtMapKey("access_token"), tokenAnswers(t, e, http.StatusOK)),
				},
			},
		},
	})
}

// The token configures a second provider instance, which reads through it; nothing in the
// state works as a token afterwards, and the ephemeral resource itself is not in the state.
func TestAccIAMAccessTokenEphemeralResource_notInState(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	clientID, secret := testAccTokenClient(t, e)
	config := e.ProviderConfig() + fmt.Sprintf(`
ephemeral "aritma_iam_access_token" "svc" {
  client_id     = %[1]q
  client_secret = %[2]q
  scopes        = ["services.iam"]
}

provider "aritma" {
  alias        = "as_service"
  endpoint     = %[3]q
  token_url    = %[4]q
  access_token = ephemeral.aritma_iam_access_token.svc.access_token
}

data "aritma_iam_actions" "as_service" {
  provider = aritma.as_service
}

output "read_through_token" {
  value = length(data.aritma_iam_actions.as_service.names) > 0
}
`, clientID, secret, e.Mock.URL, e.Mock.TokenURL)

	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aritma_iam_actions.as_service", tfjsonpath.New("names"), knownvalue.SetPartial([]knownvalue.Check{
						knownvalue.StringExact("iam.client.read"),
					})),
					statecheck.ExpectKnownOutputValue("read_through_token", knownvalue.Bool(true)),
					noLiveTokenInState{t: t, e: e},
				},
			},
			{
				// Planning again opens the ephemeral resource again and changes nothing.
				Config:   config,
				PlanOnly: true,
			},
		},
	})
}

func TestAccIAMAccessTokenEphemeralResource_invalid(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	clientID, _ := testAccTokenClient(t, e)
	cfg := func(body string) string {
		return e.ProviderConfig() + `
ephemeral "aritma_iam_access_token" "x" {
` + body + `
}

provider "echo" {
  data = ephemeral.aritma_iam_access_token.x
}

resource "echo" "x" {}
`
	}
	withTimeout := withProviderLine(cfg(fmt.Sprintf(`client_id = %q
client_secret = "token-secret-0123456789"`, clientID)), `request_timeout = "1s"`)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: testAccEchoProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cfg(fmt.Sprintf(`client_id = %q
client_secret = "wrong-secret-123"`, clientID)),
				ExpectError: regexp.MustCompile(`(?s)Unable to Get Access Token.*Exchanging the credentials of client.*invalid_client.*Check client_id and client_secret.*` +
					expectErrorText(`If client_secret comes from an aritma_iam_client_secret that this apply creates or replaces, also set secret_id = aritma_iam_client_secret.<name>.secret_id`).String() +
					`(?s:.*)` + expectErrorText(`(To destroy the configuration regardless, destroy it without a refresh, which does not plan it first: terraform destroy -refresh=false, or tofu destroy -refresh=false with OpenTofu.)`).String()),
			},
			{
				// With secret_id, the likely cause is a value_wo changed without its version.
				Config: cfg(fmt.Sprintf(`client_id = %q
client_secret = "wrong-secret-123"
secret_id = "0b5e2a41-0000-4000-8000-000000000000"`, clientID)),
				ExpectError: regexp.MustCompile(`(?s)Unable to Get Access Token.*invalid_client.*` + expectErrorText(`If client_secret `+
					`is the value_wo of that secret and you changed it, change its value_wo_version too: Terraform cannot see a `+
					`change of a write-only value, so the secret was not replaced and the server still holds the old value. Every `+
					`refused attempt counts toward the token endpoint's limit of failed attempts for the client, which then `+
					`refuses even the right secret for a while.`).String()),
			},
			{
				// A token URL with no token endpoint behind it is named as the fault.
				Config: cfg(fmt.Sprintf(`client_id = %q
client_secret = "token-secret-0123456789"
token_url = "%s/oauth/token"`, clientID, e.Mock.URL)),
				ExpectError: regexp.MustCompile(`(?s)Unable to Get Access Token.*404.*` +
					expectErrorText(`The token URL answered as if there were no token endpoint there: check token_url (or ARITMA_TOKEN_URL).`).String()),
			},
			{
				// A scope the client is not allowed.
				Config: cfg(fmt.Sprintf(`client_id = %q
client_secret = "token-secret-0123456789"
scopes = ["bankservice"]`, clientID)),
				ExpectError: regexp.MustCompile(`(?s)Unable to Get Access Token.*invalid_scope.*` +
					expectErrorText(`Request only scopes in the client's allowed_scopes, or leave scopes unset to get all of them.`).String()),
			},
			{
				Config: cfg(fmt.Sprintf(`client_id = %q
client_secret = "wrong-secret-123"
scopes = ["services.iam", "bank service"]`, clientID)),
				ExpectError: expectErrorText(`scope must not contain whitespace (character 5 of 12 is).`),
			},
			{
				Config: cfg(fmt.Sprintf(`client_id = %q
client_secret = "token-secret-0123456789"
scopes = ["services.iam", null]`, clientID)),
				ExpectError: expectErrorText(`scopes must not contain null: a null element (such as an optional variable left ` +
					`unset) cannot be sent to the API. Leave it out, for example with compact([...]).`),
			},
			{
				// The secret is right but the client lost client_credentials (taken away outside
				// Terraform, say): the error says so, not "check the secret".
				PreConfig: func() {
					if _, err := e.API.UpdateClient(testContext(t), clientID, iam.ClientRequest{Name: "token-consumer",
						AllowedGrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://app.example.com/cb"},
						AllowedScopes: []string{"services.iam", "api"}}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg(fmt.Sprintf(`client_id = %q
client_secret = "token-secret-0123456789"`, clientID)),
				ExpectError: regexp.MustCompile(`(?s)Unable to Get Access Token.*unauthorized_client.*` + expectErrorText(`The secret was `+
					`accepted, but the client does not allow the client_credentials grant: add it to the client's allowed_grant_types. `+
					`If this configuration manages the client and its plan gives the grant back, apply the client first (terraform `+
					`apply -target=<the client's resource address>, or tofu apply with the same flag), then the rest: this is checked at plan time, with the client `+
					`as the API holds it.`).String()),
			},
			{
				PreConfig: func() {
					if _, err := e.API.UpdateClient(testContext(t), clientID, iam.ClientRequest{Name: "token-consumer",
						AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"services.iam", "api"}}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg(fmt.Sprintf(`client_id = %q
client_secret = "token-secret-0123456789"`, clientID)),
			},
			{
				// A null secret (an imported secret's value is one) is explained, not blamed on the
				// provider as a required attribute's would be; so is one left out.
				Config: cfg(fmt.Sprintf(`client_id = %q
client_secret = null`, clientID)),
				ExpectError: regexp.MustCompile(`(?s)Missing Client Secret.*` + expectErrorText(fmt.Sprintf(`client_secret is null, so there is no secret of client %q `+
					`to exchange for a token. Where it is the value of an aritma_iam_client_secret, Terraform does not hold that secret's `+
					`value: the secret was imported (the API never shows a secret's value again) or its value is given as value_wo, `+
					`which is never stored. Pass the value from where it is kept (for value_wo, the same ephemeral source), replace `+
					`the secret so that Terraform holds its new value (terraform apply -replace=<the secret's address>, or tofu apply with the same flag), or leave this `+
					`check out until then.`, clientID)).String()),
			},
			{
				Config:      cfg(fmt.Sprintf(`client_id = %q`, clientID)),
				ExpectError: expectErrorText(fmt.Sprintf(`client_secret is null, so there is no secret of client %q to exchange`, clientID)),
			},
			{
				Config: cfg(fmt.Sprintf(`client_id = %q
client_secret = "x"
token_url = "http://id.example.com/connect/token"`, clientID)),
				ExpectError: expectErrorText(`"http://id.example.com/connect/token" uses http; only https is allowed, except for a loopback host such as localhost, 127.0.0.1 or [::1].`),
			},
			{
				// A provider on the mock with access_token checks no token_url of its own, but this
				// resource's secret must not go to the default, the dev environment's identity server.
				Config: e.ProviderConfigWith("token_url", "", "client_id", "", "client_secret", "", "access_token", e.AdminToken(t)) + `
ephemeral "aritma_iam_access_token" "x" {
  client_id     = "` + clientID + `"
  client_secret = "token-secret-0123456789"
}

provider "echo" {
  data = ephemeral.aritma_iam_access_token.x
}

resource "echo" "x" {}
`,
				ExpectError: expectErrorText(`The provider's endpoint is "` + e.Mock.URL + `", but neither this resource's token_url ` +
					`nor the provider's token_url (ARITMA_TOKEN_URL) is set, and their default, "https://id.dev.aritma.io/connect/token", ` +
					`is the identity server of the API at "https://api.dev.aritma.io/core/iam": the client secret would be sent ` +
					`there. Set token_url here or in the provider to the token endpoint that issues tokens for that API, such as "` +
					e.Mock.URL + `/connect/token" for the mock.`),
			},
			{
				// The provider's request_timeout bounds the exchange too (it waited 30 s regardless).
				PreConfig: func() { e.Mock.SetFaults(mockserver.Faults{LatencyMS: 5000}) },
				Config:    withTimeout,
				ExpectError: expectErrorTexts(`Unable to Get Access Token`, `requesting a token from`, `failed`,
					`A request to the API or its token endpoint got no answer within the provider's request_timeout `+
						`(30s unless set). Raise request_timeout in the provider block, or ARITMA_REQUEST_TIMEOUT, for a slow API.`),
			},
			{
				// Without the latency the same configuration works (and can be destroyed).
				PreConfig: func() { e.Mock.SetFaults(mockserver.Faults{}) },
				Config:    withTimeout,
			},
		},
	})
}

// The documented way to prove a rotated secret works before the old one goes: secret_id keeps the
// token until apply (when the new secret exists; a value_wo is known at plan and would be tried
// before), and a terraform_data postcondition needs the token during apply, which makes every CLI
// open it there. With create_before_destroy, a new secret that does not work fails the apply
// before the old secret is deleted, so the client is never left without a working secret.
func TestAccIAMAccessTokenEphemeralResource_verifiesRotation(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	config := func(version int, value, tokenSecret string) string {
		return e.ProviderConfig() + fmt.Sprintf(`
resource "aritma_iam_client" "svc" {
  name                = "rotating-service"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["services.iam", "api"]
}

resource "aritma_iam_client_secret" "wo" {
  client_id        = aritma_iam_client.svc.client_id
  value_wo         = %[2]q
  value_wo_version = %[1]d

  lifecycle {
    create_before_destroy = true
  }
}

ephemeral "aritma_iam_access_token" "verify" {
  client_id     = aritma_iam_client.svc.client_id
  client_secret = %[3]q
  secret_id     = aritma_iam_client_secret.wo.secret_id
}

resource "terraform_data" "secret_works" {
  triggers_replace = aritma_iam_client_secret.wo.id

  lifecycle {
    postcondition {
      condition     = ephemeral.aritma_iam_access_token.verify.access_token != ""
      error_message = "The secret did not yield a token."
    }
  }
}
`, version, value, tokenSecret)
	}
	var clientID, first, second string
	// secrets are the ids of the client's secrets on the server.
	secrets := func() []string {
		var ids []string
		for s, err := range e.API.ListClientSecrets(ctx, clientID) {
			if err != nil {
				t.Fatalf("listing the client's secrets: %v", err)
			}
			ids = append(ids, s.ClientSecretID)
		}
		return ids
	}
	holdsOnly := func(want *string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got := secrets(); len(got) != 1 || got[0] != *want {
				return fmt.Errorf("the client holds secrets %v, want only %s", got, *want)
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: config(1, "first-value-0123456", "first-value-0123456"),
				Check: resource.ComposeTestCheckFunc(
					testAccCaptureAttr("aritma_iam_client.svc", "client_id", &clientID),
					testAccCaptureAttr("aritma_iam_client_secret.wo", "secret_id", &first),
					holdsOnly(&first)),
			},
			{
				// A rotation whose token is tried at plan would fail here: the new value is not on
				// the server before apply.
				Config: config(2, "second-value-012345", "second-value-012345"),
				Check: resource.ComposeTestCheckFunc(
					testAccCaptureAttr("aritma_iam_client_secret.wo", "secret_id", &second),
					func(*terraform.State) error {
						if second == first {
							return errors.New("the secret was not replaced")
						}
						return nil
					},
					holdsOnly(&second)),
			},
			{
				// The new secret is created, its check fails, and the old one stays.
				Config: config(3, "third-value-0123456", "not-the-third-value"),
				ExpectError: regexp.MustCompile(`(?s)Unable to Get Access Token.*Exchanging the credentials of client "[^"]+"\s+\(secret\s+"[^"]+"\).*invalid_client.*` +
					`The\s+secret\s+was\s+created\s+moments\s+ago,\s+so\s+it\s+was\s+tried\s+again\s+for\s+8s`),
			},
			{
				PreConfig: func() {
					if got := secrets(); len(got) != 2 || !slices.Contains(got, second) {
						t.Fatalf("after the failed rotation the client holds secrets %v, want the old %s and the new one", got, second)
					}
					if _, err := iam.ExchangeToken(ctx, iam.TokenRequest{TokenURL: e.Mock.TokenURL, ClientID: clientID,
						ClientSecret: "second-value-012345"}); err != nil {
						t.Fatalf("the old secret stopped working after the failed rotation: %v", err)
					}
				},
				// Fixed, the apply checks the new secret and only then deletes the old one.
				Config: config(3, "third-value-0123456", "third-value-0123456"),
				Check: func(s *terraform.State) error {
					third, err := testAccStateAttr(s, "aritma_iam_client_secret.wo", "secret_id")
					if err != nil {
						return err
					}
					return holdsOnly(&third)(s)
				},
			},
		},
	})
}

// testAccVerifiedSecretConfig is a client (clientBody its arguments), a generated secret of it, and
// the check that the secret yields a token, made once the secret exists (secret_id), as the docs
// show it.
func testAccVerifiedSecretConfig(clientBody string) string {
	return `
resource "aritma_iam_client" "svc" {` + clientBody + `
}

resource "aritma_iam_client_secret" "svc" {
  client_id = aritma_iam_client.svc.client_id
}

ephemeral "aritma_iam_access_token" "verify" {
  client_id     = aritma_iam_client.svc.client_id
  client_secret = aritma_iam_client_secret.svc.value
  secret_id     = aritma_iam_client_secret.svc.secret_id
}

resource "terraform_data" "secret_works" {
  triggers_replace = aritma_iam_client_secret.svc.id

  lifecycle {
    postcondition {
      condition     = ephemeral.aritma_iam_access_token.verify.access_token != ""
      error_message = "The secret did not yield a token."
    }
  }
}
`
}

// A secret this apply has just created may reach the token endpoint late: the check of it
// (secret_id set) tries again while the endpoint refuses it, instead of failing a rotation that
// works.
func TestAccIAMAccessTokenEphemeralResource_freshSecretLate(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	var mu sync.Mutex
	refusals := 2 // the first token requests of the service are refused
	refused := 0
	proxy := testAccProxy(t, e, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/connect/token") {
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				form, _ := url.ParseQuery(string(body))
				user, _, basic := r.BasicAuth()
				if !basic {
					user = form.Get("client_id")
				}
				mu.Lock()
				refuse := user != e.Mock.AdminClientID() && refused < refusals
				if refuse {
					refused++
				}
				mu.Unlock()
				if refuse {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusUnauthorized)
					_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	})
	config := e.ProviderConfigWith("token_url", proxy+"/connect/token") + testAccVerifiedSecretConfig(`
  name                = "late-secret"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]`)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
		Steps: []resource.TestStep{{
			Config: config,
			Check: func(*terraform.State) error {
				mu.Lock()
				defer mu.Unlock()
				if refused != refusals {
					return fmt.Errorf("the token endpoint refused %d requests, want %d: the retry was not tested", refused, refusals)
				}
				return nil
			},
		}},
	})
}

// TestAccIAMAccessTokenEphemeralResource_grantNotAllowedNotRetried: a secret created moments ago
// and accepted, of a client without client_credentials, is not tried again as a secret that may
// have reached the token endpoint late (every try would be refused alike), and the error says
// what does help.
func TestAccIAMAccessTokenEphemeralResource_grantNotAllowedNotRetried(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	config := e.ProviderConfig() + testAccVerifiedSecretConfig(`
  name                = "web-only"
  allowed_grant_types = ["authorization_code"]
  redirect_uris       = ["https://app.example.com/cb"]
  allowed_scopes      = ["api"]`)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			if n := e.Mock.Stats().CountStatus("POST", "/connect/token", http.StatusBadRequest); n != 1 {
				return fmt.Errorf("the token endpoint answered unauthorized_client %d times, want once: the check was tried again", n)
			}
			return testAccCheckIAMClientDestroy(t, e)(s)
		},
		Steps: []resource.TestStep{{
			Config: config,
			ExpectError: regexp.MustCompile(`(?s)unauthorized_client.*` + expectErrorText(`The secret was accepted, but the client `+
				`does not allow the client_credentials grant`).String() + `.*` + expectErrorText(`first give the client the `+
				`client_credentials grant.`).String()),
		}},
	})
}

// TestAccIAMAccessTokenEphemeralResource_retries: a token endpoint that answers 429 (with
// Retry-After) or 503 for a while is waited out, as for the provider's own token; a single
// answer of either no longer fails the plan.
func TestAccIAMAccessTokenEphemeralResource_retries(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	clientID, secret := testAccTokenClient(t, e)
	var unavailable atomic.Int64
	flaky := testAccProxy(t, e, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/connect/token" && unavailable.Add(1) <= 2 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	data := tfjsonpath.New("data")
	// throughFlaky is a configuration that exchanges the token through the proxy, after provider.
	throughFlaky := func(provider string) string {
		return provider + fmt.Sprintf(`
ephemeral "aritma_iam_access_token" "t" {
  client_id     = %[1]q
  client_secret = %[2]q
  token_url     = %[3]q
}

provider "echo" {
  data = ephemeral.aritma_iam_access_token.t.access_token
}

# A new resource: echo copies its provider's data when it is created.
resource "echo" "token" {}
`, clientID, secret, flaky+"/connect/token")
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: testAccEchoProviderFactories(),
		Steps: []resource.TestStep{
			{
				// One token request a second, three at once: two wait for their Retry-After.
				PreConfig: func() { e.Mock.SetFaults(mockserver.Faults{RateLimitRPS: 1, RateLimitBurst: 1}) },
				Config: e.ProviderConfig() + fmt.Sprintf(`
ephemeral "aritma_iam_access_token" "t" {
  count         = 3
  client_id     = %[1]q
  client_secret = %[2]q
}

provider "echo" {
  data = ephemeral.aritma_iam_access_token.t[*].access_token
}

resource "echo" "tokens" {}
`, clientID, secret),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.tokens", data.AtSliceIndex(2), tokenAnswers(t, e, http.StatusOK)),
				},
				Check: func(*terraform.State) error {
					e.Mock.SetFaults(mockserver.Faults{})
					if n := e.Mock.Stats().Count("POST", "/connect/token") - e.Mock.Stats().Requests["POST /connect/token 200"]; n == 0 {
						return fmt.Errorf("the mock never answered 429: the rate limit was not in force")
					}
					return nil
				},
			},
			{
				// The first two token requests are answered 503.
				Config: throughFlaky(e.ProviderConfig()),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.token", data, tokenAnswers(t, e, http.StatusOK)),
				},
				Check: func(*terraform.State) error {
					if n := unavailable.Load(); n < 3 {
						return fmt.Errorf("%d token requests through the proxy, want at least 3 (two 503s, then a token)", n)
					}
					return nil
				},
			},
			{
				// With max_retries = 0, a 503 is the answer. (One more 503 only: the test's destroy
				// opens the ephemeral resource again.)
				PreConfig:   func() { unavailable.Store(1) },
				Config:      throughFlaky(e.ProviderConfigWith("max_retries", "0")),
				ExpectError: expectErrorText(`issued no token: 503 Service Unavailable`),
			},
		},
	})
}

// Without scopes, the token request names the client's allowed scopes, read through the provider
// (Aritma's identity server documents scope as required); a provider that cannot read the client
// sends no scope, which the mock answers with every allowed scope.
func TestAccIAMAccessTokenEphemeralResource_requestsAllowedScopes(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	clientID, secret := testAccTokenClient(t, e)
	// A provider client that may get a token but holds no IAM permission: it cannot read clients.
	weak, err := e.API.CreateClient(testContext(t), iam.ClientRequest{Name: "no-permissions",
		AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"services.iam"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.API.CreateClientSecret(testContext(t), weak.ClientID, iam.SecretRequest{Value: "weak-secret-0123"}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var asked []string // the scope parameter of each token request for clientID ("<none>" when absent)
	var refuseNamed atomic.Bool
	proxy := testAccProxy(t, e, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/connect/token" {
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				if form, err := url.ParseQuery(string(body)); err == nil && form.Get("client_id") == clientID {
					mu.Lock()
					if form.Has("scope") {
						asked = append(asked, form.Get("scope"))
					} else {
						asked = append(asked, "<none>")
					}
					mu.Unlock()
					if form.Has("scope") && refuseNamed.Load() {
						// An identity server that does not issue one of the allowed scopes this way.
						w.Header().Set("Content-Type", "application/json")
						w.WriteHeader(http.StatusBadRequest)
						_, _ = w.Write([]byte(`{"error":"invalid_scope"}`))
						return
					}
				}
			}
			next.ServeHTTP(w, r)
		})
	})
	// echo copies its provider's data when it is created, so each step has its own. tokenURL is
	// the ephemeral resource's own token_url ("" for none).
	cfgWith := func(echo, tokenURL string, providerCreds ...string) string {
		return e.ProviderConfigWith(append([]string{"endpoint", proxy, "token_url", proxy + "/connect/token"}, providerCreds...)...) + fmt.Sprintf(`
ephemeral "aritma_iam_access_token" "t" {
  client_id     = %q
  client_secret = %q
  token_url     = %q
}

provider "echo" {
  data = ephemeral.aritma_iam_access_token.t.scope
}

resource "echo" %q {}
`, clientID, secret, tokenURL, echo)
	}
	cfg := func(echo string, providerCreds ...string) string { return cfgWith(echo, "", providerCreds...) }
	// askedOnly checks that the token requests of the step asked for exactly these scopes, each
	// at least once.
	askedOnly := func(want ...string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			mu.Lock()
			defer mu.Unlock()
			seen := map[string]bool{}
			for _, a := range asked {
				seen[a] = true
			}
			if len(seen) != len(want) {
				return fmt.Errorf("token requests asked for scopes %q, want %q", asked, want)
			}
			for _, w := range want {
				if !seen[w] {
					return fmt.Errorf("token requests asked for scopes %q, want %q", asked, want)
				}
			}
			return nil
		}
	}
	reset := func() {
		mu.Lock()
		asked = nil // the runs after the previous step's check asked as that step did
		mu.Unlock()
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: testAccEchoProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cfg("named"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.named", tfjsonpath.New("data"), knownvalue.StringExact("api services.iam")),
				},
				Check: askedOnly("api services.iam"),
			},
			{
				PreConfig: reset,
				Config:    cfg("unnamed", "client_id", weak.ClientID, "client_secret", "weak-secret-0123"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.unnamed", tfjsonpath.New("data"), knownvalue.StringExact("services.iam api")),
				},
				Check: askedOnly("<none>"),
			},
			{
				// A token endpoint of its own (here the same proxy, spelt differently) is another
				// environment as far as the provider knows: its client ids are not looked up.
				PreConfig: reset,
				Config:    cfgWith("elsewhere", strings.Replace(proxy, "127.0.0.1", "localhost", 1)+"/connect/token"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.elsewhere", tfjsonpath.New("data"), knownvalue.StringExact("services.iam api")),
				},
				Check: askedOnly("<none>"),
			},
			{
				// Allowed scopes the endpoint refuses to name: asked again for none, which works.
				PreConfig: func() { reset(); refuseNamed.Store(true) },
				Config:    cfg("refused"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.refused", tfjsonpath.New("data"), knownvalue.StringExact("services.iam api")),
				},
				Check: askedOnly("api services.iam", "<none>"),
			},
		},
	})
}

// TestAccIAMAccessTokenEphemeralResource_importedSecret: checking an imported secret, whose value
// Terraform does not hold, fails the plan saying so (it failed with the framework's "Missing
// Configuration for Required Attribute … contact the provider developers"), and creates nothing.
func TestAccIAMAccessTokenEphemeralResource_importedSecret(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	clientID, _ := testAccTokenClient(t, e)
	var secretID string
	for s, err := range e.API.ListClientSecrets(testContext(t), clientID) {
		if err != nil {
			t.Fatal(err)
		}
		secretID = s.ClientSecretID
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: testAccEchoProviderFactories(),
		Steps: []resource.TestStep{{
			Config: e.ProviderConfig() + fmt.Sprintf(`
import {
  to = aritma_iam_client_secret.legacy
  id = "%[1]s/%[2]s"
}

resource "aritma_iam_client_secret" "legacy" {
  client_id = %[1]q
}

ephemeral "aritma_iam_access_token" "check" {
  client_id     = %[1]q
  client_secret = aritma_iam_client_secret.legacy.value
  secret_id     = aritma_iam_client_secret.legacy.secret_id
}

provider "echo" {
  data = ephemeral.aritma_iam_access_token.check
}

resource "echo" "x" {}
`, clientID, secretID),
			ExpectError: regexp.MustCompile(`(?s)Missing Client Secret.*` + expectErrorText(fmt.Sprintf(`client_secret is null, so there is no secret of client %q `+
				`to exchange for a token. Where it is the value of an aritma_iam_client_secret, Terraform does not hold that secret's `+
				`value: the secret was imported`, clientID)).String()),
		}},
		CheckDestroy: func(*terraform.State) error {
			if n := e.Mock.Stats().Count("POST", "/v1/clients/{clientId}/secrets"); n != 1 {
				return fmt.Errorf("%d secret creates, want only the test's own", n)
			}
			return nil
		},
	})
}
