package provider

import (
	"context"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
)

// testAccProviderConfigResource is a resource that makes Terraform configure the provider.
const testAccProviderConfigResource = `
resource "aritma_iam_client" "test" {
  name                = "provider-config"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}
`

// testAccExpectDiagnostic matches an error by its summary and its detail, with whatever the CLI
// prints between them (the "with ..." and "on ... line ..." lines of an attribute or resource).
func testAccExpectDiagnostic(summary, detail string) *regexp.Regexp {
	return expectErrorTexts("Error: "+summary, detail)
}

// testAccClearProviderEnv empties every ARITMA_* variable for this (serial) test, so a developer's
// own credentials cannot leak into, or mask a failure of, a test about provider configuration.
func testAccClearProviderEnv(t *testing.T) {
	for _, v := range []string{EnvEndpoint, EnvTokenURL, EnvClientID, EnvClientSecret, EnvAccessToken, EnvScopes,
		EnvMaxRetries, EnvRequestTimeout} {
		t.Setenv(v, "")
	}
}

// TestAccProvider_configMissingCredentials is serial: it clears the ARITMA_* environment.
func TestAccProvider_configMissingCredentials(t *testing.T) {
	testAccPreCheck(t)
	testAccClearProviderEnv(t)
	e := newTestEnv(t)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:   e.ProviderConfigWith("client_id", "", "client_secret", "") + testAccProviderConfigResource,
				PlanOnly: true,
				ExpectError: testAccExpectDiagnostic("Missing Aritma Credentials", `The provider needs credentials to call the Aritma `+
					`IAM API. Set client_id and client_secret (or the ARITMA_CLIENT_ID and ARITMA_CLIENT_SECRET environment `+
					`variables), or access_token (or ARITMA_ACCESS_TOKEN).`),
			},
			{
				Config:   e.ProviderConfigWith("client_secret", "") + testAccProviderConfigResource,
				PlanOnly: true,
				ExpectError: testAccExpectDiagnostic("Missing Aritma client_secret", `client_id is set but client_secret is not. Set `+
					`client_secret or the ARITMA_CLIENT_SECRET environment variable.`),
			},
		},
	})
}

// A provider whose credentials come from resources not created yet cannot be configured at plan
// time; the error names the attribute and the ways out, and nothing is created.
func TestAccProvider_configUnknown(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	config := e.ProviderConfig() + testAccProviderConfigResource + fmt.Sprintf(`
provider "aritma" {
  alias         = "service"
  endpoint      = %q
  token_url     = %q
  client_id     = aritma_iam_client.test.client_id
  client_secret = "a-secret-made-later"
}

data "aritma_iam_actions" "service" {
  provider = aritma.service
}
`, e.Mock.URL, e.Mock.TokenURL)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ExpectError: testAccExpectDiagnostic("Unknown Aritma client_id", `The provider cannot be configured with an `+
					`unknown value for client_id. Set it to a value known at plan time, leave it out of the provider block and use the ARITMA_CLIENT_ID environment `+
					`variable, or apply the resources it depends on first with -target.`),
			},
		},
	})
	if n := e.Mock.Stats().Count("POST", "/v1/clients"); n != 0 {
		t.Errorf("a plan that failed on provider configuration created %d clients", n)
	}
}

// One scope that is unknown at plan time is an error like an unknown list: the provider would ask
// for a token with "" among its scopes.
func TestAccProvider_configUnknownScope(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	config := e.ProviderConfig() + fmt.Sprintf(`
resource "terraform_data" "scope" {
  input = "services.iam"
}

provider "aritma" {
  alias         = "service"
  endpoint      = %q
  token_url     = %q
  client_id     = %q
  client_secret = %q
  scopes        = ["api", terraform_data.scope.output]
}

data "aritma_iam_actions" "service" {
  provider = aritma.service
}
`, e.Mock.URL, e.Mock.TokenURL, e.Mock.AdminClientID(), e.Mock.AdminClientSecret())

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ExpectError: testAccExpectDiagnostic("Unknown Aritma scopes", `The provider cannot be configured with an `+
					`unknown value for scopes. Set it to a value known at plan time, leave it out of the provider block and use the ARITMA_SCOPES environment `+
					`variable, or apply the resources it depends on first with -target.`),
			},
		},
	})
	if n := e.Mock.Stats().Count("POST", "/connect/token"); n > 0 {
		t.Errorf("%d token requests: the provider with an unknown scope asked for a token", n)
	}
}

