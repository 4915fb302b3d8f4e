package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
)

const testAccIAMClientAddr = "aritma_iam_client.test"

// uuidPattern matches the mock's client ids; the provider itself treats ids as opaque.
var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// testAccIAMClientResourceConfig is the provider block plus one aritma_iam_client named "test";
// body holds every argument but name.
func testAccIAMClientResourceConfig(e *testEnv, name, body string) string {
	return e.ProviderConfig() + fmt.Sprintf(`
resource "aritma_iam_client" "test" {
  name = %[1]q
%[2]s
}
`, name, body)
}

const testAccIAMClientM2MBody = `
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
`

func TestAccIAMClientResource_basic(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)

	config := testAccIAMClientResourceConfig(e, "billing-service", testAccIAMClientM2MBody)
	sameID := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectUnknownValue(testAccIAMClientAddr, tfjsonpath.New("id")),
						plancheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("description"), knownvalue.StringExact("")),
						plancheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("redirect_uris"), knownvalue.SetSizeExact(0)),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(testAccIAMClientAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(uuidPattern)),
					statecheck.CompareValuePairs(testAccIAMClientAddr, tfjsonpath.New("id"),
						testAccIAMClientAddr, tfjsonpath.New("client_id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("subject_id"),
						knownvalue.StringRegexp(regexp.MustCompile(`^client-[0-9a-f-]{36}$`))),
					statecheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("name"), knownvalue.StringExact("billing-service")),
					statecheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("description"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("allowed_grant_types"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("client_credentials")})),
					statecheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("allowed_scopes"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("api")})),
					statecheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("redirect_uris"), knownvalue.SetSizeExact(0)),
					statecheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("timeouts"), knownvalue.Null()),
				},
				Check: testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, iam.ClientRequest{
					Name: "billing-service", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"},
				}),
			},
			{
				// The same configuration again: no perpetual diff from defaults, sets or computed ids.
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(testAccIAMClientAddr, tfjsonpath.New("id"))},
			},
		},
	})
}

func TestAccIAMClientResource_update(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)

	first := testAccIAMClientResourceConfig(e, "portal", `
  description         = "first"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
`)
	second := testAccIAMClientResourceConfig(e, "portal-web", `
  description         = "second"
  allowed_grant_types = ["authorization_code", "refresh_token"]
  allowed_scopes      = ["api", "services.iam"]
  redirect_uris       = ["https://portal.example.com/callback", "http://localhost:3000/callback"]

  timeouts {
    update = "2m"
  }
`)
	secondWant := iam.ClientRequest{
		Name: "portal-web", Description: "second",
		AllowedGrantTypes: []string{"authorization_code", "refresh_token"},
		AllowedScopes:     []string{"api", "services.iam"},
		RedirectURIs:      []string{"http://localhost:3000/callback", "https://portal.example.com/callback"},
	}
	// Back to a machine client without a description: the defaults ("" and []) must be sent.
	third := testAccIAMClientResourceConfig(e, "portal", testAccIAMClientM2MBody)

	sameID := statecheck.CompareValue(compare.ValuesSame())
	var clientID string
	steps := []resource.TestStep{
		{
			Config:            first,
			ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(testAccIAMClientAddr, tfjsonpath.New("id"))},
			Check: resource.ComposeAggregateTestCheckFunc(
				testAccCaptureAttr(testAccIAMClientAddr, "id", &clientID),
				testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, iam.ClientRequest{
					Name: "portal", Description: "first", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"},
				}),
			),
		},
		{
			Config: second,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionUpdate),
					// Computed ids survive an update without becoming "(known after apply)".
					plancheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("id"), knownvalue.NotNull()),
					plancheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("subject_id"), knownvalue.NotNull()),
				},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				sameID.AddStateValue(testAccIAMClientAddr, tfjsonpath.New("id")),
				statecheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("name"), knownvalue.StringExact("portal-web")),
				statecheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("redirect_uris"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.StringExact("https://portal.example.com/callback"),
					knownvalue.StringExact("http://localhost:3000/callback"),
				})),
				statecheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("timeouts"),
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"update": knownvalue.StringExact("2m")})),
			},
			Check: testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, secondWant),
		},
		{
			Config: second,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		},
	}
	// Drift, one field at a time, so a Read that kept any one field from the state would show: the
	// refresh must see the edit, and the plan puts it back in place.
	steps = append(steps, testAccClientDriftSteps(t, e, &clientID, second, secondWant)...)
	steps = append(steps, resource.TestStep{
		Config: third,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionUpdate),
				plancheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("description"), knownvalue.StringExact("")),
				plancheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("redirect_uris"), knownvalue.SetSizeExact(0)),
			},
		},
		ConfigStateChecks: []statecheck.StateCheck{
			sameID.AddStateValue(testAccIAMClientAddr, tfjsonpath.New("id")),
			statecheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("timeouts"), knownvalue.Null()),
		},
		Check: testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, iam.ClientRequest{
			Name: "portal", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"},
		}),
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
		Steps:                    steps,
	})
}

