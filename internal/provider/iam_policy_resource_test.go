package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
)

const testAccIAMPolicyAddr = "aritma_iam_policy.test"

// testAccIAMPolicyResourceConfig grants action on scope to a client made in the same configuration.
func testAccIAMPolicyResourceConfig(e *testEnv, action, scope string) string {
	return e.ProviderConfig() + fmt.Sprintf(`
resource "aritma_iam_client" "test" {
  name                = "reporting-service"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

resource "aritma_iam_policy" "test" {
  subject = aritma_iam_client.test.subject_id
  action  = %[1]q
  scope   = %[2]q
}
`, action, scope)
}

// testAccIAMPolicyClientOnlyConfig is testAccIAMPolicyResourceConfig without the policy: applying
// it deletes the policy while its client stays, so the delete itself is checked (deleting the
// client would take the policy with it).
func testAccIAMPolicyClientOnlyConfig(e *testEnv) string {
	return e.ProviderConfig() + `
resource "aritma_iam_client" "test" {
  name                = "reporting-service"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}
`
}

// testAccIAMPolicyRemovedStep removes the policy from the configuration and checks through the API
// that the client holds none.
func testAccIAMPolicyRemovedStep(t *testing.T, e *testEnv) resource.TestStep {
	return resource.TestStep{
		Config: testAccIAMPolicyClientOnlyConfig(e),
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectResourceAction(testAccIAMPolicyAddr, plancheck.ResourceActionDestroy),
		}},
		Check: testAccCheckIAMPolicyCount(t, e, testAccIAMClientAddr, 0),
	}
}

// testAccIAMPolicyResourceConfigSubject grants to a literal subject id.
func testAccIAMPolicyResourceConfigSubject(e *testEnv, subject, action, scope string) string {
	return e.ProviderConfig() + fmt.Sprintf(`
resource "aritma_iam_policy" "test" {
  subject = %[1]q
  action  = %[2]q
  scope   = %[3]q
}
`, subject, action, scope)
}