func TestAccProvider_configBothCredentials(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      e.ProviderConfigWith("access_token", "not-a-real-token") + testAccProviderConfigResource,
				PlanOnly:    true,
				ExpectError: testAccExpectDiagnostic("Conflicting Aritma Credentials", `Set either access_token, or client_id and client_secret, not both.`),
			},
			{
				// "" is unset: a module passing both kinds through variables that default to ""
				// sets only the one filled in (Terraform validates the provider block again with
				// the variables' values before configuring it).
				Config:             withProviderLine(e.ProviderConfigWith(), `access_token = ""`) + testAccProviderConfigResource,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

// TestAccProvider_configCredentialsPrecedence is serial: it sets ARITMA_* variables. The kind of
// credentials the provider block sets wins over the other kind in the environment; each step's
// environment holds credentials that would fail, so a step that creates the client proves they
// were not used. Only both kinds in the environment, and none in the block, conflict.
func TestAccProvider_configCredentialsPrecedence(t *testing.T) {
	testAccPreCheck(t)
	testAccClearProviderEnv(t)
	e := newTestEnv(t)
	withToken := e.ProviderConfigWith("client_id", "", "client_secret", "", "access_token", e.AdminToken(t))
	envOnly := e.ProviderConfigWith("client_id", "", "client_secret", "")

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
		Steps: []resource.TestStep{
			{
				// Client id and secret in the block, a token that would be rejected in the environment.
				PreConfig: func() {
					testAccClearProviderEnv(t)
					t.Setenv(EnvAccessToken, "not-a-real-token")
				},
				Config: e.ProviderConfig() + testAccProviderConfigResource,
				Check:  resource.TestCheckResourceAttrSet("aritma_iam_client.test", "id"),
			},
			{
				// A token in the block, a client id and secret that would be rejected in the environment.
				PreConfig: func() {
					testAccClearProviderEnv(t)
					t.Setenv(EnvClientID, "not-a-client")
					t.Setenv(EnvClientSecret, "not-a-secret")
				},
				Config:           withToken + testAccProviderConfigResource,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				PreConfig: func() {
					testAccClearProviderEnv(t)
					t.Setenv(EnvAccessToken, "not-a-real-token")
					t.Setenv(EnvClientID, e.Mock.AdminClientID())
					t.Setenv(EnvClientSecret, e.Mock.AdminClientSecret())
				},
				Config:   envOnly + testAccProviderConfigResource,
				PlanOnly: true,
				ExpectError: testAccExpectDiagnostic("Conflicting Aritma Credentials", `Both ARITMA_ACCESS_TOKEN and `+
					`ARITMA_CLIENT_ID/ARITMA_CLIENT_SECRET are set, and the provider block sets neither kind of `+
					`credentials. Unset one of them, or set access_token, or client_id and client_secret, in the `+
					`provider block: what the block sets wins over the other kind in the environment.`),
			},
			{
				// The block's credentials again, for the destroy.
				PreConfig: func() {
					testAccClearProviderEnv(t)
					t.Setenv(EnvAccessToken, "not-a-real-token")
				},
				Config: e.ProviderConfig() + testAccProviderConfigResource,
			},
		},
	})
}