// testAccClientDriftSteps edits one field of the client at a time through the API: a refresh must
// show the edited value in the state, and applying config must put want back. clientID is read
// when the steps run.
func testAccClientDriftSteps(t *testing.T, e *testEnv, clientID *string, config string, want iam.ClientRequest) []resource.TestStep {
	edits := []struct {
		attr, value string // the state attribute and its value after the edit ("#" for a set's size)
		edit        func(*iam.ClientRequest)
	}{
		{"name", "renamed-by-hand", func(r *iam.ClientRequest) { r.Name = "renamed-by-hand" }},
		{"description", "edited by hand", func(r *iam.ClientRequest) { r.Description = "edited by hand" }},
		{"allowed_scopes.#", "1", func(r *iam.ClientRequest) { r.AllowedScopes = []string{"api"} }},
		{"allowed_grant_types.#", "3", func(r *iam.ClientRequest) {
			r.AllowedGrantTypes = []string{"authorization_code", "client_credentials", "refresh_token"}
		}},
		{"redirect_uris.#", "1", func(r *iam.ClientRequest) { r.RedirectURIs = []string{"https://portal.example.com/callback"} }},
	}
	var steps []resource.TestStep
	for _, ed := range edits {
		steps = append(steps,
			resource.TestStep{
				PreConfig: func() {
					drifted := want
					ed.edit(&drifted)
					if _, err := e.API.UpdateClient(testContext(t), *clientID, drifted); err != nil {
						t.Fatalf("changing %s out of band: %v", ed.attr, err)
					}
				},
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check:              resource.TestCheckResourceAttr(testAccIAMClientAddr, ed.attr, ed.value),
			},
			resource.TestStep{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionUpdate),
				}},
				Check: testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, want),
			})
	}
	return steps
}

func TestAccIAMClientResource_import(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)

	config := testAccIAMClientResourceConfig(e, "partner-portal", `
  description         = "Partner portal (SSO)"
  allowed_grant_types = ["authorization_code", "client_credentials", "refresh_token"]
  allowed_scopes      = ["api", "bankservice"]
  redirect_uris       = ["https://partners.example.com/oidc/callback"]
`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
		Steps: []resource.TestStep{
			{Config: config},
			{
				// Every attribute reads back from the API, so nothing is ignored.
				ResourceName:      testAccIAMClientAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				ResourceName:    testAccIAMClientAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionNoop),
					},
				},
			},
			{
				ResourceName:  testAccIAMClientAddr,
				ImportState:   true,
				ImportStateId: "0b5e2a41-0000-4000-8000-000000000000/ab12cd34",
				ExpectError: expectErrorText(`Unable to import aritma_iam_client: expected the import id to be a client id, ` +
					`such as the client_id of the client, got "0b5e2a41-0000-4000-8000-000000000000/ab12cd34". ` +
					`Use: terraform import aritma_iam_client.<name> <client_id>`),
			},
			{
				ResourceName:  testAccIAMClientAddr,
				ImportState:   true,
				ImportStateId: "0b5e2a41-0000-4000-8000-000000000000",
				ExpectError: expectErrorText(`IAM client "0b5e2a41-0000-4000-8000-000000000000" does not exist, so it cannot ` +
					`be imported: the API answered 404 Not Found, also after waiting 5s in case the object was created ` +
					`moments ago and the API did not show it yet. Check the import id, and that the provider's endpoint ` +
					`is the API that holds the object.`),
			},
			{
				// The client's subject id where its client id belongs.
				ResourceName: testAccIAMClientAddr,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					id, err := testAccStateAttr(s, testAccIAMClientAddr, "id")
					return "client-" + id, err
				},
				ExpectError: regexp.MustCompile(`(?s)Import ID Is a Subject ID.*"client-[0-9a-f-]{36}" is the subject id of client.*` +
					`terraform import aritma_iam_client.<name> [0-9a-f-]{36}`),
			},
		},
	})
}