func TestAccIAMPolicyResource_basic(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	alice := "user-" + mockserver.SeedUserAliceID

	sameClient := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMPolicyDestroy(t, e),
		Steps: []resource.TestStep{
			{
				Config: testAccIAMPolicyResourceConfig(e, "iam.client.read", "/subscriptions/123"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testAccIAMPolicyAddr, plancheck.ResourceActionCreate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameClient.AddStateValue(testAccIAMClientAddr, tfjsonpath.New("id")),
					statecheck.CompareValuePairs(testAccIAMClientAddr, tfjsonpath.New("subject_id"),
						testAccIAMPolicyAddr, tfjsonpath.New("subject"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(testAccIAMPolicyAddr, tfjsonpath.New("action"), knownvalue.StringExact("iam.client.read")),
					statecheck.ExpectKnownValue(testAccIAMPolicyAddr, tfjsonpath.New("scope"), knownvalue.StringExact("/subscriptions/123")),
					statecheck.ExpectKnownValue(testAccIAMPolicyAddr, tfjsonpath.New("tenant"), knownvalue.StringExact(e.Mock.TenantID())),
					statecheck.ExpectKnownValue(testAccIAMPolicyAddr, tfjsonpath.New("id"),
						knownvalue.StringRegexp(regexp.MustCompile(`^client-[0-9a-f-]{36},iam\.client\.read,/subscriptions/123$`))),
				},
				Check: testAccCheckIAMPolicyInAPI(t, e, testAccIAMPolicyAddr),
			},
			{
				Config: testAccIAMPolicyResourceConfig(e, "iam.client.read", "/subscriptions/123"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// A policy cannot change: a new scope replaces it; the client stays.
				Config: testAccIAMPolicyResourceConfig(e, "iam.client.read", "/subscriptions/123/resource-groups/my-company"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testAccIAMPolicyAddr, plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionNoop),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameClient.AddStateValue(testAccIAMClientAddr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(testAccIAMPolicyAddr, tfjsonpath.New("scope"),
						knownvalue.StringExact("/subscriptions/123/resource-groups/my-company")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckIAMPolicyInAPI(t, e, testAccIAMPolicyAddr),
					testAccCheckIAMPolicyCount(t, e, testAccIAMClientAddr, 1),
				),
			},
			{
				Config: testAccIAMPolicyResourceConfig(e, "iam.manage", "/subscriptions/123/resource-groups/my-company"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testAccIAMPolicyAddr, plancheck.ResourceActionReplace),
					},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckIAMPolicyInAPI(t, e, testAccIAMPolicyAddr),
					testAccCheckIAMPolicyCount(t, e, testAccIAMClientAddr, 1),
				),
			},
			{
				// Another subject replaces the grant too; a second grant of the same subject and action
				// on another scope is read as its own policy, not as the first.
				Config: testAccIAMPolicyResourceConfig(e, "iam.manage", "/subscriptions/123/resource-groups/my-company") +
					fmt.Sprintf(`
resource "aritma_iam_policy" "alice" {
  subject = %[1]q
  action  = "iam.client.read"
  scope   = "/subscriptions/123"
}

resource "aritma_iam_policy" "alice_elsewhere" {
  subject = %[1]q
  action  = "iam.client.read"
  scope   = "/subscriptions/456"
}
`, alice),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testAccIAMPolicyAddr, plancheck.ResourceActionNoop),
					},
				},
			},
			{
				Config: testAccIAMPolicyResourceConfigSubject(e, alice, "iam.manage", "/subscriptions/123/resource-groups/my-company") +
					`
resource "aritma_iam_client" "test" {
  name                = "reporting-service"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}
`,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testAccIAMPolicyAddr, plancheck.ResourceActionReplace),
					},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckIAMPolicyInAPI(t, e, testAccIAMPolicyAddr),
					testAccCheckIAMPolicyCount(t, e, testAccIAMClientAddr, 0),
					resource.TestCheckResourceAttr(testAccIAMPolicyAddr, "subject", alice),
				),
			},
		},
	})
}

func TestAccIAMPolicyResource_import(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)

	config := testAccIAMPolicyResourceConfig(e, "banking.pis.create", "/subscriptions/42/resource-groups/payments")
	importError := func(id, reason string) resource.TestStep {
		return resource.TestStep{
			ResourceName:  testAccIAMPolicyAddr,
			ImportState:   true,
			ImportStateId: id,
			ExpectError: expectErrorText("Unable to import aritma_iam_policy: " + reason + ". " +
				"Use: terraform import aritma_iam_policy.<name> '<subject>,<action>,<scope>'"),
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMPolicyDestroy(t, e),
		Steps: []resource.TestStep{
			{Config: config},
			{
				ResourceName:      testAccIAMPolicyAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				ResourceName:    testAccIAMPolicyAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testAccIAMPolicyAddr, plancheck.ResourceActionNoop),
					},
				},
			},
			importError("client-1234,banking.pis.create",
				`expected an import id of the form "<subject>,<action>,<scope>", such as `+
					`"client-1234,iam.client.read,/subscriptions/123", got "client-1234,banking.pis.create"`),
			importError("client-1234/banking.pis.create/subscriptions/42",
				`expected an import id of the form "<subject>,<action>,<scope>", such as `+
					`"client-1234,iam.client.read,/subscriptions/123", got "client-1234/banking.pis.create/subscriptions/42"`),
			importError("client-1234,banking.pis.create,subscriptions/42", `scope must start with "/"`),
			importError("client-1234,/subscriptions/42,banking.pis.create", `action "/subscriptions/42" must be dot-separated `+
				`lower-case segments of a-z and 0-9, e.g. "iam.client.read" (the parts of a policy id are in the order `+
				`"<subject>,<action>,<scope>", such as "client-1234,iam.client.read,/subscriptions/123")`),
			importError("1234,banking.pis.create,/subscriptions/42", `subject "1234" must be a subject id of the form `+
				`user-<id>, client-<id> or group-<id>`),
			{
				ResourceName:  testAccIAMPolicyAddr,
				ImportState:   true,
				ImportStateId: "client-0b5e2a41-0000-4000-8000-000000000000,banking.pis.create,/subscriptions/42",
				ExpectError: expectErrorText(`IAM policy "client-0b5e2a41-0000-4000-8000-000000000000,banking.pis.create,` +
					`/subscriptions/42" does not exist, so it cannot be imported: the API answered 404 Not Found`),
			},
			testAccIAMPolicyRemovedStep(t, e),
		},
	})
}