func TestAccProvider_configHTTPEndpoint(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)

	config := func(endpoint, tokenURL string) string {
		return e.ProviderConfigWith("endpoint", endpoint, "token_url", tokenURL) + testAccProviderConfigResource
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:   config("http://iam.example.com/core/iam", e.Mock.TokenURL),
				PlanOnly: true,
				ExpectError: testAccExpectDiagnostic("Invalid Aritma endpoint", `"http://iam.example.com/core/iam" uses http; only `+
					`https is allowed, except for a loopback host such as localhost, 127.0.0.1 or [::1].`),
			},
			{
				// The parsed host decides: a name that merely starts with "localhost" is not loopback.
				Config:   config(e.Mock.URL, "http://localhost.example.com/connect/token"),
				PlanOnly: true,
				ExpectError: testAccExpectDiagnostic("Invalid Aritma token_url", `"http://localhost.example.com/connect/token" uses `+
					`http; only https is allowed, except for a loopback host such as localhost, 127.0.0.1 or [::1].`),
			},
			{
				Config:      config("iam.example.com", e.Mock.TokenURL),
				PlanOnly:    true,
				ExpectError: testAccExpectDiagnostic("Invalid Aritma endpoint", `"iam.example.com" is not an absolute http(s) URL.`),
			},
		},
	})
}

func TestAccProvider_configBadRequestTimeout(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)

	config := func(settings ...string) string {
		return e.ProviderConfigWith(settings...) + testAccProviderConfigResource
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config("request_timeout", "soon"),
				PlanOnly:    true,
				ExpectError: testAccExpectDiagnostic("Invalid Aritma request_timeout", `"soon" is not a positive duration such as "30s" or "2m".`),
			},
			{
				Config:      config("request_timeout", "-5s"),
				PlanOnly:    true,
				ExpectError: testAccExpectDiagnostic("Invalid Aritma request_timeout", `"-5s" is not a positive duration such as "30s" or "2m".`),
			},
			{
				Config:      config("max_retries", "-1"),
				PlanOnly:    true,
				ExpectError: testAccExpectDiagnostic("Invalid Aritma max_retries", `max_retries must be a whole number from 0 to 100, got -1.`),
			},
			{
				// "Retry for ever" written as a huge number: refused, not left to overflow.
				Config:      config("max_retries", "9223372036854775807"),
				PlanOnly:    true,
				ExpectError: testAccExpectDiagnostic("Invalid Aritma max_retries", `max_retries must be a whole number from 0 to 100, got 9223372036854775807.`),
			},
			{
				// Valid settings work end to end.
				Config: config("request_timeout", "10s", "max_retries", "0"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("name"), knownvalue.StringExact("provider-config")),
				},
			},
		},
	})
}

