package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
	"github.com/aritma/terraform-provider-aritma/internal/reliability"
)

const testAccSecretAddr = "aritma_iam_client_secret.test"

// Routes of the mock's request statistics (mockserver.Stats keys).
const (
	testAccSecretsRoute = "/v1/clients/{clientId}/secrets"
	testAccSecretRoute  = "/v1/clients/{clientId}/secrets/{clientSecretId}"
)

func TestUnitIAMClientSecretResourceSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var resp fwresource.SchemaResponse
	NewIAMClientSecretResource().Schema(ctx, fwresource.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("schema: %v", resp.Diagnostics)
	}
	if diags := resp.Schema.ValidateImplementation(ctx); diags.HasError() {
		t.Fatalf("schema implementation: %v", diags)
	}
	for name, a := range resp.Schema.Attributes {
		if a.GetMarkdownDescription() == "" {
			t.Errorf("attribute %s has no MarkdownDescription", name)
		}
	}
	if !resp.Schema.Attributes["value_wo"].IsWriteOnly() || !resp.Schema.Attributes["value_wo"].IsSensitive() {
		t.Error("value_wo must be write-only and sensitive")
	}
	if !resp.Schema.Attributes["value"].IsSensitive() {
		t.Error("value must be sensitive")
	}
}

// TestUnitIAMClientSecretOutcomeUnknownDetail checks the advice given when a create's answer was
// lost: it lists the matching secrets as ready-to-run import commands.
func TestUnitIAMClientSecretOutcomeUnknownDetail(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	clientID := testAccIAMClientSecretParent(t, e)
	started := time.Now()
	mine, err := e.API.CreateClientSecret(ctx, clientID, iam.SecretRequest{Value: "stray-secret-1", Description: "ci deploy"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.API.CreateClientSecret(ctx, clientID, iam.SecretRequest{Value: "other-secret-1", Description: "something else"})
	if err != nil {
		t.Fatal(err)
	}

	r := testClientSecretResource(e.API, time.Now)
	// A value that is a word of the text ("terraform") is no reason to garble it: only the user's
	// input is redacted.
	detail := r.outcomeUnknownDetail(ctx, ctx, clientID, "ci deploy", "terraform", "write-only", started, iam.ErrOutcomeUnknown)
	for _, want := range []string{
		fmt.Sprintf("client %q", clientID),
		"The secret may exist",
		"terraform import aritma_iam_client_secret.<name> " + clientID + "/" + mine.ClientSecretID,
		"Replace <name>",
		importAddressNote("aritma_iam_client_secret"),
		"the plan after the import replaces the secret",
		"delete the stray secret (DELETE /v1/clients/" + clientID + "/secrets/<secret_id>) and apply again.",
	} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}
	if strings.Contains(detail, other.ClientSecretID) {
		t.Errorf("detail lists a secret with another description:\n%s", detail)
	}
	if strings.Contains(detail, "stray-secret-1") {
		t.Error("detail contains a secret value")
	}

	// A description that holds the value (put there by mistake) does not show it.
	detail = r.outcomeUnknownDetail(ctx, ctx, clientID, "nobody stray-secret-2", "stray-secret-2", "generated", started, iam.ErrOutcomeUnknown)
	if strings.Contains(detail, "stray-secret-2") {
		t.Errorf("detail shows the value:\n%s", detail)
	}
	for _, want := range []string{"No secret with description \"nobody [redacted]\"", "<secret_id>", "cannot be recovered",
		"an imported secret keeps a null value", "delete the stray secret (DELETE /v1/clients/" + clientID + "/secrets/<secret_id>) " +
			"and apply again, which creates a new secret with a new value."} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}
}

func TestAccIAMClientSecretResource_generated(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	cfg := testAccIAMClientSecretWithClientConfig(e, `description = "generated"`)

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectUnknownValue(testAccSecretAddr, tfjsonpath.New("value")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectSensitiveValue(testAccSecretAddr, tfjsonpath.New("value")),
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("value"),
						knownvalue.StringRegexp(regexp.MustCompile(`^[A-Za-z0-9]{32}$`))),
					statecheck.CompareValuePairs(testAccSecretAddr, tfjsonpath.New("client_id"),
						"aritma_iam_client.test", tfjsonpath.New("client_id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("description"), knownvalue.StringExact("generated")),
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("expiration"), knownvalue.Null()),
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("value_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("id"),
						knownvalue.StringRegexp(regexp.MustCompile(`^[^/]+/[^/]+$`))),
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("created"),
						knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`))),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckIAMClientSecretExists(e, testAccSecretAddr),
					testAccCheckIAMClientSecretStateValueAuthenticates(e, testAccSecretAddr),
				),
			},
			{
				// The same configuration again: nothing to do.
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// Removing the secret deletes it while the client stays.
				Config: testAccIAMClientSecretParentOnlyConfig(e),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionDestroy),
				}},
				Check: testAccCheckClientHoldsSecrets(e, "aritma_iam_client.test", 0),
			},
		},
	})
}

func TestAccIAMClientSecretResource_value(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	clientID := testAccIAMClientSecretParent(t, e)
	const first, second = "given-value-0001", "given-value-0002"
	var firstSecretID string

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: testAccIAMClientSecretResourceConfig(e, clientID, fmt.Sprintf("value = %q", first)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectSensitiveValue(testAccSecretAddr, tfjsonpath.New("value")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectSensitiveValue(testAccSecretAddr, tfjsonpath.New("value")),
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("value"), knownvalue.StringExact(first)),
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("description"), knownvalue.StringExact("")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckIAMClientSecretExists(e, testAccSecretAddr),
					testAccCheckIAMClientSecretAuthenticates(e, testAccSecretAddr, first, true),
					testAccCaptureAttr(testAccSecretAddr, "secret_id", &firstSecretID),
				),
			},
			{
				Config: testAccIAMClientSecretResourceConfig(e, clientID, fmt.Sprintf("value = %q", first)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// No update API: a new value is a new secret.
				Config: testAccIAMClientSecretResourceConfig(e, clientID, fmt.Sprintf("value = %q", second)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("value"), knownvalue.StringExact(second)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckAttrChanged(testAccSecretAddr, "secret_id", &firstSecretID),
					testAccCheckIAMClientSecretAuthenticates(e, testAccSecretAddr, second, true),
					testAccCheckIAMClientSecretAuthenticates(e, testAccSecretAddr, first, false),
				),
			},
		},
	})
}

func TestAccIAMClientSecretResource_writeOnly(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	const first, second, third = "write-only-value-1", "write-only-value-2", "write-only-value-3"
	// The value comes in through an ephemeral variable, as it would from an ephemeral resource,
	// so not even the plan's copy of the configuration holds it.
	cfg := func(version int) string {
		return testAccIAMClientSecretWithClientConfig(e, fmt.Sprintf(`
  description      = "write-only"
  value_wo         = var.secret_value
  value_wo_version = %d
}

variable "secret_value" {
  type      = string
  ephemeral = true
  sensitive = true`, version))
	}
	vars := func(value string) config.Variables {
		return config.Variables{"secret_value": config.StringVariable(value)}
	}
	// Neither the plan nor the state may hold any of the values, or a value_wo that is not null.
	noSecrets := testAccJSONExcludes(first, second, third)
	var firstSecretID string

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config:          cfg(1),
				ConfigVariables: vars(first),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("value_wo"), knownvalue.Null()),
					plancheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("value"), knownvalue.Null()),
					noSecrets,
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("value_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("value"), knownvalue.Null()),
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("value_wo_version"), knownvalue.Int64Exact(1)),
					noSecrets,
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr(testAccSecretAddr, "value_wo"),
					resource.TestCheckNoResourceAttr(testAccSecretAddr, "value"),
					testAccCheckIAMClientSecretExists(e, testAccSecretAddr),
					testAccCheckIAMClientSecretAuthenticates(e, testAccSecretAddr, first, true),
					testAccCaptureAttr(testAccSecretAddr, "secret_id", &firstSecretID),
				),
			},
			{
				// Bumping the version replaces the secret with the new write-only value.
				Config:          cfg(2),
				ConfigVariables: vars(second),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionReplace),
					plancheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("value_wo"), knownvalue.Null()),
					noSecrets,
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("value_wo_version"), knownvalue.Int64Exact(2)),
					noSecrets,
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr(testAccSecretAddr, "value_wo"),
					testAccCheckAttrChanged(testAccSecretAddr, "secret_id", &firstSecretID),
					testAccCheckIAMClientSecretAuthenticates(e, testAccSecretAddr, second, true),
					testAccCheckIAMClientSecretAuthenticates(e, testAccSecretAddr, first, false),
				),
			},
			{
				// Terraform cannot see a write-only value change: without a version bump nothing
				// happens, as documented.
				Config:          cfg(2),
				ConfigVariables: vars(third),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
					noSecrets,
				}},
				Check: testAccCheckIAMClientSecretAuthenticates(e, testAccSecretAddr, second, true),
			},
			{
				// An imported write-only secret matches the managed one in everything the API
				// knows; value_wo_version is the configuration's own bookkeeping, null after an
				// import until the next apply records it.
				Config:                  cfg(2),
				ConfigVariables:         vars(second),
				ResourceName:            testAccSecretAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"value_wo_version"},
			},
		},
	})
}

func TestAccIAMClientSecretResource_import(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	clientID := testAccIAMClientSecretParent(t, e)
	expiration := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	expUTC := expiration.Format(time.RFC3339)
	expOffset := expiration.In(time.FixedZone("", 2*3600)).Format(time.RFC3339)

	// A secret made outside Terraform, to be adopted through an import block.
	outside, err := e.API.CreateClientSecret(ctx, clientID, iam.SecretRequest{
		Value: "made-outside-tf", Description: "adopted", Expiration: &expiration,
	})
	if err != nil {
		t.Fatalf("creating the secret to import: %v", err)
	}

	base := testAccIAMClientSecretResourceConfig(e, clientID, fmt.Sprintf(`
  description = "imported"
  expiration  = %q`, expUTC))
	// withAdopted adds the adopted secret; a keeper, when given, goes into rotate_when_changed.
	withAdopted := func(exp string, keeper ...string) string {
		keepers := ""
		if len(keeper) > 0 {
			keepers = fmt.Sprintf("rotate_when_changed = { rotation = %q }", keeper[0])
		}
		return base + testAccAdoptedSecretConfig(clientID, outside.ClientSecretID, exp, keepers)
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: base,
				Check:  testAccCheckIAMClientSecretExists(e, testAccSecretAddr),
			},
			{
				ResourceName:      testAccSecretAddr,
				ImportState:       true,
				ImportStateVerify: true,
				// The API never returns a secret's value, so an imported secret has a null value.
				ImportStateVerifyIgnore: []string{"value"},
			},
			{
				// Import through an import block: with neither value nor value_wo configured, the
				// imported secret (value null) must plan as a no-op, not as a replacement.
				ResourceName:    testAccSecretAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("value"), knownvalue.Null()),
				}},
			},
			{
				// Adopt a secret created outside Terraform and apply the import.
				Config: withAdopted(expUTC),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(importedAddr, plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(importedAddr, tfjsonpath.New("value"), knownvalue.Null()),
					statecheck.ExpectKnownValue(importedAddr, tfjsonpath.New("secret_id"), knownvalue.StringExact(outside.ClientSecretID)),
					statecheck.ExpectKnownValue(importedAddr, tfjsonpath.New("expiration"), knownvalue.StringExact(expUTC)),
				},
			},
			{
				// Once imported, a configuration with neither value nor value_wo plans nothing.
				Config: withAdopted(expUTC),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// The same instant written with another offset is an in-place state update, not a
				// replacement: the secret and its id stay.
				Config: withAdopted(expOffset),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(importedAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(importedAddr, tfjsonpath.New("expiration"), knownvalue.StringExact(expOffset)),
					statecheck.ExpectKnownValue(importedAddr, tfjsonpath.New("secret_id"), knownvalue.StringExact(outside.ClientSecretID)),
				},
			},
			{
				// Keepers set for the first time on an imported secret are recorded in place: the
				// working secret is not rotated just because it is now tracked.
				Config: withAdopted(expOffset, "q1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(importedAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(importedAddr, tfjsonpath.New("secret_id"), knownvalue.StringExact(outside.ClientSecretID)),
					statecheck.ExpectKnownValue(importedAddr, tfjsonpath.New("rotate_when_changed"),
						knownvalue.MapExact(map[string]knownvalue.Check{"rotation": knownvalue.StringExact("q1")})),
				},
			},
			{
				// Changing the keepers afterwards does rotate.
				Config: withAdopted(expOffset, "q2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(importedAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
			},
			{
				ResourceName:  testAccSecretAddr,
				ImportState:   true,
				ImportStateId: clientID,
				ExpectError:   expectErrorText(`expected an import id of the form "<client_id>/<secret_id>", got "` + clientID + `"`),
			},
			{
				ResourceName:  testAccSecretAddr,
				ImportState:   true,
				ImportStateId: clientID + "/0b5e2a41-0000-4000-8000-000000000000",
				ExpectError: expectErrorText(`Secret "0b5e2a41-0000-4000-8000-000000000000" of client "` + clientID +
					`" does not exist, so it cannot be imported: the API answered 404 Not Found, also after waiting 5s in ` +
					`case the object was created moments ago and the API did not show it yet. Check the import id`),
			},
			{
				// The parts swapped: the client is what does not exist, and the error says so.
				ResourceName:  testAccSecretAddr,
				ImportState:   true,
				ImportStateId: outside.ClientSecretID + "/" + clientID,
				ExpectError: expectErrorText(`API did not show it yet. No client has the id "` + outside.ClientSecretID +
					`" (an import id names the client first: <client_id>/<secret_id>). Check the import id`),
			},
			{
				// The client's subject id where its client id belongs.
				ResourceName:  testAccSecretAddr,
				ImportState:   true,
				ImportStateId: "client-" + clientID + "/" + outside.ClientSecretID,
				ExpectError: expectErrorText(`Import ID Has a Subject ID` + "\n" + `"client-` + clientID + `" is the subject id of client "` +
					clientID + `", and an aritma_iam_client_secret import id starts with the client id:` + "\n" +
					`terraform import aritma_iam_client_secret.<name> ` + clientSecretID(clientID, outside.ClientSecretID)),
			},
		},
	})
}