func TestAccIAMPolicyResource_disappears(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)

	config := testAccIAMPolicyResourceConfig(e, "iam.policy.read", "/")
	var policy, clientID string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMPolicyDestroy(t, e),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCaptureAttr(testAccIAMPolicyAddr, "id", &policy),
					testAccCaptureAttr(testAccIAMClientAddr, "id", &clientID),
				),
			},
			// Refreshes end the read-after-create grace period (see TestAccIAMClientResource_disappears).
			{RefreshState: true},
			{
				// The policy alone is deleted outside Terraform: only the policy is re-created.
				PreConfig: func() {
					subject, action, scope, err := parsePolicyID(policy)
					if err != nil {
						t.Fatal(err)
					}
					if err := e.API.DeletePolicy(testContext(t), subject, action, scope); err != nil {
						t.Fatalf("deleting the policy out of band: %v", err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testAccIAMPolicyAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionNoop),
					},
				},
				Check: testAccCheckIAMPolicyInAPI(t, e, testAccIAMPolicyAddr),
			},
			{RefreshState: true},
			{
				// Deleting the client takes its policies with it: both come back.
				PreConfig: func() {
					if err := e.API.DeleteClient(testContext(t), clientID); err != nil {
						t.Fatalf("deleting the client out of band: %v", err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(testAccIAMPolicyAddr, plancheck.ResourceActionCreate),
					},
				},
				Check: testAccCheckIAMPolicyInAPI(t, e, testAccIAMPolicyAddr),
			},
			testAccIAMPolicyRemovedStep(t, e),
		},
	})
}