// TestAccProvider_configEnvVars is serial: the whole configuration comes from ARITMA_* variables.
func TestAccProvider_configEnvVars(t *testing.T) {
	testAccPreCheck(t)
	testAccClearProviderEnv(t)
	e := newTestEnv(t)
	t.Setenv(EnvEndpoint, e.Mock.URL)
	t.Setenv(EnvTokenURL, e.Mock.TokenURL)
	t.Setenv(EnvClientID, e.Mock.AdminClientID())
	t.Setenv(EnvClientSecret, e.Mock.AdminClientSecret())
	t.Setenv(EnvScopes, "services.iam")
	t.Setenv(EnvRequestTimeout, "20s")
	t.Setenv(EnvMaxRetries, "2")

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
		Steps: []resource.TestStep{
			{
				Config: `provider "aritma" {}` + testAccProviderConfigResource,
				Check: testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, iam.ClientRequest{
					Name: "provider-config", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"},
				}),
			},
			{
				// "" is unset, like null: a module passing every setting through variables that
				// default to "" still gets the environment's.
				Config: `provider "aritma" {
  endpoint        = ""
  token_url       = ""
  client_id       = ""
  client_secret   = ""
  access_token    = ""
  request_timeout = ""
}` + testAccProviderConfigResource,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAccProvider_configEnvVarsInvalid is serial: a bad value from the environment is reported
// at the attribute it stands in for.
func TestAccProvider_configEnvVarsInvalid(t *testing.T) {
	testAccPreCheck(t)
	testAccClearProviderEnv(t)
	e := newTestEnv(t)
	t.Setenv(EnvEndpoint, "http://iam.example.com")
	t.Setenv(EnvMaxRetries, "many")
	t.Setenv(EnvRequestTimeout, "abc")
	t.Setenv(EnvScopes, " , ")

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:   e.ProviderConfigWith("endpoint", "") + testAccProviderConfigResource,
				PlanOnly: true,
				ExpectError: testAccExpectDiagnostic("Invalid Aritma endpoint", `"http://iam.example.com" uses http; only https is `+
					`allowed, except for a loopback host such as localhost, 127.0.0.1 or [::1]. Set endpoint or ARITMA_ENDPOINT.`),
			},
			{
				Config:      e.ProviderConfig() + testAccProviderConfigResource,
				PlanOnly:    true,
				ExpectError: testAccExpectDiagnostic("Invalid Aritma max_retries", `ARITMA_MAX_RETRIES must be a whole number from 0 to 100, got "many".`),
			},
			{
				// Neither is in the block: the error names the variable to fix.
				Config:   e.ProviderConfig() + testAccProviderConfigResource,
				PlanOnly: true,
				ExpectError: testAccExpectDiagnostic("Invalid Aritma request_timeout",
					`ARITMA_REQUEST_TIMEOUT must be a positive duration such as "30s" or "2m", got "abc".`),
			},
			{
				Config:   e.ProviderConfig() + testAccProviderConfigResource,
				PlanOnly: true,
				ExpectError: testAccExpectDiagnostic("Invalid Aritma scopes",
					`ARITMA_SCOPES holds no scope, got " , ". Set it to scopes separated by commas or spaces, such as "services.iam", or unset it for the default.`),
			},
			{
				// Any Unicode space separates, as a no-break space pasted from a document does; what
				// is left must be a scope token.
				PreConfig: func() { t.Setenv(EnvScopes, "services.iam\u00a0bank\u00e5") },
				Config:    e.ProviderConfig() + testAccProviderConfigResource,
				PlanOnly:  true,
				ExpectError: testAccExpectDiagnostic("Invalid Aritma scopes",
					`ARITMA_SCOPES (scope 2 of 2): scope must hold only printable ASCII characters other than '"' and '\' (RFC 6749); character 5 of 5 is not one.`),
			},
			{
				// A token set from a file with its line break: refused at plan, naming the variable.
				PreConfig: func() { t.Setenv(EnvScopes, ""); t.Setenv(EnvAccessToken, "a-ready-token\r\n") },
				Config:    e.ProviderConfigWith("client_id", "", "client_secret", "") + testAccProviderConfigResource,
				PlanOnly:  true,
				ExpectError: testAccExpectDiagnostic("Invalid Aritma access_token", `ARITMA_ACCESS_TOKEN holds whitespace or a `+
					`control character, which no access token has: most likely the line break at the end of the file it was `+
					`read from. Set it without, for example with $(tr -d '[:space:]' < token-file).`),
			},
			{
				// A client secret set from a file with its line break: refused at plan, naming the
				// variable, not at the token endpoint as a wrong secret.
				PreConfig: func() {
					t.Setenv(EnvAccessToken, "")
					t.Setenv(EnvClientID, e.Mock.AdminClientID())
					t.Setenv(EnvClientSecret, e.Mock.AdminClientSecret()+"\n")
				},
				Config:   e.ProviderConfigWith("client_id", "", "client_secret", "") + testAccProviderConfigResource,
				PlanOnly: true,
				ExpectError: testAccExpectDiagnostic("Invalid Aritma client_secret", `ARITMA_CLIENT_SECRET holds a control `+
					`character, which the token endpoint would take as part of the secret: most likely the line break at the end `+
					`of the file it was read from. Set it without, for example with "$(tr -d '\r\n' < secret-file)".`),
			},
			{
				// endpoint set, token_url left to its default: the mock's admin secret must not go to
				// the dev environment's identity server.
				PreConfig: func() { t.Setenv(EnvClientID, ""); t.Setenv(EnvClientSecret, "") },
				Config:    e.ProviderConfigWith("token_url", "") + testAccProviderConfigResource,
				PlanOnly:  true,
				ExpectError: testAccExpectDiagnostic("Missing Aritma token_url", `endpoint is "`+e.Mock.URL+`", but token_url is `+
					`not set, and its default, "https://id.dev.aritma.io/connect/token", is the identity server of the API at `+
					`"https://api.dev.aritma.io/core/iam": the client secret would be sent there. Set token_url (or `+
					`ARITMA_TOKEN_URL) to the token endpoint that issues tokens for that API, such as "`+e.Mock.URL+`/connect/token" for the mock.`),
			},
		},
	})
}