func TestAccIAMClientSecretResource_disappears(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	clientID := testAccIAMClientSecretParent(t, e)
	cfg := testAccIAMClientSecretResourceConfig(e, clientID, `description = "disappears"`)
	var firstSecretID string

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check:  testAccCaptureAttr(testAccSecretAddr, "secret_id", &firstSecretID),
			},
			{
				// A refresh that sees the secret ends its read-after-create grace period, as any later
				// apply or refresh does; without it the next refresh would wait up to 30s for the
				// deleted secret, in case the API only lags.
				RefreshState: true,
			},
			{
				// Deleted outside Terraform: dropped from state on refresh, planned and made again.
				PreConfig: func() {
					if err := e.API.DeleteClientSecret(testContext(t), clientID, firstSecretID); err != nil {
						t.Fatalf("deleting the secret out of band: %v", err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionCreate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckIAMClientSecretExists(e, testAccSecretAddr),
					testAccCheckAttrChanged(testAccSecretAddr, "secret_id", &firstSecretID),
					testAccCheckIAMClientSecretStateValueAuthenticates(e, testAccSecretAddr),
				),
			},
			{
				RefreshState: true,
			},
			{
				// The whole client deleted outside Terraform: the secret is dropped from state, and
				// creating it again fails with a clear message.
				PreConfig: func() {
					if err := e.API.DeleteClient(testContext(t), clientID); err != nil {
						t.Fatalf("deleting the client: %v", err)
					}
				},
				Config:      cfg,
				ExpectError: expectErrorText("The client does not exist: it may have been deleted outside Terraform. Check client_id."),
			},
		},
	})
}

func TestAccIAMClientSecretResource_rotation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	proxy, log := testAccRecordingProxy(t, e)
	cfg := func(rotation string) string {
		return e.ProviderConfigWith("endpoint", proxy) + fmt.Sprintf(`
resource "aritma_iam_client" "test" {
  name                = "rotated"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

resource "aritma_iam_client_secret" "test" {
  client_id           = aritma_iam_client.test.client_id
  description         = "rotated"
  rotate_when_changed = { rotation = %[1]q }

  lifecycle {
    create_before_destroy = true
  }
}
`, rotation)
	}
	var clientID, oldID, oldValue string

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: cfg("2026-01"),
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCaptureAttr(testAccSecretAddr, "client_id", &clientID),
					testAccCaptureAttr(testAccSecretAddr, "secret_id", &oldID),
					testAccCaptureAttr(testAccSecretAddr, "value", &oldValue),
					func(*terraform.State) error {
						log.reset()
						e.Mock.ResetStats()
						return nil
					},
				),
			},
			{
				Config: cfg("2026-02"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionCreateBeforeDestroy),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckAttrChanged(testAccSecretAddr, "secret_id", &oldID),
					testAccCheckIAMClientSecretStateValueAuthenticates(e, testAccSecretAddr),
					func(s *terraform.State) error {
						if err := testAccCheckIAMClientSecretAuthenticates(e, testAccSecretAddr, oldValue, false)(s); err != nil {
							return err
						}
						newID, err := testAccStateAttr(s, testAccSecretAddr, "secret_id")
						if err != nil {
							return err
						}
						// Exactly one secret is left, and it is the new one.
						ids, err := testAccListSecretIDs(e, clientID)
						if err != nil {
							return err
						}
						if len(ids) != 1 || ids[0] != newID {
							return fmt.Errorf("secrets after rotation = %v, want only the new one %s", ids, newID)
						}
						// One create and one delete went to the API...
						stats := e.Mock.Stats()
						if n := stats.CountStatus(http.MethodPost, testAccSecretsRoute, http.StatusCreated); n != 1 {
							return fmt.Errorf("secrets created during rotation = %d, want 1 (stats %v)", n, stats.Requests)
						}
						if n := stats.CountStatus(http.MethodDelete, testAccSecretRoute, http.StatusNoContent); n != 1 {
							return fmt.Errorf("secrets deleted during rotation = %d, want 1 (stats %v)", n, stats.Requests)
						}
						// ...in this order: the new secret existed before the old one was deleted, and
						// when that delete arrived the client still had both.
						created := log.index(fmt.Sprintf("done POST /v1/clients/%s/secrets 201", clientID))
						deleting := log.index(fmt.Sprintf("start DELETE /v1/clients/%s/secrets/%s live=2", clientID, oldID))
						if created < 0 || deleting < 0 || created > deleting {
							return fmt.Errorf("want the create to finish before the delete of the old secret starts, with 2 live secrets then; requests:\n%s",
								strings.Join(log.lines(), "\n"))
						}
						return nil
					},
				),
			},
		},
	})
}

func TestAccIAMClientSecretResource_renewBefore(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	clientID := testAccIAMClientSecretParent(t, e)
	expiration := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	cfg := func(renewBefore string) string {
		return testAccIAMClientSecretResourceConfig(e, clientID, fmt.Sprintf(`
  description  = "renewed"
  expiration   = %q
  renew_before = %q`, expiration, renewBefore))
	}
	var firstSecretID string

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: cfg("1h"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("expiration"), knownvalue.StringExact(expiration)),
				},
				Check: testAccCaptureAttr(testAccSecretAddr, "secret_id", &firstSecretID),
			},
			{
				// Expiry is 2h away, outside the 1h window: nothing to do.
				Config: cfg("1h"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// A wider window that still ends before the expiry changes only the state.
				Config: cfg("90m"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("renew_before"), knownvalue.StringExact("90m")),
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("secret_id"), knownvalue.StringFunc(func(v string) error {
						if v != firstSecretID {
							return fmt.Errorf("secret_id changed to %s on an in-place update", v)
						}
						return nil
					})),
				},
			},
			{
				// A 3h window reaches the expiry: the plan replaces the secret. The configured
				// expiration does not move, so the new secret is due as well and the plan after the
				// apply proposes another replacement.
				Config: cfg("3h"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionReplace),
					plancheck.ExpectUnknownValue(testAccSecretAddr, tfjsonpath.New("secret_id")),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckAttrChanged(testAccSecretAddr, "secret_id", &firstSecretID),
					testAccCheckIAMClientSecretStateValueAuthenticates(e, testAccSecretAddr),
				),
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

// waitBeforeApply is a plan check that holds the apply until a time: a saved plan applied later,
// or a slow "yes" at the prompt.
type waitBeforeApply struct{ until time.Time }

func (w waitBeforeApply) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, _ *plancheck.CheckPlanResponse) {
	time.Sleep(time.Until(w.until))
}