func TestAccIAMPolicyResource_duplicate(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)

	// Someone granted this by hand before Terraform came along.
	ctx := testContext(t)
	c, err := e.API.CreateClient(ctx, iam.ClientRequest{
		Name: "hand-made", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"},
	})
	if err != nil {
		t.Fatal(err)
	}
	existing := iam.Policy{Subject: "client-" + c.ClientID, Action: "banking.ais.read", Scope: "/subscriptions/7"}
	if _, err := e.API.CreatePolicy(ctx, existing); err != nil {
		t.Fatal(err)
	}
	id := policyID(existing.Subject, existing.Action, existing.Scope)
	config := testAccIAMPolicyResourceConfigSubject(e, existing.Subject, existing.Action, existing.Scope)
	cbd := strings.Replace(config, "resource \"aritma_iam_policy\" \"test\" {\n",
		"resource \"aritma_iam_policy\" \"test\" {\n  lifecycle {\n    create_before_destroy = true\n  }\n", 1)
	if cbd == config {
		t.Fatal("the lifecycle block was not added")
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMPolicyDestroy(t, e),
		Steps: []resource.TestStep{
			{
				Config: config,
				ExpectError: expectErrorText(`The policy "` + id + `" already exists in Aritma IAM, so Terraform did not ` +
					`create it. Terraform does not take over a grant it did not make. To manage it with this configuration, ` +
					`import it, replacing <name> with this resource's name: terraform import aritma_iam_policy.<name> '` + id + `'`),
			},
			{
				// Never adopted and never deleted by the failed apply; following the advice works.
				PreConfig: func() {
					if _, err := e.API.GetPolicy(testContext(t), existing.Subject, existing.Action, existing.Scope); err != nil {
						t.Fatalf("the pre-existing policy is gone: %v", err)
					}
				},
				Config:             config,
				ResourceName:       testAccIAMPolicyAddr,
				ImportState:        true,
				ImportStateId:      id,
				ImportStatePersist: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testAccIAMPolicyAddr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					statecheck.ExpectKnownValue(testAccIAMPolicyAddr, tfjsonpath.New("tenant"), knownvalue.StringExact(e.Mock.TenantID())),
				},
			},
			{
				// A forced replacement (-replace, or a taint) with create_before_destroy meets the grant
				// it is to replace; the error says so instead of only sending the user to import it.
				Config: cbd,
				Taint:  []string{testAccIAMPolicyAddr},
				ExpectError: expectErrorText(`so terraform apply -replace (or tofu apply -replace) of a policy with ` +
					`create_before_destroy (or a tainted one, or one whose replace_triggered_by fired) always ends here: apply ` +
					`without -replace (terraform untaint, or tofu untaint, a tainted one; take create_before_destroy off a ` +
					`policy with replace_triggered_by).`),
			},
			{
				// The old grant is kept.
				PreConfig: func() {
					if _, err := e.API.GetPolicy(testContext(t), existing.Subject, existing.Action, existing.Scope); err != nil {
						t.Fatalf("the grant is gone after the failed replacement: %v", err)
					}
				},
				Config:             cbd,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true, // still tainted
			},
		},
	})
}