func TestAccProvider_configAccessToken(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	tok := e.AdminToken(t)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfigWith("client_id", "", "client_secret", "", "access_token", tok) +
					testAccProviderConfigResource,
				Check: testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, iam.ClientRequest{
					Name: "provider-config", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"},
				}),
			},
		},
	})
}

func TestAccProvider_configBadCredentials(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	// Right credentials of a client that may not use client_credentials.
	ctx := testContext(t)
	noGrant, err := e.API.CreateClient(ctx, iam.ClientRequest{Name: "web-only", AllowedGrantTypes: []string{"authorization_code"},
		RedirectURIs: []string{"https://app.example.com/cb"}, AllowedScopes: []string{"services.iam"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.API.CreateClientSecret(ctx, noGrant.ClientID, iam.SecretRequest{Value: "web-only-secret-123"}); err != nil {
		t.Fatal(err)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfigWith("client_id", noGrant.ClientID, "client_secret", "web-only-secret-123") +
					testAccProviderConfigResource,
				ExpectError: regexp.MustCompile(`(?s)unauthorized_client.*` + expectErrorText(`The token endpoint accepted the `+
					`provider's credentials, but its client does not allow the client_credentials grant: add it to that `+
					`client's allowed grant types.`).String()),
			},
			{
				Config: e.ProviderConfigWith("client_secret", "wrong-secret-wrong-secret", "max_retries", "0") +
					testAccProviderConfigResource,
				ExpectError: expectErrorText(`The token endpoint refused the provider's credentials: check client_id and ` +
					`client_secret, and token_url.`),
			},
			{
				// The API itself refuses a token given in access_token: the advice names it.
				Config: e.ProviderConfigWith("client_id", "", "client_secret", "", "access_token", "not-a-real-token") +
					testAccProviderConfigResource,
				ExpectError: expectErrorText(`The API refused the provider's access token (access_token, or ` +
					`ARITMA_ACCESS_TOKEN): it may have expired or been revoked, and the provider cannot renew a token it ` +
					`was given; give a fresh one, or client_id and client_secret instead, with which it fetches and renews its ` +
					`own.`),
			},
		},
	})
}