// TestAccIAMClientSecretResource_renewalWindowOpensBeforeApply: renewal is decided by the time
// of the refresh the plan was made from, so a window that opens between plan and apply does not
// change the plan Terraform makes again at apply ("inconsistent final plan"); the next plan
// proposes the replacement.
func TestAccIAMClientSecretResource_renewalWindowOpensBeforeApply(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	clientID := testAccIAMClientSecretParent(t, e)
	// Step 1 and the plan of step 2 must fit in the 60 s before the window opens; on a loaded
	// machine under -parallel that is several CLI runs, so the margin is wide.
	start := time.Now()
	expiration := start.Add(120 * time.Second).UTC().Format(time.RFC3339)
	cfg := func(extra string) string {
		return testAccIAMClientSecretResourceConfig(e, clientID, fmt.Sprintf(`
  description = "renewed soon"
  expiration  = %q%s`, expiration, extra))
	}
	var secretID string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: cfg(""),
				Check:  testAccCaptureAttr(testAccSecretAddr, "secret_id", &secretID),
			},
			{
				// Planned while the expiry is more than 60s away: an in-place update. The apply
				// comes when it is less.
				Config: cfg(`
  renew_before = "60s"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionUpdate),
					waitBeforeApply{until: start.Add(65 * time.Second)},
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("renew_before"), knownvalue.StringExact("60s")),
				},
				Check: func(s *terraform.State) error {
					if got := s.RootModule().Resources[testAccSecretAddr].Primary.Attributes["secret_id"]; got != secretID {
						return fmt.Errorf("secret_id %s, want the in-place update to keep %s", got, secretID)
					}
					return nil
				},
				// The plan after the apply refreshes inside the window and proposes the renewal.
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

// TestAccIAMClientSecretResource_destroyAfterExpiry: terraform destroy plans the configuration
// before it destroys, and a plan error there stops the whole destroy. A secret whose expiration
// has passed must not cause one: neither one due for renewal that cannot be renewed (its
// configured expiration has passed too), nor one deleted outside Terraform that would have to be
// created again with that expiration. Both only warn; the create fails at apply.
func TestAccIAMClientSecretResource_destroyAfterExpiry(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	// Step 1 must create both secrets before they expire, on a loaded machine under -parallel.
	expires := time.Now().Add(30 * time.Second).UTC().Truncate(time.Second)
	cfg := testAccIAMClientSecretParentOnlyConfig(e) + fmt.Sprintf(`
resource "aritma_iam_client_secret" "renewed" {
  client_id    = aritma_iam_client.test.client_id
  expiration   = %[1]q
  renew_before = "5s"
}

resource "aritma_iam_client_secret" "gone" {
  client_id  = aritma_iam_client.test.client_id
  expiration = %[1]q
}
`, expires.Format(time.RFC3339))
	const renewed, gone = "aritma_iam_client_secret.renewed", "aritma_iam_client_secret.gone"
	var clientID, renewedID, goneID string

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCaptureAttr("aritma_iam_client.test", "client_id", &clientID),
					testAccCaptureAttr(renewed, "secret_id", &renewedID),
					testAccCaptureAttr(gone, "secret_id", &goneID),
				),
			},
			{
				// Expired, and one of them deleted outside Terraform: the expired secret is kept (no
				// renewal planned), the deleted one planned again, and its create refused.
				PreConfig: func() {
					time.Sleep(time.Until(expires.Add(2 * time.Second)))
					if err := e.API.DeleteClientSecret(testContext(t), clientID, goneID); err != nil {
						t.Fatalf("deleting the secret out of band: %v", err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(renewed, plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction(gone, plancheck.ResourceActionCreate),
				}},
				ExpectError: expectErrorText(fmt.Sprintf(`expiration must be in the future, got %q (it is now `, expires.Format(time.RFC3339))),
			},
			{
				// The destroy goes through, though its plan of the configuration warns about both.
				Config:  cfg,
				Destroy: true,
				Check: func(*terraform.State) error {
					if _, err := e.API.GetClientSecret(testContext(t), clientID, renewedID); !errors.Is(err, iam.ErrNotFound) {
						return fmt.Errorf("the expired secret after destroy: %w, want not found", err)
					}
					if _, err := e.API.GetClient(testContext(t), clientID); !errors.Is(err, iam.ErrNotFound) {
						return fmt.Errorf("the client after destroy: %w, want not found", err)
					}
					return nil
				},
			},
		},
	})
}

// TestAccIAMClientSecretResource_importExpiredWithKeepers: keepers set for the first time on an
// imported secret are only recorded, also when the secret has expired: an in-place update, not a
// replacement that the past expiration would fail.
func TestAccIAMClientSecretResource_importExpiredWithKeepers(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	clientID := testAccIAMClientSecretParent(t, e)
	exp := time.Now().Add(2 * time.Second).UTC().Truncate(time.Second).Add(time.Second)
	outside, err := e.API.CreateClientSecret(testContext(t), clientID, iam.SecretRequest{Value: "made-outside-tf", Expiration: &exp})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(exp.Add(time.Second)))
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_5_0)},
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfig() + fmt.Sprintf(`
import {
  to = aritma_iam_client_secret.test
  id = %q
}

resource "aritma_iam_client_secret" "test" {
  client_id           = %q
  expiration          = %q
  rotate_when_changed = { rotation = "q1" }
}
`, clientSecretID(clientID, outside.ClientSecretID), clientID, exp.Format(time.RFC3339)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("secret_id"), knownvalue.StringExact(outside.ClientSecretID)),
				},
			},
		},
	})
}

// testAccCheckGeneratedValue checks that the secret at addr holds a value of the generated length.
func testAccCheckGeneratedValue(addr string) resource.TestCheckFunc {
	return resource.TestCheckResourceAttrWith(addr, "value", func(v string) error {
		if len(v) != generatedSecretLength {
			return fmt.Errorf("value has %d characters, want a generated one of %d", len(v), generatedSecretLength)
		}
		return nil
	})
}

// testAccOptionalWriteOnlyConfig offers value_wo the way a module that supports old CLIs does:
// from a variable that is null unless the caller sets it.
func testAccOptionalWriteOnlyConfig(e *testEnv, clientID string) string {
	return e.ProviderConfig() + fmt.Sprintf(`
variable "wo" {
  type      = string
  default   = null
  sensitive = true
}

resource "aritma_iam_client_secret" "test" {
  client_id        = %q
  value_wo         = var.wo
  value_wo_version = var.wo == null ? null : 1
}
`, clientID)
}

// TestAccIAMClientSecretResource_optionalWriteOnly: a value_wo left null through a variable works
// with every CLI, also one without write-only support (before Terraform 1.11), which validates
// with the variable unknown: the secret gets a generated value.
func TestAccIAMClientSecretResource_optionalWriteOnly(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	clientID := testAccIAMClientSecretParent(t, e)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: testAccOptionalWriteOnlyConfig(e, clientID),
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckGeneratedValue(testAccSecretAddr),
					testAccCheckIAMClientSecretStateValueAuthenticates(e, testAccSecretAddr),
				),
			},
			{
				Config: testAccOptionalWriteOnlyConfig(e, clientID),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}

// TestAccIAMClientSecretResource_writeOnlyFromAVariable: a value_wo set through the variable is
// refused by a CLI without write-only support (before Terraform 1.11), once the plan knows it, and
// used by every other CLI.
func TestAccIAMClientSecretResource_writeOnlyFromAVariable(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	clientID := testAccIAMClientSecretParent(t, e)
	step := resource.TestStep{
		Config:          testAccOptionalWriteOnlyConfig(e, clientID),
		ConfigVariables: config.Variables{"wo": config.StringVariable("valid-value-from-a-var")},
	}
	_, version, _ := strings.Cut(testCLIName(t), " ")
	if reliability.CompareVersions(version, "1.11.0") < 0 {
		step.ExpectError = expectErrorText("The resource contains a non-null value for WriteOnly attribute value_wo. " +
			"Write-only attributes are only supported in Terraform 1.11 and later.")
	} else {
		step.Check = func(s *terraform.State) error {
			rs := s.RootModule().Resources[testAccSecretAddr]
			if rs == nil || rs.Primary.Attributes["value_wo"] != "" || rs.Primary.Attributes["value"] != "" {
				return fmt.Errorf("the write-only value is in the state, or the secret is missing: %v", rs)
			}
			_, err := e.API.GetClientSecret(testContext(t), clientID, rs.Primary.Attributes["secret_id"])
			return err
		}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps:                    []resource.TestStep{step},
	})
}

func TestAccIAMClientSecretResource_expiration(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	clientID := testAccIAMClientSecretParent(t, e)
	cfg := func(exp string) string {
		return testAccIAMClientSecretResourceConfig(e, clientID, fmt.Sprintf("expiration = %q", exp))
	}
	// With a fraction of a second, which reaches the API as it is.
	future := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Millisecond)
	futureOffset := future.In(time.FixedZone("", -5*3600)).Format(time.RFC3339Nano)
	var secretID string

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config:      cfg("2020-01-01T00:00:00Z"),
				ExpectError: expectErrorText(`expiration must be in the future, got "2020-01-01T00:00:00Z" (it is now `),
			},
			{
				Config:      cfg("2030-01-01 00:00:00"),
				ExpectError: expectErrorText(`expiration must be an RFC 3339 timestamp with a time zone, such as "2030-01-01T00:00:00Z", got "2030-01-01 00:00:00".`),
			},
			{
				Config:      cfg("2030-01-01T00:00:00"),
				ExpectError: expectErrorText(`expiration must be an RFC 3339 timestamp with a time zone, such as "2030-01-01T00:00:00Z", got "2030-01-01T00:00:00".`),
			},
			{
				// The API answers in UTC; the configured spelling stays in state, with no diff after.
				Config: cfg(futureOffset),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("expiration"), knownvalue.StringExact(futureOffset)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCaptureAttr(testAccSecretAddr, "secret_id", &secretID),
					func(s *terraform.State) error {
						got, err := e.API.GetClientSecret(testContext(t), clientID, secretID)
						if err != nil {
							return err
						}
						if got.Expiration == nil || !got.Expiration.Equal(future) {
							return fmt.Errorf("API expiration = %v, want %v", got.Expiration, future)
						}
						return nil
					},
				),
			},
			{
				Config: cfg(futureOffset),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// A change to a past instant would replace a working secret by one that cannot be
				// created: the plan fails, and the secret stays.
				Config: cfg("2020-01-01T00:00:00Z"),
				ExpectError: expectErrorTexts(`expiration must be in the future, got "2020-01-01T00:00:00Z" (it is now`,
					`), so this change, which replaces secret`,
					`of client "`+clientID+`", would fail to create the new one, after deleting this one unless create_before_destroy is set.`),
			},
			{
				PreConfig: func() {
					if _, err := e.API.GetClientSecret(testContext(t), clientID, secretID); err != nil {
						t.Fatalf("the secret after a failed change of its expiration to a past instant: %v", err)
					}
				},
				Config:   cfg(futureOffset),
				PlanOnly: true,
			},
			{
				// Another instant is another secret.
				Config: cfg(future.Add(time.Hour).Format(time.RFC3339)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionReplace),
				}},
				Check: testAccCheckAttrChanged(testAccSecretAddr, "secret_id", &secretID),
			},
		},
	})
}

// Expirations less than a second apart are the same instant, judged against the instant the API
// holds rather than the state's spelling: edits each less than a second from the last must not
// walk the state away from the API, and an imported secret whose expiration has a fraction is not
// replaced for a configuration at the next whole second.
func TestAccIAMClientSecretResource_expirationSubsecond(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	clientID := testAccIAMClientSecretParent(t, e)
	base := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	at := func(ms int) string { return base.Add(time.Duration(ms) * time.Millisecond).Format(time.RFC3339Nano) }
	cfg := func(exp string) string {
		return testAccIAMClientSecretResourceConfig(e, clientID, fmt.Sprintf("expiration = %q", exp))
	}
	apiHolds := func(secretID *string, ms int) resource.TestCheckFunc {
		return func(*terraform.State) error {
			got, err := e.API.GetClientSecret(ctx, clientID, *secretID)
			if err != nil {
				return err
			}
			if want := base.Add(time.Duration(ms) * time.Millisecond); got.Expiration == nil || !got.Expiration.Equal(want) {
				return fmt.Errorf("API expiration = %v, want %v", got.Expiration, want)
			}
			return nil
		}
	}

	// A secret made outside Terraform whose expiration has a fraction, imported below.
	importedExp := base.Add(24*time.Hour + 600*time.Millisecond)
	outside, err := e.API.CreateClientSecret(ctx, clientID, iam.SecretRequest{Value: "made-outside-tf", Description: "adopted", Expiration: &importedExp})
	if err != nil {
		t.Fatalf("creating the secret to import: %v", err)
	}
	withImported := func(exp string) string {
		return e.ProviderConfig() + testAccAdoptedSecretConfig(clientID, outside.ClientSecretID, exp, "")
	}
	nextWholeSecond := importedExp.Truncate(time.Second).Add(time.Second).Format(time.RFC3339)
	var secretID string

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: cfg(at(900)),
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCaptureAttr(testAccSecretAddr, "secret_id", &secretID),
					apiHolds(&secretID, 900),
				),
			},
			{
				// 0.9 s from what the API holds: the same instant, an update of the state only.
				Config: cfg(at(1800)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("expiration"), knownvalue.StringExact(at(1800))),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(testAccSecretAddr, "secret_id", &secretID),
					apiHolds(&secretID, 900),
				),
			},
			{
				// 0.9 s from the state's spelling, but 1.8 s from what the API holds: a new instant.
				Config: cfg(at(2700)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionReplace),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckAttrChanged(testAccSecretAddr, "secret_id", &secretID),
					testAccCaptureAttr(testAccSecretAddr, "secret_id", &secretID),
					apiHolds(&secretID, 2700),
				),
			},
			{
				Config: cfg(at(2700)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// The API holds .6 of a second, the state shows whole seconds: the next whole second,
				// 0.4 s away, adopts the secret with an update of the state, not a replacement.
				Config: withImported(nextWholeSecond),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(importedAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(importedAddr, tfjsonpath.New("secret_id"), knownvalue.StringExact(outside.ClientSecretID)),
					statecheck.ExpectKnownValue(importedAddr, tfjsonpath.New("expiration"), knownvalue.StringExact(nextWholeSecond)),
				},
			},
			{
				Config: withImported(nextWholeSecond),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}

// The plan's own checks judge a change of the expiration as its RequiresReplace does, by the
// instant the API holds: an imported secret, expired by now, whose expiration is written at the
// next whole second is updated in place, not refused as a replacement that could not be created.
func TestAccIAMClientSecretResource_expiredImportSameInstant(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	clientID := testAccIAMClientSecretParent(t, e)
	exp := time.Now().UTC().Truncate(time.Second).Add(2*time.Second + 600*time.Millisecond)
	outside, err := e.API.CreateClientSecret(ctx, clientID, iam.SecretRequest{Value: "expires-at-once", Description: "adopted", Expiration: &exp})
	if err != nil {
		t.Fatalf("creating the secret to import: %v", err)
	}
	nextWholeSecond := exp.Truncate(time.Second).Add(time.Second).Format(time.RFC3339)
	cfg := e.ProviderConfig() + testAccAdoptedSecretConfig(clientID, outside.ClientSecretID, nextWholeSecond, "")

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { time.Sleep(time.Until(exp.Add(2 * time.Second))) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(importedAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(importedAddr, tfjsonpath.New("secret_id"), knownvalue.StringExact(outside.ClientSecretID)),
					statecheck.ExpectKnownValue(importedAddr, tfjsonpath.New("expiration"), knownvalue.StringExact(nextWholeSecond)),
				},
			},
		},
	})
}

func TestAccIAMClientSecretResource_validation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	const clientID = "00000000-0000-0000-0000-000000000000" // never reached: every step fails at plan time
	step := func(body, wantErr string) resource.TestStep {
		return resource.TestStep{
			Config:      testAccIAMClientSecretResourceConfig(e, clientID, body),
			PlanOnly:    true,
			ExpectError: expectErrorText(wantErr),
		}
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			step(`value = "1234567"`, "value must be between 8 and 32 characters, got 7."),
			step(fmt.Sprintf("value = %q", strings.Repeat("x", 33)), "value must be between 8 and 32 characters, got 33."),
			step("value_wo = \"1234567\"\nvalue_wo_version = 1", "value_wo must be between 8 and 32 characters, got 7."),
			step("value = \"valid-value-1\"\nvalue_wo = \"valid-value-2\"\nvalue_wo_version = 1",
				"Only one of value and value_wo can be set. Use value_wo (write-only, never stored; recommended) or "+
					"value (held in state), or neither to have the provider generate a value."),
			step(`value_wo = "valid-value-2"`,
				"value_wo_version is required when value_wo is set. Terraform never stores value_wo, so it cannot "+
					"see it change: bump value_wo_version to replace the secret with a new value_wo."),
			step(`value_wo_version = 1`,
				"value_wo is required when value_wo_version is set: value_wo_version versions the write-only value_wo "+
					"and means nothing without it."),
			step(`renew_before = "30d"`,
				`renew_before must be a positive duration in hours, minutes or seconds, such as "720h" for 30 days, got "30d".`),
			step(fmt.Sprintf("description = %q", strings.Repeat("d", 201)), "description must be at most 200 characters, got 201."),
		},
	})
}

func TestAccIAMClientSecretResource_limit(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	clientID := testAccIAMClientSecretParent(t, e)
	for i := range 20 {
		if _, err := e.API.CreateClientSecret(ctx, clientID, iam.SecretRequest{Value: fmt.Sprintf("limit-secret-%02d", i)}); err != nil {
			t.Fatalf("creating secret %d: %v", i, err)
		}
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				// The API's own 409 words, then what to do about it.
				Config: testAccIAMClientSecretResourceConfig(e, clientID, `description = "twenty-first"`),
				ExpectError: expectErrorTexts(
					fmt.Sprintf(`Creating a secret for client %q failed.`, clientID),
					fmt.Sprintf("409 Conflict: client %q already has the maximum of 20 secrets; delete one first", clientID),
					"A client can hold at most 20 secrets. Delete secrets it no longer needs"),
			},
		},
	})
}

func TestAccIAMClientSecretResource_outcomeUnknown(t *testing.T) {
	t.Parallel()
	var clock agingClock
	e := newTestEnv(t, clock.option)
	clientID := testAccIAMClientSecretParent(t, e)
	clock.age(3 * time.Second) // past the lag below, which would hide the client from its secret's create
	const value = "lost-answer-value"

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				// The API lists the secret it made late, too: the look-up waits for it.
				PreConfig: func() { e.Mock.SetFaults(mockserver.Faults{CommitThenFailRate: 1, ReadLagMS: 2000}) },
				Config: testAccIAMClientSecretResourceConfig(e, clientID, fmt.Sprintf(`
  description = "lost"
  value       = %q`, value)),
				ExpectError: regexp.MustCompile(`(?s)IAM Client Secret May Have Been Created.*` +
					expectErrorText(fmt.Sprintf("a secret for client %q reached the API, but its answer was lost "+
						"or did not say whether it was created", clientID)).String() +
					`.*The secret may exist.*` +
					expectErrorText("terraform import aritma_iam_client_secret.<name> "+clientID+"/").String() + `[0-9a-f-]+`),
			},
			{
				// The secret does exist: the diagnostic was right to say so.
				PreConfig: func() {
					e.Mock.SetFaults(mockserver.Faults{})
					ids, err := testAccListSecretIDs(e, clientID)
					if err != nil || len(ids) != 1 {
						t.Fatalf("secrets after the lost answer = %v, %v; want exactly 1", ids, err)
					}
					if err := e.API.DeleteClientSecret(testContext(t), clientID, ids[0]); err != nil {
						t.Fatal(err)
					}
				},
				Config: testAccIAMClientSecretResourceConfig(e, clientID, `description = "after"`),
				Check:  testAccCheckIAMClientSecretExists(e, testAccSecretAddr),
			},
		},
	})
}

// TestAccIAMClientSecretResource_readLag: on a server that lists a new secret only after a while,
// the refresh right after the apply waits for it instead of dropping the secret as "deleted
// outside Terraform" (which would show up here as a non-empty plan after the apply), and the
// create is neither repeated nor followed by a read-back of its own.
func TestAccIAMClientSecretResource_readLag(t *testing.T) {
	t.Parallel()
	var clock agingClock
	e := newTestEnv(t, clock.option)
	clientID := testAccIAMClientSecretParent(t, e)
	clock.age(11 * time.Second) // past the lag, which would hide the client from its secrets' create too
	config := testAccIAMClientSecretResourceConfig(e, clientID, `description = "lagging"`)

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				// Long enough that the refresh after the apply still finds the secret hidden on a
				// loaded machine; well inside the provider's 30 s read-after-create window.
				PreConfig: func() { e.Mock.SetFaults(mockserver.Faults{ReadLagMS: 10000}) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				PreConfig: func() {
					e.Mock.SetFaults(mockserver.Faults{})
					// Without lag the refresh lists once; more lists mean the mock hid the new secret
					// and the read waited for it, so the step tested what it claims.
					if n := e.Mock.Stats().Count("GET", "/v1/clients/{clientId}/secrets"); n < 2 {
						t.Fatalf("the secrets were listed %d times: the mock never hid the new secret, so the test proves nothing", n)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckIAMClientSecretExists(e, testAccSecretAddr),
					func(*terraform.State) error {
						stats := e.Mock.Stats()
						if n := stats.Count("POST", "/v1/clients/{clientId}/secrets"); n != 1 {
							return fmt.Errorf("%d secret create requests, want 1", n)
						}
						return nil
					},
				),
			},
		},
	})
}

// testAccIAMClientSecretParent creates the client the test's secrets belong to, through the API:
// these tests are about secrets, and the client must exist before the first plan.
func testAccIAMClientSecretParent(t *testing.T, e *testEnv) string {
	t.Helper()
	c, err := e.API.CreateClient(testContext(t), iam.ClientRequest{
		Name:              "secret-test-" + t.Name(),
		Description:       "parent of the secrets of " + t.Name(),
		AllowedGrantTypes: []string{"client_credentials"},
		RedirectURIs:      []string{},
		AllowedScopes:     []string{"api"},
	})
	if err != nil {
		t.Fatalf("creating the parent client: %v", err)
	}
	return c.ClientID
}

// testAccIAMClientSecretResourceConfig is the provider block and one aritma_iam_client_secret
// "test" with the given arguments besides client_id.
func testAccIAMClientSecretResourceConfig(e *testEnv, clientID, body string) string {
	return e.ProviderConfig() + fmt.Sprintf(`
resource "aritma_iam_client_secret" "test" {
  client_id = %[1]q
  %[2]s
}
`, clientID, body)
}

// importedAddr is the secret testAccAdoptedSecretConfig adopts.
const importedAddr = "aritma_iam_client_secret.imported"

// testAccAdoptedSecretConfig adopts secret secretID of client clientID, made outside Terraform
// with description "adopted", through an import block into aritma_iam_client_secret.imported,
// configured with expiration and the further arguments in body.
func testAccAdoptedSecretConfig(clientID, secretID, expiration, body string) string {
	return fmt.Sprintf(`
import {
  to = aritma_iam_client_secret.imported
  id = %[1]q
}

resource "aritma_iam_client_secret" "imported" {
  client_id   = %[2]q
  description = "adopted"
  expiration  = %[3]q
  %[4]s
}
`, clientSecretID(clientID, secretID), clientID, expiration, body)
}

// testAccIAMClientSecretWithClientConfig is the provider block, a client made by Terraform and
// aritma_iam_client_secret "test" of that client with the given arguments besides client_id: the
// way a module writes it, with client_id unknown until the client exists.
func testAccIAMClientSecretWithClientConfig(e *testEnv, body string) string {
	return testAccIAMClientSecretParentOnlyConfig(e) + fmt.Sprintf(`
resource "aritma_iam_client_secret" "test" {
  client_id = aritma_iam_client.test.client_id
  %[1]s
}
`, body)
}

// testAccIAMClientSecretParentOnlyConfig is testAccIAMClientSecretWithClientConfig without the
// secret: applying it deletes the secret while its client stays, so the delete itself is checked.
func testAccIAMClientSecretParentOnlyConfig(e *testEnv) string {
	return e.ProviderConfig() + `
resource "aritma_iam_client" "test" {
  name                = "secret-parent"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}
`
}

// testAccCheckClientHoldsSecrets counts, through the API, the secrets of the client at
// clientAddr: a replacement or removal that leaves the old secret behind shows as one too many,
// which a destroy check cannot see once the client (and with it every secret) is gone.
func testAccCheckClientHoldsSecrets(e *testEnv, clientAddr string, want int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		clientID, err := testAccStateAttr(s, clientAddr, "client_id")
		if err != nil {
			return err
		}
		var ids []string
		for secret, err := range e.API.ListClientSecrets(context.Background(), clientID) {
			if err != nil {
				return err
			}
			ids = append(ids, secret.ClientSecretID)
		}
		if len(ids) != want {
			return fmt.Errorf("client %s holds %d secrets %v, want %d", clientID, len(ids), ids, want)
		}
		return nil
	}
}

// testAccCheckAttrChanged fails unless the attribute differs from the captured earlier value.
func testAccCheckAttrChanged(addr, key string, before *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		v, err := testAccStateAttr(s, addr, key)
		if err != nil {
			return err
		}
		if *before == "" || v == *before {
			return fmt.Errorf("%s.%s = %q, want a new value (was %q)", addr, key, v, *before)
		}
		return nil
	}
}

// testAccCheckIAMClientSecretExists reads the secret at addr through the API and checks its id.
func testAccCheckIAMClientSecretExists(e *testEnv, addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, err := testAccResourceState(s, addr)
		if err != nil {
			return err
		}
		a := rs.Primary.Attributes
		got, err := e.API.GetClientSecret(context.Background(), a["client_id"], a["secret_id"])
		if err != nil {
			return fmt.Errorf("reading %s through the API: %w", rs.Primary.ID, err)
		}
		if want := clientSecretID(got.ClientID, got.ClientSecretID); rs.Primary.ID != want {
			return fmt.Errorf("id = %q, want %q", rs.Primary.ID, want)
		}
		return nil
	}
}

// testAccCheckIAMClientSecretDestroy checks through the API that no secret in state survived.
// testAccCheckIAMClientSecretDestroy checks that the secrets of the state are gone, and the
// clients a configuration manages beside them.
func testAccCheckIAMClientSecretDestroy(e *testEnv) resource.TestCheckFunc {
	secrets := testAccCheckDestroyed("aritma_iam_client_secret", func(rs *terraform.ResourceState) error {
		_, err := e.API.GetClientSecret(context.Background(), rs.Primary.Attributes["client_id"], rs.Primary.Attributes["secret_id"])
		return err
	})
	clients := testAccCheckDestroyed("aritma_iam_client", func(rs *terraform.ResourceState) error {
		_, err := e.API.GetClient(context.Background(), rs.Primary.ID)
		return err
	})
	return resource.ComposeAggregateTestCheckFunc(secrets, clients)
}

// testAccCheckIAMClientSecretAuthenticates exchanges the client_id of the secret at addr and value
// for a token at the mock's token endpoint: want true means it must work, false that the endpoint
// must reject it. Failures never print the value.
func testAccCheckIAMClientSecretAuthenticates(e *testEnv, addr, value string, want bool) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		clientID, err := testAccStateAttr(s, addr, "client_id")
		if err != nil {
			return err
		}
		_, err = iam.ExchangeToken(context.Background(), iam.TokenRequest{
			TokenURL: e.Mock.TokenURL, ClientID: clientID, ClientSecret: value,
		})
		switch {
		case want && err != nil:
			return fmt.Errorf("the secret does not authenticate client %s: %w", clientID, err)
		case !want && err == nil:
			return fmt.Errorf("a deleted secret still authenticates client %s", clientID)
		case !want && !errors.Is(err, iam.ErrUnauthorized):
			return fmt.Errorf("want the token endpoint to reject the deleted secret as unauthorized, got: %w", err)
		}
		return nil
	}
}

// testAccCheckIAMClientSecretStateValueAuthenticates takes the value from state, as a module
// passing it on would, and proves it works at the token endpoint.
func testAccCheckIAMClientSecretStateValueAuthenticates(e *testEnv, addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		value, err := testAccStateAttr(s, addr, "value")
		if err != nil {
			return err
		}
		return testAccCheckIAMClientSecretAuthenticates(e, addr, value, true)(s)
	}
}

// testAccListSecretIDs lists the ids of a client's secrets through the admin API.
func testAccListSecretIDs(e *testEnv, clientID string) ([]string, error) {
	return collect(e.API.ListClientSecrets(context.Background(), clientID), func(s iam.ClientSecret) string {
		return s.ClientSecretID
	})
}

// testAccJSONExcludes is a plan and state check that none of the needles occurs anywhere in the
// JSON of the plan or the state (terraform show -json, which shows sensitive values in clear).
func testAccJSONExcludes(needles ...string) jsonExcludes { return jsonExcludes(needles) }

type jsonExcludes []string

func (c jsonExcludes) check(what string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	for i, n := range c {
		if strings.Contains(string(b), n) {
			return fmt.Errorf("the %s contains secret value #%d", what, i+1)
		}
	}
	return nil
}

func (c jsonExcludes) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = c.check("plan", req.Plan)
}

func (c jsonExcludes) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = c.check("state", req.State)
}

// requestLog records, in order, when each request through the proxy started and finished.
type requestLog struct {
	mu      sync.Mutex
	entries []string
}

func (l *requestLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, s)
}

func (l *requestLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = nil
}

func (l *requestLog) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.entries...)
}

func (l *requestLog) index(s string) int {
	for i, e := range l.lines() {
		if e == s {
			return i
		}
	}
	return -1
}

// testAccRecordingProxy puts a reverse proxy in front of the mock's API that logs every request
// as it starts and as it finishes. When a secret's DELETE starts, it also notes how many secrets
// the client has at that moment (asked straight from the mock), which shows whether the client
// ever goes without a working secret.
func testAccRecordingProxy(t *testing.T, e *testEnv) (string, *requestLog) {
	t.Helper()
	target, err := url.Parse(e.Mock.URL)
	if err != nil {
		t.Fatal(err)
	}
	log := &requestLog{}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(resp *http.Response) error {
		log.add(fmt.Sprintf("done %s %s %d", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode))
		return nil
	}
	deleteSecret := regexp.MustCompile(`^/v1/clients/([^/]+)/secrets/[^/]+$`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entry := fmt.Sprintf("start %s %s", r.Method, r.URL.Path)
		if m := deleteSecret.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodDelete {
			ids, err := testAccListSecretIDs(e, m[1])
			if err != nil {
				entry += " live=error"
			} else {
				entry += fmt.Sprintf(" live=%d", len(ids))
			}
		}
		log.add(entry)
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, log
}

// testClientSecretResource is the resource as the provider configures it, with api as its client
// and now as its clock.
func testClientSecretResource(api *iam.Client, now func() time.Time) *iamClientSecretResource {
	r := NewIAMClientSecretResource().(*iamClientSecretResource)
	r.data = &providerData{client: api}
	r.now = now
	return r
}

// testClientSecretState builds a state (or plan, or config: same shape) of the resource from m.
func testClientSecretState(t *testing.T, m *clientSecretModel) tfsdk.State {
	t.Helper()
	ctx := context.Background()
	var resp fwresource.SchemaResponse
	NewIAMClientSecretResource().Schema(ctx, fwresource.SchemaRequest{}, &resp)
	st := tfsdk.State{Schema: resp.Schema, Raw: tftypes.NewValue(resp.Schema.Type().TerraformType(ctx), nil)}
	if m == nil {
		return st
	}
	if len(m.Timeouts.AttributeTypes(ctx)) == 0 {
		m.Timeouts = timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
			"create": types.StringType, "read": types.StringType, "delete": types.StringType,
		})}
	}
	if m.RotateWhenChanged.ElementType(ctx) == nil {
		m.RotateWhenChanged = types.MapNull(types.StringType)
	}
	if diags := st.Set(ctx, m); diags.HasError() {
		t.Fatalf("building state: %v", diags)
	}
	return st
}

func testClientSecretModel(expiration, renewBefore string) clientSecretModel {
	str := func(s string) types.String {
		if s == "" {
			return types.StringNull()
		}
		return types.StringValue(s)
	}
	return clientSecretModel{
		ID: types.StringValue("c1/s1"), ClientID: types.StringValue("c1"), SecretID: types.StringValue("s1"),
		Description: types.StringValue(""), Expiration: str(expiration), Created: types.StringValue("2026-01-01T00:00:00Z"),
		Value: types.StringValue("generated-value-000"), ValueWO: types.StringNull(), ValueWOVersion: types.Int64Null(),
		RenewBefore: str(renewBefore),
	}
}

func TestUnitIAMClientSecretModifyPlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	r := testClientSecretResource(nil, func() time.Time { return now })
	inOneHour := now.Add(time.Hour).Format(time.RFC3339)

	run := func(state, plan *clientSecretModel) *fwresource.ModifyPlanResponse {
		st, pl := testClientSecretState(t, state), testClientSecretState(t, plan)
		req := fwresource.ModifyPlanRequest{State: st, Plan: tfsdk.Plan(pl), Config: tfsdk.Config(pl)}
		resp := &fwresource.ModifyPlanResponse{Plan: tfsdk.Plan(pl)}
		r.ModifyPlan(ctx, req, resp)
		return resp
	}

	t.Run("due for renewal", func(t *testing.T) {
		t.Parallel()
		state, plan := testClientSecretModel(inOneHour, "2h"), testClientSecretModel(inOneHour, "2h")
		resp := run(&state, &plan)
		if resp.Diagnostics.ErrorsCount() != 0 || resp.Diagnostics.WarningsCount() != 1 {
			t.Fatalf("diagnostics = %v, want one warning", resp.Diagnostics)
		}
		w := resp.Diagnostics.Warnings()[0]
		if w.Summary() != "IAM Client Secret Due for Renewal" ||
			!strings.Contains(w.Detail(), `Secret "s1" of client "c1" expires at `+inOneHour+", which is within renew_before (2h)") ||
			!strings.Contains(w.Detail(), "The configured expiration has not moved") ||
			strings.Contains(w.Detail(), "value_wo") {
			t.Errorf("warning = %q: %q", w.Summary(), w.Detail())
		}
		if !resp.RequiresReplace.Contains(path.Root("expiration")) || !resp.RequiresReplace.Contains(path.Root("secret_id")) {
			t.Errorf("RequiresReplace = %v", resp.RequiresReplace)
		}
		var got clientSecretModel
		resp.Plan.Get(ctx, &got)
		if !got.SecretID.IsUnknown() || !got.ID.IsUnknown() || !got.Created.IsUnknown() {
			t.Errorf("computed ids not unknown: %v %v %v", got.SecretID, got.ID, got.Created)
		}
	})
	t.Run("due, write-only", func(t *testing.T) {
		t.Parallel()
		state, plan := testClientSecretModel(inOneHour, "2h"), testClientSecretModel(inOneHour, "2h")
		for _, m := range []*clientSecretModel{&state, &plan} {
			m.Value, m.ValueWOVersion = types.StringNull(), types.Int64Value(3)
		}
		resp := run(&state, &plan)
		if resp.Diagnostics.WarningsCount() != 1 || !strings.Contains(resp.Diagnostics.Warnings()[0].Detail(),
			"The new secret gets the value_wo of this run. If that value is made anew in every run (an ephemeral "+
				"random_password), change value_wo_version in the same apply") {
			t.Errorf("diagnostics = %v, want the warning to say what a renewal does to a write-only value", resp.Diagnostics)
		}
		if !resp.RequiresReplace.Contains(path.Root("secret_id")) {
			t.Errorf("RequiresReplace = %v", resp.RequiresReplace)
		}
	})
	t.Run("due, and the expiration moves on", func(t *testing.T) {
		t.Parallel()
		state, plan := testClientSecretModel(inOneHour, "2h"), testClientSecretModel(now.Add(90*24*time.Hour).Format(time.RFC3339), "2h")
		resp := run(&state, &plan)
		if resp.Diagnostics.WarningsCount() != 1 || strings.Contains(resp.Diagnostics.Warnings()[0].Detail(), "has not moved") {
			t.Errorf("diagnostics = %v", resp.Diagnostics)
		}
	})
	for name, c := range map[string]struct{ expiration, renewBefore string }{
		"not due yet":                   {inOneHour, "30m"},
		"no renew_before":               {inOneHour, ""},
		"no expiration":                 {"", "2h"},
		"expiry just beyond the window": {now.Add(2*time.Hour + time.Second).Format(time.RFC3339), "2h"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			state, plan := testClientSecretModel(c.expiration, c.renewBefore), testClientSecretModel(c.expiration, c.renewBefore)
			resp := run(&state, &plan)
			if len(resp.Diagnostics) != 0 || len(resp.RequiresReplace) != 0 {
				t.Errorf("diagnostics = %v, RequiresReplace = %v; want none", resp.Diagnostics, resp.RequiresReplace)
			}
		})
	}
	for name, c := range map[string]struct{ state, verb string }{
		// (A configured expiration moved to a past instant replaces the secret anyway, and fails the
		// plan: see "replaced with a past expiration".)
		"expired, with the same past expiration": {"2026-06-01T11:00:00Z", "expired"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			state, plan := testClientSecretModel(c.state, "2h"), testClientSecretModel("2026-06-01T11:00:00Z", "2h")
			resp := run(&state, &plan)
			// A warning and no replacement: an error would also stop terraform destroy, which plans
			// the configuration first.
			if resp.Diagnostics.ErrorsCount() != 0 || resp.Diagnostics.WarningsCount() != 1 || len(resp.RequiresReplace) != 0 {
				t.Fatalf("diagnostics = %v, RequiresReplace = %v; want one warning and no replacement", resp.Diagnostics, resp.RequiresReplace)
			}
			var secretID types.String
			resp.Plan.GetAttribute(ctx, path.Root("secret_id"), &secretID)
			if secretID.ValueString() != "s1" {
				t.Errorf("planned secret_id %v, want s1 kept", secretID)
			}
			want := `Secret "s1" of client "c1" ` + c.verb + ` at ` + c.state + `, within renew_before (2h), but Terraform does ` +
				`not replace it: the new secret would get the configured expiration 2026-06-01T11:00:00Z, which has passed, ` +
				`and a secret's expiration must be in the future. Set a later expiration (for example derived from a ` +
				`time_rotating resource), or remove expiration for a secret that does not expire.`
			if w := resp.Diagnostics.Warnings()[0]; w.Summary() != "IAM Client Secret Cannot Be Renewed" || w.Detail() != want {
				t.Errorf("warning = %q: %q\nwant %q", w.Summary(), w.Detail(), want)
			}
		})
	}
	t.Run("create already due for renewal", func(t *testing.T) {
		t.Parallel()
		plan := testClientSecretModel(inOneHour, "2h")
		resp := run(nil, &plan)
		if resp.Diagnostics.ErrorsCount() != 0 || resp.Diagnostics.WarningsCount() != 1 {
			t.Fatalf("diagnostics = %v, want one warning", resp.Diagnostics)
		}
		w := resp.Diagnostics.Warnings()[0]
		if w.Summary() != "New IAM Client Secret Due for Renewal at Once" ||
			!strings.Contains(w.Detail(), "The new secret expires at "+inOneHour+", which is within renew_before (2h) of now (2026-06-01T12:00:00Z)") ||
			!strings.Contains(w.Detail(), "Set an expiration later than 2026-06-01T14:00:00Z") {
			t.Errorf("warning = %q: %q", w.Summary(), w.Detail())
		}
	})
	t.Run("create outside the renewal window", func(t *testing.T) {
		t.Parallel()
		plan := testClientSecretModel(inOneHour, "30m")
		if resp := run(nil, &plan); len(resp.Diagnostics) != 0 {
			t.Errorf("diagnostics = %v, want none", resp.Diagnostics)
		}
	})
	t.Run("create with a past expiration", func(t *testing.T) {
		t.Parallel()
		plan := testClientSecretModel("2026-06-01T11:00:00Z", "")
		resp := run(nil, &plan)
		// A warning: the create refuses it, and a destroy (which plans the configuration first) is
		// not held up by a secret deleted outside Terraform after its expiration.
		if resp.Diagnostics.ErrorsCount() != 0 || resp.Diagnostics.WarningsCount() != 1 ||
			resp.Diagnostics.Warnings()[0].Summary() != "IAM Client Secret Expiration Has Passed" ||
			resp.Diagnostics.Warnings()[0].Detail() != `expiration must be in the future, got "2026-06-01T11:00:00Z" `+
				`(it is now 2026-06-01T12:00:00Z), so creating this secret will fail. Set a later expiration (for example `+
				`derived from a time_rotating resource), or remove expiration for a secret that does not expire.` {
			t.Errorf("diagnostics = %v", resp.Diagnostics)
		}
	})
	t.Run("replaced with a past expiration", func(t *testing.T) {
		t.Parallel()
		state, plan := testClientSecretModel(inOneHour, ""), testClientSecretModel("2026-06-01T11:00:00Z", "")
		resp := run(&state, &plan)
		if resp.Diagnostics.ErrorsCount() != 1 || resp.Diagnostics.Errors()[0].Detail() != `expiration must be in the `+
			`future, got "2026-06-01T11:00:00Z" (it is now 2026-06-01T12:00:00Z), so this change, which replaces secret `+
			`"s1" of client "c1", would fail to create the new one, after deleting this one unless create_before_destroy is set. Set a later expiration (for `+
			`example derived from a time_rotating resource), or remove expiration for a secret that does not expire. `+
			`(To destroy the configuration regardless, destroy it without a refresh, which does not plan it first: terraform `+
			`destroy -refresh=false, or tofu destroy -refresh=false with OpenTofu.)` {
			t.Errorf("diagnostics = %v, want the one error", resp.Diagnostics)
		}
	})
	t.Run("replaced into a renewal window", func(t *testing.T) {
		t.Parallel()
		// The new secret's warning would come only at apply (Terraform shows the warnings of the
		// create's own plan then): the plan of the replacement gives it.
		state, plan := testClientSecretModel(now.Add(48*time.Hour).Format(time.RFC3339), "2h"), testClientSecretModel(inOneHour, "2h")
		resp := run(&state, &plan)
		if resp.Diagnostics.ErrorsCount() != 0 || resp.Diagnostics.WarningsCount() != 1 ||
			resp.Diagnostics.Warnings()[0].Summary() != "New IAM Client Secret Due for Renewal at Once" {
			t.Errorf("diagnostics = %v, want the due-at-once warning", resp.Diagnostics)
		}
	})
	t.Run("replaced with an expiration soon", func(t *testing.T) {
		t.Parallel()
		// A saved plan applied after the instant would delete the secret and fail the create.
		state, plan := testClientSecretModel(inOneHour, ""), testClientSecretModel(now.Add(30*time.Minute).Format(time.RFC3339), "")
		resp := run(&state, &plan)
		if resp.Diagnostics.ErrorsCount() != 0 || resp.Diagnostics.WarningsCount() != 1 ||
			resp.Diagnostics.Warnings()[0].Summary() != "New IAM Client Secret Expires Soon" ||
			resp.Diagnostics.Warnings()[0].Detail() != "The new secret expires at 2026-06-01T12:30:00Z, 30m0s from now. "+
				`An apply of this plan after that instant deletes secret "s1" of client "c1" (unless create_before_destroy `+
				"is set, which creates the new secret first) and then fails to create the new one. Apply before then, set "+
				"create_before_destroy, or set a later expiration." {
			t.Errorf("diagnostics = %v, want the expires-soon warning", resp.Diagnostics)
		}
	})
	// Keepers changes that replace nothing (no keepers and {} are the same; keepers set first on
	// an imported secret are only recorded) are no replacement to the other checks either.
	t.Run("keepers null to {} on an expired secret", func(t *testing.T) {
		t.Parallel()
		state, plan := testClientSecretModel("2026-06-01T11:00:00Z", ""), testClientSecretModel("2026-06-01T11:00:00Z", "")
		state.RotateWhenChanged = types.MapNull(types.StringType)
		plan.RotateWhenChanged = types.MapValueMust(types.StringType, nil)
		if resp := run(&state, &plan); resp.Diagnostics.HasError() {
			t.Errorf("an in-place update failed the plan: %v", resp.Diagnostics)
		}
	})
	t.Run("first keepers on an imported expired secret", func(t *testing.T) {
		t.Parallel()
		state, plan := testClientSecretModel("2026-06-01T11:00:00Z", ""), testClientSecretModel("2026-06-01T11:00:00Z", "")
		state.Value, plan.Value = types.StringNull(), types.StringNull()
		state.RotateWhenChanged = types.MapNull(types.StringType)
		plan.RotateWhenChanged = types.MapValueMust(types.StringType, map[string]attr.Value{"rotation": types.StringValue("q1")})
		if resp := run(&state, &plan); resp.Diagnostics.HasError() {
			t.Errorf("recording keepers on an import failed the plan: %v", resp.Diagnostics)
		}
	})
	t.Run("renew_before unknown with keepers null to {}", func(t *testing.T) {
		t.Parallel()
		// An in-place update by its keepers: the unknown renew_before must still fail the plan,
		// or the apply, planning again with it known and due, would replace the secret.
		state, plan := testClientSecretModel(now.Add(2*time.Hour).Format(time.RFC3339), "1h"), testClientSecretModel(now.Add(2*time.Hour).Format(time.RFC3339), "")
		plan.RenewBefore = types.StringUnknown()
		plan.RotateWhenChanged = types.MapValueMust(types.StringType, nil)
		resp := run(&state, &plan)
		if resp.Diagnostics.ErrorsCount() != 1 || resp.Diagnostics.Errors()[0].Summary() != "Unknown renew_before" {
			t.Errorf("diagnostics = %v, want the Unknown renew_before error", resp.Diagnostics)
		}
	})
	t.Run("expired and unchanged", func(t *testing.T) {
		t.Parallel()
		// As terraform destroy plans it: nothing to say.
		state, plan := testClientSecretModel("2026-06-01T11:00:00Z", ""), testClientSecretModel("2026-06-01T11:00:00Z", "")
		if resp := run(&state, &plan); len(resp.Diagnostics) != 0 || len(resp.RequiresReplace) != 0 {
			t.Errorf("diagnostics = %v, RequiresReplace = %v; want none", resp.Diagnostics, resp.RequiresReplace)
		}
	})
	t.Run("destroy", func(t *testing.T) {
		t.Parallel()
		state := testClientSecretModel(inOneHour, "2h")
		resp := run(&state, nil)
		if len(resp.Diagnostics) != 0 || len(resp.RequiresReplace) != 0 {
			t.Errorf("diagnostics = %v, RequiresReplace = %v; want none", resp.Diagnostics, resp.RequiresReplace)
		}
	})
}