func TestAccIAMPolicyResource_validation(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	alice := "user-" + mockserver.SeedUserAliceID

	planErrors := []struct {
		subject, action, scope, want string
	}{
		{alice, "iam.client.read", "subscriptions/1", `Invalid Policy Scope`},
		{alice, "iam.client.read", "subscriptions/1", `scope must start with "/".`},
		{alice, "iam.client.read", "/a//b", `scope must not contain empty segments.`},
		{alice, "iam.client.read", "/a/", `scope must not end with "/" (only the root scope "/" may).`},
		{alice, "iam.client.read", "/subscriptions", `scope must consist of /<type>/<id> pairs, e.g. /subscriptions/123.`},
		{alice, "iam.client.read", "/subscriptions/my company", `scope segment "my company" may only contain the characters A-Z a-z 0-9 . _ ~ -.`},
		{alice, "iam.client.read", "/" + strings.Repeat("s", 256) + "/" + strings.Repeat("1", 255), `scope must be at most 512 characters, got 513.`},
		{alice, "IAM.Client.Read", "/", `action "IAM.Client.Read" must be dot-separated lower-case segments of a-z and 0-9, e.g. "iam.client.read".`},
		{alice, "iam..read", "/", `action "iam..read" must be dot-separated lower-case segments of a-z and 0-9, e.g. "iam.client.read".`},
		{"alice", "iam.client.read", "/", `subject "alice" must be a subject id of the form user-<id>, client-<id> or group-<id>.`},
	}
	var steps []resource.TestStep
	for _, pe := range planErrors {
		steps = append(steps, resource.TestStep{
			Config:      testAccIAMPolicyResourceConfigSubject(e, pe.subject, pe.action, pe.scope),
			PlanOnly:    true,
			ExpectError: expectErrorText(pe.want),
		})
	}
	steps = append(steps,
		resource.TestStep{
			// Whether an action exists is the server's call: its catalogue, read at plan time.
			PreConfig: func() {
				if n := e.Mock.Stats().Count("POST", "/v1/policies"); n != 0 {
					t.Fatalf("plan-time validation let %d create requests through", n)
				}
			},
			Config:   testAccIAMPolicyResourceConfigSubject(e, alice, "iam.client.fly", "/"),
			PlanOnly: true,
			ExpectError: expectErrorText(`action "iam.client.fly" is not in the action catalogue (GET /v1/actions), ` +
				`so the API cannot grant it.`),
		},
		resource.TestStep{
			// A catalogue the provider may not read leaves the check to the create, at apply.
			Config: e.ProviderConfigWith("endpoint", testAccProxy(t, e, refuse(http.MethodGet, "/v1/actions", http.StatusForbidden))) +
				strings.TrimPrefix(testAccIAMPolicyResourceConfigSubject(e, alice, "iam.client.fly", "/"), e.ProviderConfig()),
			ExpectError: expectErrorText(`Creating policy "` + alice + `,iam.client.fly,/" failed. POST /v1/policies: 400 Bad Request: ` +
				`One or more validation errors occurred.: ` +
				`action: action "iam.client.fly" is not in the action catalogue (GET /v1/actions)`),
		},
		resource.TestStep{
			// So is whether a subject exists.
			Config: testAccIAMPolicyResourceConfigSubject(e, "client-0b5e2a41-0000-4000-8000-000000000000", "iam.client.read", "/"),
			ExpectError: expectErrorTexts(`POST /v1/policies: 400 Bad Request: One or more validation errors occurred.: `+
				`subject: subject "client-0b5e2a41-0000-4000-8000-000000000000" does not exist`,
				`Check the subject: a client's is aritma_iam_client.<name>.subject_id, a user's or group's comes from the `+
					`aritma_iam_subject data source. A subject created moments ago may not be known to the API yet, where this `+
					`provider configuration did not create it (outside this apply, or through another provider configuration, such `+
					`as an alias, which it does not wait for): then apply again in a moment.`),
		},
	)
	// A client's subject id made from its subject id (client_subject_id of a subject_id) is
	// caught at plan, when the API shows which client was meant.
	svc := testAccCreateClients(t, e, "doubled")[0]
	doubled := "client-client-" + svc.ClientID
	steps = append(steps, resource.TestStep{
		Config:   testAccIAMPolicyResourceConfigSubject(e, doubled, "iam.client.read", "/"),
		PlanOnly: true,
		ExpectError: expectErrorText(`subject "` + doubled + `" names client "client-` + svc.ClientID + `", and no IAM client has ` +
			`that id; client "` + svc.ClientID + `" exists, and its subject id is "client-` + svc.ClientID + `". The subject was ` +
			`made from a client's subject id instead of its client id: use aritma_iam_client.<name>.subject_id, or ` +
			`provider::aritma::client_subject_id with the client id (aritma_iam_client.<name>.client_id).`),
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMPolicyDestroy(t, e),
		Steps:                    steps,
	})
}

// TestAccIAMPolicyResource_lostCreateResponse: the API commits a policy but the answer is lost.
// A policy is identified by its triple, so the client can safely retry and resolve the 409: the
// apply succeeds with exactly one policy. Without retries (max_retries = 0, or an interrupt, which
// stops the repeats), reading the triple says what the lost answer would have, also from an API
// that shows the new grant late: the one POST made the grant, and the state records it.
func TestAccIAMPolicyResource_lostCreateResponse(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	for name, tc := range map[string]struct {
		retries string
		lagMS   int
	}{"retried": {}, "looked up": {retries: "0"}, "looked up, shown late": {retries: "0", lagMS: 1500}} {
		retries := tc.retries
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			alice := "user-" + mockserver.SeedUserAliceID
			config := testAccIAMPolicyResourceConfigSubject(e, alice, "banking.consents.read", "/subscriptions/9")
			if retries != "" {
				config = strings.Replace(config, e.ProviderConfig(), e.ProviderConfigWith("max_retries", retries), 1)
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy:             testAccCheckIAMPolicyDestroy(t, e),
				Steps: []resource.TestStep{
					{
						PreConfig: func() { e.Mock.SetFaults(mockserver.Faults{CommitThenFailRate: 1, ReadLagMS: tc.lagMS}) },
						Config:    config,
						Check: resource.ComposeAggregateTestCheckFunc(
							testAccCheckIAMPolicyInAPI(t, e, testAccIAMPolicyAddr),
							func(*terraform.State) error {
								if n := e.Mock.Stats().CountStatus("POST", "/v1/policies", 502); n == 0 {
									return fmt.Errorf("the mock never lost a create answer; the test proves nothing")
								}
								if n := e.Mock.Stats().Count("POST", "/v1/policies"); retries != "" && n != 1 {
									return fmt.Errorf("%d policy creates with max_retries = 0, want 1", n)
								}
								return nil
							},
						),
					},
				},
			})
		})
	}
}