// TestAccProvider_outlivesItsToken: tokens that live 3 s, and an apply whose provider process
// runs longer (700 ms on every call, four creates that wait for each other): the provider renews
// its token half-way through its life, and a call whose token died on the way (the latency is a
// quarter of the lifetime) is answered 401, gets a new token and is made again, so the run succeeds.
func TestAccProvider_outlivesItsToken(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t, func(o *mockserver.Options) { o.TokenLifetime = 3 * time.Second })
	// Each policy's scope waits for the secret, so the creates run one after the other.
	config := e.ProviderConfig() + testAccClientSecretPolicy("short-tokens", "/subscriptions/${aritma_iam_client_secret.svc.secret_id}") + `
resource "aritma_iam_policy" "after" {
  subject    = aritma_iam_client.svc.subject_id
  action     = "banking.pis.create"
  scope      = "/subscriptions/${aritma_iam_client_secret.svc.secret_id}"
  depends_on = [aritma_iam_policy.svc]
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { e.Mock.SetFaults(mockserver.Faults{LatencyMS: 700}) },
				Config:    config,
				Check: func(*terraform.State) error {
					if n := e.Mock.Stats().CountStatus("POST", "/connect/token", http.StatusOK); n < 2 {
						return fmt.Errorf("%d tokens over a run longer than a token's life, want a renewal", n)
					}
					return nil
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}

// TestAccProvider_serverCertificate: an API behind a certificate this machine does not trust, and
// the same server asked in http, fail the plan saying what to do, not with Go's words alone nor as
// refused credentials.
func TestAccProvider_serverCertificate(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	target, err := url.Parse(e.Mock.URL)
	if err != nil {
		t.Fatal(err)
	}
	tlsProxy := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(target))
	t.Cleanup(tlsProxy.Close)
	plain := "http://" + strings.TrimPrefix(tlsProxy.URL, "https://")

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfigWith("endpoint", tlsProxy.URL, "token_url", tlsProxy.URL+"/connect/token", "max_retries", "0") +
					testAccProviderConfigResource,
				ExpectError: regexp.MustCompile(`(?s)x509: certificate signed by unknown authority.*` + expectErrorText(`The `+
					`server's TLS certificate could not be verified. If a private certificate authority signed it (the mock's `+
					`-tls-cert, an internal gateway's), make this machine trust it: on Linux, run Terraform with SSL_CERT_FILE `+
					`set to a file holding that certificate (or add it to the system's trust store). Check too that endpoint `+
					`and token_url name a host the certificate is for.`).String()),
			},
			{
				Config: e.ProviderConfigWith("endpoint", plain, "token_url", plain+"/connect/token", "max_retries", "0") +
					testAccProviderConfigResource,
				ExpectError: regexp.MustCompile(`(?s)` + expectErrorText(plain+`/connect/token did not answer as a token `+
					`endpoint: 400 Bad Request: Client sent an HTTP request to an HTTPS server.`).String() + `.*` +
					expectErrorText(noTokenEndpointHint).String()),
			},
		},
	})
}

// TestAccProvider_configForbidden: valid credentials of a client that holds no IAM permission.
func TestAccProvider_configForbidden(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	c, err := e.API.CreateClient(ctx, iam.ClientRequest{
		Name: "powerless", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"services.iam"},
	})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "powerless-secret-0123456789"
	if _, err := e.API.CreateClientSecret(ctx, c.ClientID, iam.SecretRequest{Value: secret}); err != nil {
		t.Fatal(err)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfigWith("client_id", c.ClientID, "client_secret", secret) + testAccProviderConfigResource,
				ExpectError: testAccExpectDiagnostic("Unable to Create IAM Client", `Creating IAM client "provider-config" failed. `+
					`POST /v1/clients: 403 Forbidden`),
			},
		},
	})
}