// TestUnitIAMClientSecretRead covers the Read outcomes a CLI test cannot observe: the warnings.
func TestUnitIAMClientSecretRead(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	clientID := testAccIAMClientSecretParent(t, e)
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	secret, err := e.API.CreateClientSecret(ctx, clientID, iam.SecretRequest{Value: "soon-expired-1", Expiration: &exp})
	if err != nil {
		t.Fatal(err)
	}
	read := func(now time.Time, secretID string) *fwresource.ReadResponse {
		r := testClientSecretResource(e.API, func() time.Time { return now })
		m := testClientSecretModel(exp.In(time.FixedZone("", 3600)).Format(time.RFC3339), "")
		m.ClientID, m.SecretID = types.StringValue(clientID), types.StringValue(secretID)
		st := testClientSecretState(t, &m)
		resp := &fwresource.ReadResponse{State: st}
		r.Read(ctx, fwresource.ReadRequest{State: st}, resp)
		return resp
	}

	resp := read(time.Now(), secret.ClientSecretID)
	if len(resp.Diagnostics) != 0 {
		t.Fatalf("diagnostics = %v", resp.Diagnostics)
	}
	var got clientSecretModel
	resp.State.Get(ctx, &got)
	if got.Expiration.ValueString() != exp.In(time.FixedZone("", 3600)).Format(time.RFC3339) {
		t.Errorf("expiration = %v, want the state's spelling kept", got.Expiration)
	}
	if got.Value.ValueString() != "generated-value-000" || got.ID.ValueString() != clientID+"/"+secret.ClientSecretID {
		t.Errorf("state after read = %+v", got)
	}

	resp = read(exp.Add(time.Minute), secret.ClientSecretID)
	if resp.Diagnostics.WarningsCount() != 1 || resp.Diagnostics.Warnings()[0].Summary() != "IAM Client Secret Expired" {
		t.Errorf("diagnostics = %v, want the expired warning", resp.Diagnostics)
	}
	if resp.State.Raw.IsNull() {
		t.Error("an expired secret that is still listed must stay in state")
	}

	resp = read(time.Now(), "no-such-secret")
	if resp.Diagnostics.WarningsCount() != 1 || resp.Diagnostics.Warnings()[0].Summary() != "IAM Client Secret Not Found" {
		t.Errorf("diagnostics = %v, want the not-found warning", resp.Diagnostics)
	}
	if !resp.State.Raw.IsNull() {
		t.Error("a vanished secret must be removed from state")
	}
}