func TestAccIAMClientResource_disappears(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)

	config := testAccIAMClientResourceConfig(e, "ephemeral-job", testAccIAMClientM2MBody)
	differentID := statecheck.CompareValue(compare.ValuesDiffer())
	var clientID string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{differentID.AddStateValue(testAccIAMClientAddr, tfjsonpath.New("id"))},
				Check:             testAccCaptureAttr(testAccIAMClientAddr, "id", &clientID),
			},
			{
				// A refresh that sees the client ends its read-after-create grace period, as any later
				// apply or refresh does; without it the next refresh would wait up to 30s for the
				// deleted client, in case the API only lags.
				RefreshState: true,
			},
			{
				// Deleted outside Terraform: the refresh drops it (with a warning) and the plan creates
				// a new one, with a new id.
				PreConfig: func() {
					if err := e.API.DeleteClient(testContext(t), clientID); err != nil {
						t.Fatalf("deleting the client out of band: %v", err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionCreate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{differentID.AddStateValue(testAccIAMClientAddr, tfjsonpath.New("id"))},
				Check: testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, iam.ClientRequest{
					Name: "ephemeral-job", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"},
				}),
			},
		},
	})
}

// TestAccIAMClientResource_disappearsBeforeUpdate: a client deleted after a plan that did not
// refresh (-refresh=false, or deleted between plan and apply) fails its update with a way out, the
// state keeps the client until the next refresh drops it, and that apply converges.
func TestAccIAMClientResource_disappearsBeforeUpdate(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)

	before := testAccIAMClientResourceConfig(e, "nightly-job", testAccIAMClientM2MBody)
	after := testAccIAMClientResourceConfig(e, "nightly-job", testAccIAMClientM2MBody+"\n  description = \"runs at night\"")
	var clientID string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
		// Plans that do not refresh, as `terraform plan -refresh=false` or a deletion between plan
		// and apply leave them.
		AdditionalCLIOptions: &resource.AdditionalCLIOptions{Plan: resource.PlanOptions{NoRefresh: true}},
		Steps: []resource.TestStep{
			{
				Config: before,
				Check:  testAccCaptureAttr(testAccIAMClientAddr, "id", &clientID),
			},
			{
				RefreshState: true, // ends the read-after-create grace period (see _disappears)
			},
			{
				PreConfig: func() {
					if err := e.API.DeleteClient(testContext(t), clientID); err != nil {
						t.Fatalf("deleting the client out of band: %v", err)
					}
				},
				Config: after,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionUpdate),
					},
				},
				ExpectError: expectErrorTexts("Error: Unable to Update IAM Client",
					"The client was deleted outside Terraform. Apply again (its refresh drops the "+
						"client from the state and plans to create it)."),
			},
			{
				// What the hint promises: a refresh drops the client (plans here run with
				// -refresh=false, so the refresh is its own step) ...
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
			},
			{
				// ... and the apply creates it again, with the new description.
				Config: after,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionCreate),
					},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, iam.ClientRequest{
						Name: "nightly-job", Description: "runs at night",
						AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"},
					}),
					func(s *terraform.State) error {
						if got := s.RootModule().Resources[testAccIAMClientAddr].Primary.ID; got == clientID {
							return fmt.Errorf("the state still holds the deleted client %s", clientID)
						}
						return nil
					},
				),
			},
		},
	})
}