// TestUnitResolveSettingsTokenURLDefault: the default token_url goes with the default endpoint's
// host only; another endpoint with client credentials needs token_url, and an access token none.
func TestUnitResolveSettingsTokenURLDefault(t *testing.T) {
	testAccClearProviderEnv(t)
	str := func(v string) types.String {
		if v == "" {
			return types.StringNull()
		}
		return types.StringValue(v)
	}
	for _, c := range []struct {
		endpoint, tokenURL, envTokenURL, accessToken string
		wantErr                                      bool
	}{
		{endpoint: "", wantErr: false},
		{endpoint: "https://api.dev.aritma.io/other/base", wantErr: false},
		{endpoint: "https://API.dev.aritma.io.:443/core/iam", wantErr: false},
		{endpoint: "https://api.dev.aritma.io:8443/core/iam", wantErr: true},
		{endpoint: "http://iam.example.com", wantErr: false}, // the endpoint's own error says enough
		{endpoint: "https://api.aritma.io/core/iam", wantErr: true},
		{endpoint: "http://127.0.0.1:8089", wantErr: true},
		{endpoint: "http://127.0.0.1:8089", tokenURL: "http://127.0.0.1:8089/connect/token", wantErr: false},
		{endpoint: "http://127.0.0.1:8089", envTokenURL: "http://127.0.0.1:8089/connect/token", wantErr: false},
		{endpoint: "https://api.aritma.io/core/iam", accessToken: "tok", wantErr: false},
	} {
		t.Setenv(EnvTokenURL, c.envTokenURL)
		cfg := providerModel{Endpoint: str(c.endpoint), TokenURL: str(c.tokenURL), Scopes: types.ListNull(types.StringType),
			ClientID: str("id"), ClientSecret: str("secret-value")}
		if c.accessToken != "" {
			cfg.ClientID, cfg.ClientSecret, cfg.AccessToken = str(""), str(""), str(c.accessToken)
		}
		_, diags := resolveSettings(context.Background(), cfg)
		got := false
		for _, d := range diags.Errors() {
			got = got || d.Summary() == "Missing Aritma token_url"
		}
		if got != c.wantErr {
			t.Errorf("%+v: token_url error %t, want %t (%v)", c, got, c.wantErr, diags)
		}
	}
}

// TestAccProvider_refusedCredentialsFailThePlan: a plan whose checks read the API with credentials
// the token endpoint refuses fails there, once, rather than showing changes that no apply can
// make; the same holds for an access token the API refuses.
func TestAccProvider_refusedCredentialsFailThePlan(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	policy := `
resource "aritma_iam_policy" "test" {
  subject = "client-1234"
  action  = "iam.client.read"
  scope   = "/"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:   e.ProviderConfigWith("client_secret", "wrong-secret-0001") + testAccProviderConfigResource + policy,
				PlanOnly: true,
				ExpectError: regexp.MustCompile(testAccExpectDiagnostic("Aritma Authentication Failed",
					"Reading the API's catalogues for this plan's checks failed.").String() + `(?s:.*)invalid_client(?s:.*)` +
					expectErrorText("Every call of an apply would be refused the same way, so the plan stops here.").String()),
			},
			{
				Config: e.ProviderConfigWith("client_id", "", "client_secret", "", "access_token", "not-a-real-token") +
					testAccProviderConfigResource,
				PlanOnly:    true,
				ExpectError: testAccExpectDiagnostic("Aritma Authentication Failed", "Reading the API's catalogues for this plan's checks failed."),
			},
		},
	})
	if n := e.Mock.Stats().CountStatus("POST", "/connect/token", http.StatusUnauthorized); n != 1 {
		t.Errorf("%d refused token requests, want 1: the refusal is asked once per provider process", n)
	}
}

// TestUnitMaxRetriesZero: max_retries = 0 turns retries off; iam.Config reads its own 0 as "the
// default", so the setting must not reach it as 0.
func TestUnitMaxRetriesZero(t *testing.T) {
	for _, c := range []struct {
		name   string
		config types.Number
		env    string
		want   int
	}{
		{name: "unset", config: types.NumberNull(), want: DefaultMaxRetries},
		{name: "zero", config: types.NumberValue(big.NewFloat(0)), want: -1},
		{name: "three", config: types.NumberValue(big.NewFloat(3)), want: 3},
		{name: "zero from the environment", config: types.NumberNull(), env: "0", want: -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(EnvMaxRetries, c.env)
			cfg := providerModel{Endpoint: types.StringValue("http://127.0.0.1:8089"), TokenURL: types.StringValue("http://127.0.0.1:8089/connect/token"),
				Scopes: types.ListNull(types.StringType), ClientID: types.StringValue("id"), ClientSecret: types.StringValue("secret-value"), MaxRetries: c.config}
			got, diags := resolveSettings(context.Background(), cfg)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if got.MaxRetries != c.want {
				t.Errorf("MaxRetries = %d, want %d", got.MaxRetries, c.want)
			}
		})
	}
}