// Adding keepers to a secret Terraform created is a change like any other: it rotates the secret.
// (Only on an imported secret do first keepers just get recorded; see _import.)
// Removing value from the configuration asks for a generated value instead: the secret is
// replaced (the given value may have leaked, say by being committed), and the new, generated value
// then stays.
func TestAccIAMClientSecretResource_valueRemovedRotates(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	clientID := testAccIAMClientSecretParent(t, e)
	const given = "given-value-0001"
	var firstID string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: testAccIAMClientSecretResourceConfig(e, clientID, fmt.Sprintf("value = %q", given)),
				Check:  testAccCaptureAttr(testAccSecretAddr, "secret_id", &firstID),
			},
			{
				Config: testAccIAMClientSecretResourceConfig(e, clientID, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectUnknownValue(testAccSecretAddr, tfjsonpath.New("value")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("value"),
						knownvalue.StringRegexp(regexp.MustCompile(`^.{32}$`))),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckAttrChanged(testAccSecretAddr, "secret_id", &firstID),
					testAccCheckIAMClientSecretStateValueAuthenticates(e, testAccSecretAddr),
					testAccCheckIAMClientSecretAuthenticates(e, testAccSecretAddr, given, false),
				),
			},
			{
				Config:           testAccIAMClientSecretResourceConfig(e, clientID, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccIAMClientSecretResource_keepersAddedRotate(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	clientID := testAccIAMClientSecretParent(t, e)
	var firstID string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: testAccIAMClientSecretResourceConfig(e, clientID, `description = "keepers"`),
				Check:  testAccCaptureAttr(testAccSecretAddr, "secret_id", &firstID),
			},
			{
				Config: testAccIAMClientSecretResourceConfig(e, clientID, `description = "keepers"
  rotate_when_changed = { rotation = "2026-12" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckAttrChanged(testAccSecretAddr, "secret_id", &firstID),
					testAccCheckIAMClientSecretStateValueAuthenticates(e, testAccSecretAddr),
				),
			},
			{
				Config: testAccIAMClientSecretResourceConfig(e, clientID, `description = "keepers"
  rotate_when_changed = { rotation = "2026-12" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// An empty keepers map is no keepers: adding rotate_when_changed = {} (a module variable that
// defaults to {}) or removing it again updates the state and leaves the secret alone.
func TestAccIAMClientSecretResource_emptyKeepersNoRotation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	clientID := testAccIAMClientSecretParent(t, e)
	var firstID string
	sameSecret := func(s *terraform.State) error {
		id, err := testAccStateAttr(s, testAccSecretAddr, "secret_id")
		if err != nil {
			return err
		}
		if id != firstID {
			return fmt.Errorf("secret_id changed from %s to %s", firstID, id)
		}
		return nil
	}
	update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionUpdate),
	}}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: testAccIAMClientSecretResourceConfig(e, clientID, `description = "keepers"`),
				Check:  testAccCaptureAttr(testAccSecretAddr, "secret_id", &firstID),
			},
			{
				Config: testAccIAMClientSecretResourceConfig(e, clientID, `description = "keepers"
  rotate_when_changed = {}`),
				ConfigPlanChecks: update,
				Check: resource.ComposeAggregateTestCheckFunc(sameSecret,
					resource.TestCheckResourceAttr(testAccSecretAddr, "rotate_when_changed.%", "0")),
			},
			{
				Config:           testAccIAMClientSecretResourceConfig(e, clientID, `description = "keepers"`),
				ConfigPlanChecks: update,
				Check: resource.ComposeAggregateTestCheckFunc(sameSecret,
					resource.TestCheckNoResourceAttr(testAccSecretAddr, "rotate_when_changed.%")),
			},
		},
	})
}