// testAccCheckIAMPolicyInAPI finds the policy of the state's triple through the admin API and
// checks that its id is that triple.
func testAccCheckIAMPolicyInAPI(t *testing.T, e *testEnv, addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, err := testAccResourceState(s, addr)
		if err != nil {
			return err
		}
		a := rs.Primary.Attributes
		if want := policyID(a["subject"], a["action"], a["scope"]); rs.Primary.ID != want {
			return fmt.Errorf("id = %q, want %q", rs.Primary.ID, want)
		}
		p, err := e.API.GetPolicy(testContext(t), a["subject"], a["action"], a["scope"])
		if err != nil {
			return fmt.Errorf("reading policy %s through the API: %w", rs.Primary.ID, err)
		}
		if p.Tenant != a["tenant"] {
			return fmt.Errorf("tenant in the API %q, in the state %q", p.Tenant, a["tenant"])
		}
		return nil
	}
}

// testAccCheckIAMPolicyCount checks how many policies the API holds for the client at clientAddr.
func testAccCheckIAMPolicyCount(t *testing.T, e *testEnv, clientAddr string, want int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, err := testAccResourceState(s, clientAddr)
		if err != nil {
			return err
		}
		n := len(apiList(t, "policies", e.API.ListPolicies(testContext(t), iam.PolicyFilter{Subject: "client-" + rs.Primary.ID})))
		if n != want {
			return fmt.Errorf("%d policies for client %s, want %d", n, rs.Primary.ID, want)
		}
		return nil
	}
}

// testAccCheckIAMPolicyDestroy proves through the API that every policy (and client) in the state
// is gone.
func testAccCheckIAMPolicyDestroy(t *testing.T, e *testEnv) resource.TestCheckFunc {
	policies := testAccCheckDestroyed("aritma_iam_policy", func(rs *terraform.ResourceState) error {
		a := rs.Primary.Attributes
		_, err := e.API.GetPolicy(testContext(t), a["subject"], a["action"], a["scope"])
		return err
	})
	return resource.ComposeAggregateTestCheckFunc(policies, testAccCheckIAMClientDestroy(t, e))
}

// Two resources that declare the same grant: one creates it, the other's 409 must say the
// configuration declares it twice, not offer an import that would bind both to one policy.
func TestAccIAMPolicyResource_declaredTwice(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	alice := "user-" + mockserver.SeedUserAliceID
	grant := fmt.Sprintf(`
  subject = %q
  action  = "iam.client.read"
  scope   = "/subscriptions/twice"
`, alice)
	twice := iam.PolicyFilter{Subject: alice, Action: "iam.client.read", Scope: "/subscriptions/twice"}
	config := e.ProviderConfig() + `
resource "aritma_iam_policy" "a" {` + grant + `}

resource "aritma_iam_policy" "b" {` + grant + `}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMPolicyDestroy(t, e),
		Steps: []resource.TestStep{
			{
				Config: config,
				ExpectError: expectErrorText(`Another resource in this configuration has just created the policy "` + alice +
					`,iam.client.read,/subscriptions/twice": two resources declare the same subject, action and scope, and one ` +
					`grant cannot be managed by both. Remove one of them.`),
			},
			{
				// One of the two created the grant, once; without both, it goes.
				Config: e.ProviderConfig(),
				PreConfig: func() {
					if n := len(apiList(t, "policies", e.API.ListPolicies(testContext(t), twice))); n != 1 {
						t.Fatalf("the server holds the grant %d times, want once", n)
					}
				},
				Check: func(*terraform.State) error {
					if n := len(apiList(t, "policies", e.API.ListPolicies(testContext(t), twice))); n != 0 {
						return fmt.Errorf("the server still holds the grant %d times after both resources went, want none", n)
					}
					return nil
				},
			},
		},
	})
}