func TestAccIAMClientResource_validation(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)

	// Plan-time checks: each fails before any API call.
	planErrors := []struct {
		body, want string
	}{
		{
			`allowed_grant_types = ["password"]
			 allowed_scopes      = ["api"]`,
			`Invalid Grant Type`,
		},
		{
			`allowed_grant_types = ["password"]
			 allowed_scopes      = ["api"]`,
			`grant type "password" is not supported; allowed: client_credentials, authorization_code, refresh_token.`,
		},
		{
			`allowed_grant_types = []
			 allowed_scopes      = ["api"]`,
			`allowed_grant_types must contain at least one grant type.`,
		},
		{
			`allowed_grant_types = ["authorization_code"]
			 allowed_scopes      = ["api"]
			 redirect_uris       = ["http://portal.example.com/callback"]`,
			`redirect URI "http://portal.example.com/callback" must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1]).`,
		},
		{
			`allowed_grant_types = ["authorization_code"]
			 allowed_scopes      = ["api"]
			 redirect_uris       = ["http://localhost.example.com/callback"]`,
			`redirect URI "http://localhost.example.com/callback" must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1]).`,
		},
		{
			`allowed_grant_types = ["authorization_code"]
			 allowed_scopes      = ["api"]
			 redirect_uris       = ["https://portal.example.com/callback#top"]`,
			`redirect URI "https://portal.example.com/callback#top" must not contain a fragment.`,
		},
		{
			`allowed_grant_types = ["authorization_code", "refresh_token"]
			 allowed_scopes      = ["api"]`,
			`redirect_uris must contain at least one URI when authorization_code is allowed.`,
		},
		{
			`allowed_grant_types = ["client_credentials"]
			 allowed_scopes      = ["api"]
			 redirect_uris       = ["https://portal.example.com/callback"]`,
			`redirect_uris must be empty unless authorization_code is allowed.`,
		},
		{
			`allowed_grant_types = ["client_credentials"]
			 allowed_scopes      = []`,
			`allowed_scopes must contain at least one scope.`,
		},
		{
			`allowed_grant_types = ["client_credentials"]
			 allowed_scopes      = [""]`,
			`scope must not be empty.`,
		},
		{
			`allowed_grant_types = ["client_credentials"]
			 allowed_scopes      = ["api services.iam"]`,
			`scope must not contain whitespace (character 4 of 16 is).`,
		},
		{
			`description         = "` + strings.Repeat("x", 1001) + `"
			 allowed_grant_types = ["client_credentials"]
			 allowed_scopes      = ["api"]`,
			`description must be at most 1000 characters, got 1001.`,
		},
	}
	var steps []resource.TestStep
	for _, pe := range planErrors {
		steps = append(steps, resource.TestStep{
			Config:      testAccIAMClientResourceConfig(e, "invalid", pe.body),
			PlanOnly:    true,
			ExpectError: expectErrorText(pe.want),
		})
	}
	steps = append(steps,
		resource.TestStep{
			Config:      testAccIAMClientResourceConfig(e, "", testAccIAMClientM2MBody),
			PlanOnly:    true,
			ExpectError: expectErrorText(`name must be between 1 and 200 characters, got 0.`),
		},
		resource.TestStep{
			// An unknown OAuth scope is the server's call, from its scope catalogue at plan time.
			PreConfig: func() {
				if n := e.Mock.Stats().Count("POST", "/v1/clients"); n != 0 {
					t.Fatalf("plan-time validation let %d create requests through", n)
				}
			},
			Config: testAccIAMClientResourceConfig(e, "unknown-scope", `
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api", "payments.write"]
`),
			PlanOnly: true,
			ExpectError: expectErrorText(`scope "payments.write" is not supported; allowed: services.iam, api, bankservice. ` +
				`List them with the aritma_iam_scopes data source.`),
		},
		resource.TestStep{
			// A catalogue the provider cannot read leaves the check to the create: the API's own words.
			Config: e.ProviderConfigWith("endpoint", testAccProxy(t, e, refuse(http.MethodGet, "/v1/scopes", http.StatusNotFound))) +
				strings.TrimPrefix(testAccIAMClientResourceConfig(e, "unknown-scope", `
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api", "payments.write"]
`), e.ProviderConfig()),
			ExpectError: expectErrorText(`Creating IAM client "unknown-scope" failed. POST /v1/clients: 400 Bad Request: ` +
				`One or more validation errors occurred.: ` +
				`allowedScopes: scope "payments.write" is not supported; allowed: services.iam, api, bankservice`),
		},
	)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
		Steps:                    steps,
	})
}