// When a secret's create answer is lost, the secrets offered for import leave out a sibling with
// the same description that the same apply created, whether its create finished before (the
// sequential case) or was still waiting for its answer when the lost one failed (the concurrent
// case): importing it would bind two resources to one secret.
func TestAccIAMClientSecretResource_lostCreateLeavesSiblingOut(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	for _, tc := range []struct {
		name string
		// dependsOn orders the two creates; without it they run at once, and the answer to the
		// first is held back until after the second has failed.
		dependsOn  string
		concurrent bool
	}{
		{name: "sequential", dependsOn: "depends_on = [aritma_iam_client_secret.a]"},
		{name: "concurrent", concurrent: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var posts atomic.Int64
			lostAnswered := make(chan struct{})
			var overlapped atomic.Bool
			we := newWrappedEnv(t, func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/secrets") {
						next.ServeHTTP(w, r)
						return
					}
					switch posts.Add(1) {
					case 1:
						rec := httptest.NewRecorder()
						next.ServeHTTP(rec, r)
						if tc.concurrent {
							// The answer is on its way, slowly: it arrives after the other create
							// has failed (or, should the CLI not run the two at once, after a while,
							// which the check below reports).
							select {
							case <-lostAnswered:
								overlapped.Store(true)
							case <-time.After(30 * time.Second):
							}
						}
						for k, v := range rec.Header() {
							w.Header()[k] = v
						}
						w.WriteHeader(rec.Code)
						_, _ = w.Write(rec.Body.Bytes())
					case 2:
						next.ServeHTTP(httptest.NewRecorder(), r) // commits; its answer is lost
						http.Error(w, "upstream went away", http.StatusBadGateway)
						close(lostAnswered)
					default:
						next.ServeHTTP(w, r)
					}
				})
			})
			config := we.providerConfig + fmt.Sprintf(`
resource "aritma_iam_client_secret" "a" {
  client_id   = %[1]q
  description = "same"
}

resource "aritma_iam_client_secret" "b" {
  client_id   = %[1]q
  description = "same"
  %[2]s
}
`, we.parent, tc.dependsOn)
			ws := `[\s│]+`
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: config,
					// Exactly one candidate, the lost secret; the sibling is named as not it.
					ExpectError: regexp.MustCompile(`(?s)IAM Client Secret May Have Been Created.*` +
						expectErrorText(`Not these secrets with description "same", which this run created for other resources:`).String() +
						`.*import the one that is yours:` + ws + `terraform import aritma_iam_client_secret\.<name> ` +
						regexp.QuoteMeta(we.parent) + `/[0-9a-f-]+` + ws + `# created \S+` + ws + `Replace <name>`),
				}},
			})
			// The lost secret stays on the server for the user to import or delete; the other was
			// destroyed.
			var left int
			for _, err := range we.api.ListClientSecrets(testContext(t), we.parent) {
				if err != nil {
					t.Fatal(err)
				}
				left++
			}
			if left != 1 {
				t.Errorf("the parent client holds %d secrets after the test, want 1 (the lost one)", left)
			}
			if tc.concurrent && !overlapped.Load() {
				t.Error("the two creates did not overlap (the first one's answer was not held until the other failed), so the concurrent case proved nothing")
			}
		})
	}
}