// TestAccCatalogueChecks: an action or a scope the API's catalogue lacks fails the plan, before
// the client and secret of the same configuration are made (at apply the policy's create would
// fail after them, leaving the configuration half applied); plans that add none make no
// catalogue request.
func TestAccCatalogueChecks(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	config := func(scopes, action string) string {
		return e.ProviderConfig() + `
resource "aritma_iam_client" "test" {
  name                = "catalogue-check"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = [` + scopes + `]
}

resource "aritma_iam_client_secret" "test" {
  client_id = aritma_iam_client.test.client_id
}

resource "aritma_iam_policy" "test" {
  subject = aritma_iam_client.test.subject_id
  action  = "` + action + `"
  scope   = "/subscriptions/1"
}
`
	}
	nothingMade := func() {
		if n := len(testAccIAMClientsNamed(t, e, "catalogue-check")); n != 0 {
			t.Fatalf("%d clients made by a plan that should have failed", n)
		}
	}
	catalogueReads := func(want int64) resource.TestCheckFunc {
		return func(*terraform.State) error {
			st := e.Mock.Stats()
			if got := st.Count("GET", "/v1/actions") + st.Count("GET", "/v1/scopes"); got != want {
				return fmt.Errorf("%d catalogue reads, want %d", got, want)
			}
			return nil
		}
	}
	want := iam.ClientRequest{Name: "catalogue-check", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
		Steps: []resource.TestStep{
			{
				Config: config(`"api"`, "banking.ais.reed"),
				ExpectError: testAccExpectDiagnostic("Unknown Action", `action "banking.ais.reed" is not in the action catalogue `+
					`(GET /v1/actions), so the API cannot grant it. List the actions with the aritma_iam_actions data source.`),
			},
			{
				PreConfig: nothingMade,
				Config:    config(`"api", "bankservices"`, "banking.ais.read"),
				ExpectError: testAccExpectDiagnostic("Unsupported Scope", `scope "bankservices" is not supported; `+
					`allowed: services.iam, api, bankservice. List them with the aritma_iam_scopes data source.`),
			},
			{
				PreConfig: nothingMade,
				Config:    config(`"api"`, "banking.ais.read"),
				Check:     testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, want),
			},
			{
				// Nothing new to check: no catalogue is read.
				PreConfig:        e.Mock.ResetStats,
				Config:           config(`"api"`, "banking.ais.read"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            catalogueReads(0),
			},
			{
				// A scope added to the client is checked; the client keeps what it had.
				Config: config(`"api", "payments.write"`, "banking.ais.read"),
				ExpectError: testAccExpectDiagnostic("Unsupported Scope", `scope "payments.write" is not supported; `+
					`allowed: services.iam, api, bankservice.`),
			},
			{
				Config: config(`"api", "bankservice"`, "banking.ais.create"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("aritma_iam_policy.test", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, iam.ClientRequest{Name: "catalogue-check",
					AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api", "bankservice"}}),
			},
		},
	})
}

// refuse is a testAccProxy wrap that answers one route with status (a problem, as the API does)
// and passes everything else on.
func refuse(method, path string, status int) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != method || r.URL.Path != path {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(status)
			_, _ = fmt.Fprintf(w, `{"title":%q,"status":%d}`, http.StatusText(status), status)
		})
	}
}