// TestAccIAMClientResource_readLag runs against an API that hides new objects from reads for a
// while: the refresh right after create must wait for the client (and its policy) instead of
// dropping it from state, which would plan a second one.
func TestAccIAMClientResource_readLag(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	// Long enough that the refresh after the apply still finds the client hidden on a loaded
	// machine; well inside the provider's 30 s read-after-create window.
	e.Mock.SetFaults(mockserver.Faults{ReadLagMS: 10000})

	// The policy's read-back (a filtered list) lags as well. It is alice's: a policy on the new
	// client would wait at create until the API knows the client, and the refresh would then find
	// the client no longer hidden (TestAccDataSources_readLag covers that wait).
	config := testAccIAMClientResourceConfig(e, "lagging", testAccIAMClientM2MBody) + fmt.Sprintf(`
resource "aritma_iam_policy" "test" {
  subject = "user-%s"
  action  = "iam.client.read"
  scope   = "/"
}
`, mockserver.SeedUserAliceID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMPolicyDestroy(t, e),
		Steps: []resource.TestStep{
			{
				// The framework's refresh and plan right after this apply must find the client
				// (an empty plan), though the API still hides it.
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					stats := e.Mock.Stats()
					if n := stats.Count("POST", "/v1/clients"); n != 1 {
						return fmt.Errorf("%d create requests, want 1", n)
					}
					if n := stats.Count("POST", "/v1/policies"); n != 1 {
						return fmt.Errorf("%d policy create requests, want 1", n)
					}
					if n := stats.CountStatus("GET", "/v1/clients/{clientId}", 404); n == 0 {
						return fmt.Errorf("the mock never hid the new client, so the test proves nothing: %v", stats.Requests)
					}
					return nil
				},
			},
		},
	})
}

// TestAccIAMClientResource_lostCreateResponse: the API commits the create but the answer is lost.
// The provider must not guess; it says the client may exist, names it, and how to import it. The
// second step follows that advice.
func TestAccIAMClientResource_lostCreateResponse(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)

	config := testAccIAMClientResourceConfig(e, "lost-response", testAccIAMClientM2MBody)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
		Steps: []resource.TestStep{
			{
				// The API lists the client it made late, too: the look-up waits for it.
				PreConfig: func() { e.Mock.SetFaults(mockserver.Faults{CommitThenFailRate: 1, ReadLagMS: 2000}) },
				Config:    config,
				ExpectError: regexp.MustCompile(`Error: IAM Client May Have Been Created(?s:.*?)` +
					expectErrorText(`The request to create IAM client "lost-response" was sent, but its response was lost `+
						`or did not say whether it was created, `+
						`so the client may or may not exist now.`).String() + `(?s:.*?)` +
					expectErrorText(`A client named "lost-response" exists now:`).String() + `[\s│]+([0-9a-f-]{36}), the only one(?s:.*?)` +
					expectErrorText(`terraform import aritma_iam_client.<name>`).String() + `[\s│]+([0-9a-f-]{36})`),
			},
			{
				PreConfig: func() {
					e.Mock.SetFaults(mockserver.Faults{})
					if n := len(testAccIAMClientsNamed(t, e, "lost-response")); n != 1 {
						t.Fatalf("%d clients named lost-response, want 1 (created despite the lost answer)", n)
					}
				},
				Config:             config,
				ResourceName:       testAccIAMClientAddr,
				ImportState:        true,
				ImportStatePersist: true,
				ImportStateIdFunc: func(*terraform.State) (string, error) {
					return testAccIAMClientsNamed(t, e, "lost-response")[0].ClientID, nil
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// testAccIAMClientsNamed lists the clients with exactly this name through the admin API.
func testAccIAMClientsNamed(t *testing.T, e *testEnv, name string) []iam.OAuthClient {
	t.Helper()
	return slices.DeleteFunc(apiClients(t, e, name), func(c iam.OAuthClient) bool { return c.Name != name })
}

// testAccCheckIAMClientInAPI reads the client through the admin API and compares it with want
// (sets in any order), and checks that subject_id is "client-<id>".
func testAccCheckIAMClientInAPI(t *testing.T, e *testEnv, addr string, want iam.ClientRequest) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, err := testAccResourceState(s, addr)
		if err != nil {
			return err
		}
		id := rs.Primary.ID
		if got := rs.Primary.Attributes["subject_id"]; got != "client-"+id {
			return fmt.Errorf("subject_id = %q, want %q", got, "client-"+id)
		}
		c, err := e.API.GetClient(testContext(t), id)
		if err != nil {
			return fmt.Errorf("reading client %s through the API: %w", id, err)
		}
		sorted := func(v []string) []string {
			v = slices.Clone(v)
			slices.Sort(v)
			if v == nil {
				v = []string{}
			}
			return v
		}
		got := iam.ClientRequest{Name: c.Name, Description: c.Description, AllowedGrantTypes: sorted(c.AllowedGrantTypes),
			AllowedScopes: sorted(c.AllowedScopes), RedirectURIs: sorted(c.RedirectURIs)}
		want := iam.ClientRequest{Name: want.Name, Description: want.Description, AllowedGrantTypes: sorted(want.AllowedGrantTypes),
			AllowedScopes: sorted(want.AllowedScopes), RedirectURIs: sorted(want.RedirectURIs)}
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
			return fmt.Errorf("client %s in the API is\n%#v\nwant\n%#v", id, got, want)
		}
		return nil
	}
}