func TestUnitRenewBeforeNeedsExpiration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, c := range map[string]struct {
		expiration, renewBefore string
		warn                    bool
	}{
		"renew_before alone":          {"", "720h", true},
		"renew_before and expiration": {"2030-01-01T00:00:00Z", "720h", false},
		"neither":                     {"", "", false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := testClientSecretModel(c.expiration, c.renewBefore)
			cfg := tfsdk.Config(testClientSecretState(t, &m))
			resp := &fwresource.ValidateConfigResponse{}
			renewBeforeNeedsExpiration{}.ValidateResource(ctx, fwresource.ValidateConfigRequest{Config: cfg}, resp)
			if got := resp.Diagnostics.WarningsCount() == 1; got != c.warn || resp.Diagnostics.ErrorsCount() != 0 {
				t.Fatalf("diagnostics = %v, want a warning: %v", resp.Diagnostics, c.warn)
			}
			if c.warn && resp.Diagnostics.Warnings()[0].Detail() != "renew_before replaces a secret when it comes within "+
				"that long of its expiration, and this secret has no expiration, so renew_before does nothing. Set "+
				"expiration, or remove renew_before." {
				t.Errorf("warning detail = %q", resp.Diagnostics.Warnings()[0].Detail())
			}
		})
	}
}

// The API cannot change a secret, so a new description or another client_id replaces it: the old
// secret goes from the old client, and the new one is where the configuration says.
func TestAccIAMClientSecretResource_replacedOnChange(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	first := testAccIAMClientSecretParent(t, e)
	other, err := e.API.CreateClient(testContext(t), iam.ClientRequest{Name: "second-parent",
		AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"}})
	if err != nil {
		t.Fatal(err)
	}
	var before string
	// holds checks the secrets each client has on the server, by description.
	holds := func(want map[string][]string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			current, err := testAccStateAttr(s, testAccSecretAddr, "secret_id")
			if err != nil {
				return err
			}
			for clientID, descriptions := range want {
				var got []string
				for sec, err := range e.API.ListClientSecrets(testContext(t), clientID) {
					if err != nil {
						return err
					}
					if sec.ClientSecretID != current {
						return fmt.Errorf("client %s holds secret %s, not the one in state (%s)", clientID, sec.ClientSecretID, current)
					}
					got = append(got, sec.Description)
				}
				if !slices.Equal(got, descriptions) {
					return fmt.Errorf("client %s holds secrets described %q, want %q", clientID, got, descriptions)
				}
			}
			return nil
		}
	}
	replaced := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionDestroyBeforeCreate),
	}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: testAccIAMClientSecretResourceConfig(e, first, `description = "one"`),
				Check:  resource.ComposeTestCheckFunc(testAccCaptureAttr(testAccSecretAddr, "secret_id", &before), holds(map[string][]string{first: {"one"}})),
			},
			{
				Config:           testAccIAMClientSecretResourceConfig(e, first, `description = "two"`),
				ConfigPlanChecks: replaced,
				Check: resource.ComposeTestCheckFunc(testAccCheckAttrChanged(testAccSecretAddr, "secret_id", &before),
					holds(map[string][]string{first: {"two"}})),
			},
			{
				Config:           testAccIAMClientSecretResourceConfig(e, other.ClientID, `description = "two"`),
				ConfigPlanChecks: replaced,
				Check:            holds(map[string][]string{first: nil, other.ClientID: {"two"}}),
			},
		},
	})
}

// A module offers every way to supply the value through variables that default to null, and the
// caller sets one (or none). Every variable is unknown while Terraform validates the module, so
// unknown must not count as set: the plan failed with "Conflicting Secret Values" whatever was set.
func TestAccIAMClientSecretResource_valueSourcesFromVariables(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	const configured, writeOnly = "configured-value-1", "write-only-value-1"
	cfg := testAccIAMClientSecretWithClientConfig(e, `
  value            = var.secret_value
  value_wo         = var.secret_value_wo
  value_wo_version = var.secret_value_wo_version
}

variable "secret_value" {
  type      = string
  sensitive = true
  default   = null
}

variable "secret_value_wo" {
  type      = string
  ephemeral = true
  default   = null
}

variable "secret_value_wo_version" {
  type    = number
  default = null`)
	step := func(vars config.Variables, check resource.TestCheckFunc) resource.TestStep {
		return resource.TestStep{Config: cfg, ConfigVariables: vars, Check: resource.ComposeAggregateTestCheckFunc(
			testAccCheckIAMClientSecretExists(e, testAccSecretAddr), check,
			// Each step replaces the secret: the one before must be gone.
			testAccCheckClientHoldsSecrets(e, "aritma_iam_client.test", 1))}
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			step(nil, testAccCheckIAMClientSecretStateValueAuthenticates(e, testAccSecretAddr)),
			step(config.Variables{"secret_value": config.StringVariable(configured)},
				testAccCheckIAMClientSecretAuthenticates(e, testAccSecretAddr, configured, true)),
			step(config.Variables{"secret_value_wo": config.StringVariable(writeOnly), "secret_value_wo_version": config.IntegerVariable(1)},
				resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr(testAccSecretAddr, "value"),
					testAccCheckIAMClientSecretAuthenticates(e, testAccSecretAddr, writeOnly, true),
				)),
			{
				// Both set is still an error, and a plain one, once the variables are known.
				Config: cfg,
				ConfigVariables: config.Variables{"secret_value": config.StringVariable(configured),
					"secret_value_wo": config.StringVariable(writeOnly), "secret_value_wo_version": config.IntegerVariable(2)},
				ExpectError: expectErrorTexts("Error: Conflicting Secret Values", "Only one of value and value_wo can be set."),
			},
		},
	})
}

// A value unknown at plan (another resource's attribute) is judged when it is known: the CLI
// validates the configuration again with its final values before it applies it, so both ways set
// fail the apply before anything is created.
func TestAccIAMClientSecretResource_valueSourcesConflictAtApply(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	clientID := testAccIAMClientSecretParent(t, e)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfig() + fmt.Sprintf(`
# Its id is unknown until it exists (its output would be known at plan).
resource "terraform_data" "value" {}

resource "aritma_iam_client_secret" "test" {
  client_id        = %q
  value            = substr(terraform_data.value.id, 0, 20)
  value_wo         = "write-only-value-1"
  value_wo_version = 1
}
`, clientID),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(testAccSecretAddr, tfjsonpath.New("value")),
				}},
				ExpectError: expectErrorTexts("Error: Conflicting Secret Values", "Only one of value and value_wo can be set."),
			},
		},
	})
	if ids, err := testAccListSecretIDs(e, clientID); err != nil || len(ids) != 0 {
		t.Errorf("the failed apply left secrets %v (%v), want none", ids, err)
	}
}

// TestAccIAMClientSecretResource_unknownAtPlan: values unknown at plan time that decide how the
// secret is planned. A value_wo_version that turns out null means a generated value, so the plan
// must leave value unknown rather than promise null; a renew_before unknown on an existing secret
// with an expiration cannot decide a renewal, and says so instead of replacing the secret at apply
// against its plan.
func TestAccIAMClientSecretResource_unknownAtPlan(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	exp := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	cfgKept := func(renew, keeper string) string {
		return testAccIAMClientSecretWithClientConfig(e, fmt.Sprintf(`
  value_wo_version = length(aritma_iam_client.test.client_id) > 0 ? null : 1
  expiration       = %q
  renew_before     = %s
  rotate_when_changed = { k = %q }`, exp, renew, keeper)) + fmt.Sprintf(`
resource "terraform_data" "keeper" {
  triggers_replace = %q
}
`, keeper)
	}
	cfg := func(renew string) string { return cfgKept(renew, "a") }
	var secretID string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: cfg(`"1h"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(testAccSecretAddr, tfjsonpath.New("value")),
				}},
				Check: resource.ComposeTestCheckFunc(
					testAccCheckGeneratedValue(testAccSecretAddr),
					testAccCaptureAttr(testAccSecretAddr, "secret_id", &secretID),
				),
			},
			{
				Config: cfg(`timestamp() != "" ? "2400h" : "1h"`),
				ExpectError: expectErrorText(`is not known until apply, so the plan cannot decide whether the secret, ` +
					`which expires at ` + exp + `, is due for renewal. Give renew_before a value known at plan time`),
			},
			{
				// A secret replaced anyway (a new keeper) has no renewal to decide: no error, though
				// renew_before is unknown until the keeper's terraform_data is replaced too.
				Config: cfgKept(`terraform_data.keeper.id != "" ? "1h" : "2h"`, "b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionReplace),
				}},
				Check: testAccCaptureAttr(testAccSecretAddr, "secret_id", &secretID),
			},
			{
				// Known, the same window renews the secret (and, with the expiration fixed inside it,
				// would again at every plan, as its warning says).
				Config:             cfgKept(`"2400h"`, "b"),
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionReplace),
				}},
				Check: resource.TestCheckResourceAttrWith(testAccSecretAddr, "secret_id", func(v string) error {
					if v == secretID {
						return fmt.Errorf("secret_id %q did not change", v)
					}
					return nil
				}),
			},
		},
	})
}

// TestAccIAMClientSecretResource_refreshListsOnce: a refresh reads a client's three secrets with
// one list of them, and still finds one deleted outside Terraform gone (a shared list never
// decides that) and plans it again.
func TestAccIAMClientSecretResource_refreshListsOnce(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	clientID := testAccIAMClientSecretParent(t, e)
	cfg := e.ProviderConfig() + fmt.Sprintf(`
resource "aritma_iam_client_secret" "a" {
  client_id = %[1]q
  value     = "shared-list-value-a"
}

resource "aritma_iam_client_secret" "b" {
  client_id = %[1]q
  value     = "shared-list-value-b"
}

resource "aritma_iam_client_secret" "c" {
  client_id = %[1]q
  value     = "shared-list-value-c"
}
`, clientID)
	lists := func() int64 { return e.Mock.Stats().Count("GET", testAccSecretsRoute) }
	var before int64
	var secretB string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(s *terraform.State) error {
					secretB = s.RootModule().Resources["aritma_iam_client_secret.b"].Primary.Attributes["secret_id"]
					return nil
				},
			},
			{
				PreConfig:    func() { before = lists() },
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrSet("aritma_iam_client_secret.a", "secret_id"),
					resource.TestCheckResourceAttrSet("aritma_iam_client_secret.c", "secret_id"),
					func(*terraform.State) error {
						if n := lists() - before; n != 1 {
							return fmt.Errorf("the refresh listed the client's secrets %d times for 3 secrets, want once", n)
						}
						return nil
					},
				),
			},
			{
				PreConfig: func() {
					if err := e.API.DeleteClientSecret(testContext(t), clientID, secretB); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("aritma_iam_client_secret.b", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("aritma_iam_client_secret.a", plancheck.ResourceActionNoop),
				}},
			},
		},
	})
}