// testAccCheckIAMClientDestroy proves through the API that every client in the state is gone.
func testAccCheckIAMClientDestroy(t *testing.T, e *testEnv) resource.TestCheckFunc {
	return testAccCheckDestroyed("aritma_iam_client", func(rs *terraform.ResourceState) error {
		_, err := e.API.GetClient(testContext(t), rs.Primary.ID)
		return err
	})
}

// TestUnitIAMClientOutcomeUnknownDetail_partialLookup checks the advice after a lost create when
// looking for clients of that name fails after the first page: the one on page 1 need not be the
// only one, so the advice names none as the one to import; it says the look-up failed.
func TestUnitIAMClientOutcomeUnknownDetail_partialLookup(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	// "svc" first, then a full page of clients whose names contain it: the search for "svc" has a
	// second page.
	names := []string{"svc"}
	for i := range 100 {
		names = append(names, fmt.Sprintf("svc-%03d", i))
	}
	first := testAccCreateClients(t, e, names[:1]...)[0].ClientID
	testAccCreateClients(t, e, names[1:]...)
	r := newIAMClientResourceThrough(t, e, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v1/clients" && r.URL.Query().Get("page") == "2" {
				http.Error(w, `{"title":"Forbidden","status":403}`, http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	detail := r.outcomeUnknownDetail(ctx, ctx, "svc", iam.ErrOutcomeUnknown)
	for _, want := range []string{
		`Looking for clients named "svc" failed as well (`,
		"403",
		"terraform import aritma_iam_client.<name> <client_id>",
		`quoted for the shell, as in 'module.svc["orders"].aritma_iam_client.this'. OpenTofu users run tofu import`,
	} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}
	if strings.Contains(detail, "exists now") {
		t.Errorf("detail names one client as the one created although the look-up stopped partway:\n%s", detail)
	}
	if strings.Contains(detail, "named above") {
		t.Errorf("detail refers to clients named above as other resources', where it named none:\n%s", detail)
	}

	detail = newIAMClientResourceWith(e.API).outcomeUnknownDetail(ctx, ctx, "svc", iam.ErrOutcomeUnknown)
	if !strings.Contains(detail, "A client named \"svc\" exists now: "+first+", the only one also after waiting up to 10s") {
		t.Errorf("a complete look-up with one match does not name it:\n%s", detail)
	}
}

// newIAMClientResourceThrough is an iamClientResource whose API client reaches the mock through
// testAccProxy with wrap, which can hold up or answer any request itself.
func newIAMClientResourceThrough(t *testing.T, e *testEnv, wrap func(next http.Handler) http.Handler) *iamClientResource {
	t.Helper()
	api, err := iam.NewClient(iam.Config{Endpoint: testAccProxy(t, e, wrap), TokenURL: e.Mock.TokenURL,
		ClientID: e.Mock.AdminClientID(), ClientSecret: e.Mock.AdminClientSecret(), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return newIAMClientResourceWith(api)
}

func newIAMClientResourceWith(api *iam.Client) *iamClientResource {
	r := NewIAMClientResource().(*iamClientResource)
	r.data = &providerData{client: api}
	return r
}

// A client the API holds without scopes (it accepts none; the provider requires one) imports,
// and the import plans the update that adds the configured scopes, as the docs say.
func TestAccIAMClientResource_importWithoutScopes(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	c, err := e.API.CreateClient(testContext(t), iam.ClientRequest{Name: "no-scopes", AllowedGrantTypes: []string{"client_credentials"},
		AllowedScopes: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.AllowedScopes) != 0 {
		t.Fatalf("created client has scopes %v, want none", c.AllowedScopes)
	}
	config := testAccIAMClientResourceConfig(e, "no-scopes", `
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
`) + fmt.Sprintf(`
import {
  to = aritma_iam_client.test
  id = %q
}
`, c.ClientID)
	resource.Test(t, resource.TestCase{
		// import blocks arrived in Terraform 1.5.
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_5_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("client_id"), knownvalue.StringExact(c.ClientID)),
				},
				Check: testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, iam.ClientRequest{Name: "no-scopes",
					AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"}}),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// TestAccIAMResources_importReadLag imports objects made outside Terraform moments before, which
// an eventually consistent API does not show yet: each import waits for its object instead of
// failing with "non-existent". The mock hides every object until it has answered the import's
// first read, then shows them again, so the read that succeeds is always a retry.
func TestAccIAMResources_importReadLag(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)

	c, err := e.API.CreateClient(ctx, iam.ClientRequest{Name: "made-outside", AllowedGrantTypes: []string{"client_credentials"},
		AllowedScopes: []string{"api"}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.API.CreateClientSecret(ctx, c.ClientID, iam.SecretRequest{Value: "made-outside-lag", Description: "outside"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.API.CreatePolicy(ctx, iam.Policy{Subject: clientSubjectID(c.ClientID), Action: "iam.client.read", Scope: "/"})
	if err != nil {
		t.Fatal(err)
	}

	config := e.ProviderConfig() + fmt.Sprintf(`
resource "aritma_iam_client" "test" {
  name = "made-outside"
%[1]s
}

resource "aritma_iam_client_secret" "test" {
  client_id   = %[2]q
  description = "outside"
}

resource "aritma_iam_policy" "test" {
  subject = %[3]q
  action  = "iam.client.read"
  scope   = "/"
}
`, testAccIAMClientM2MBody, c.ClientID, p.Subject)

	// hideUntilRead hides every object from reads until route has answered once more, and checks,
	// after the step, that the import read it again after that.
	var calls int64
	hideUntilRead := func(route string) func() {
		return func() {
			calls = e.Mock.Stats().Count("GET", route)
			e.Mock.SetFaults(mockserver.Faults{ReadLagMS: int((time.Hour).Milliseconds())})
			go func() {
				for e.Mock.Stats().Count("GET", route) == calls {
					time.Sleep(10 * time.Millisecond)
				}
				e.Mock.SetFaults(mockserver.Faults{})
			}()
		}
	}
	readAgain := func(route string) resource.ImportStateCheckFunc {
		return func([]*terraform.InstanceState) error {
			if n := e.Mock.Stats().Count("GET", route) - calls; n < 2 {
				return fmt.Errorf("GET %s answered %d times during the import, want a hidden answer and a retry", route, n)
			}
			return nil
		}
	}
	importStep := func(addr, id, route string, want map[string]string) resource.TestStep {
		return resource.TestStep{
			PreConfig:     hideUntilRead(route),
			Config:        config,
			ResourceName:  addr,
			ImportState:   true,
			ImportStateId: id,
			// Kept, so the configuration takes the three over (an empty plan) and destroys them.
			ImportStatePersist: true,
			ImportStateCheck: func(all []*terraform.InstanceState) error {
				// The state holds what earlier steps imported too.
				typ, _, _ := strings.Cut(addr, ".")
				var states []*terraform.InstanceState
				for _, st := range all {
					if st.Ephemeral.Type == typ {
						states = append(states, st)
					}
				}
				if len(states) != 1 {
					return fmt.Errorf("%d imported objects of %s, want 1", len(states), typ)
				}
				for k, v := range want {
					if got := states[0].Attributes[k]; got != v {
						return fmt.Errorf("imported %s = %q, want %q", k, got, v)
					}
				}
				return readAgain(route)(states)
			},
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(testAccCheckIAMPolicyDestroy(t, e),
			testAccCheckIAMClientSecretDestroy(e), testAccCheckIAMClientDestroy(t, e)),
		Steps: []resource.TestStep{
			importStep("aritma_iam_client.test", c.ClientID, "/v1/clients/{clientId}",
				map[string]string{"name": "made-outside", "subject_id": clientSubjectID(c.ClientID)}),
			importStep("aritma_iam_client_secret.test", clientSecretID(c.ClientID, s.ClientSecretID),
				"/v1/clients/{clientId}/secrets", map[string]string{"description": "outside", "secret_id": s.ClientSecretID}),
			importStep("aritma_iam_policy.test", policyID(p.Subject, p.Action, p.Scope), "/v1/policies",
				map[string]string{"tenant": p.Tenant}),
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}
