package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// stringSetCheck expects exactly these strings, in any order.
func stringSetCheck(values []string) knownvalue.Check {
	checks := make([]knownvalue.Check, len(values))
	for i, v := range values {
		checks[i] = knownvalue.StringExact(v)
	}
	return knownvalue.SetExact(checks)
}

func TestAccIAMClientDataSource_basic(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	created, err := e.API.CreateClient(ctx, iam.ClientRequest{
		Name:              "web-portal",
		Description:       "Customer portal",
		AllowedGrantTypes: []string{"authorization_code", "refresh_token"},
		RedirectURIs:      []string{"https://portal.example.com/callback", "http://localhost:8080/callback"},
		AllowedScopes:     []string{"api", "services.iam"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Expected values are the literals above, not what the provider's own API client reads back,
	// which would agree with a decoding bug of its own.
	got := created

	const ds = "data.aritma_iam_client.portal"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfig() + fmt.Sprintf(`
data "aritma_iam_client" "portal" {
  client_id = %q

  timeouts {
    read = "2m"
  }
}
`, created.ClientID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("id"), knownvalue.StringExact(got.ClientID)),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("client_id"), knownvalue.StringExact(got.ClientID)),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("subject_id"), knownvalue.StringExact("client-"+got.ClientID)),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("name"), knownvalue.StringExact("web-portal")),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("description"), knownvalue.StringExact("Customer portal")),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("allowed_grant_types"), stringSetCheck([]string{"authorization_code", "refresh_token"})),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("allowed_grant_types"), knownvalue.SetSizeExact(2)),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("redirect_uris"), stringSetCheck([]string{"https://portal.example.com/callback", "http://localhost:8080/callback"})),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("allowed_scopes"), stringSetCheck([]string{"api", "services.iam"})),
					// Read must keep the config's timeouts, or Terraform rejects the result.
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("timeouts"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"read": knownvalue.StringExact("2m"),
					})),
				},
				Check: resource.TestCheckResourceAttr(ds, "timeouts.read", "2m"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

func TestAccIAMClientDataSource_notFound(t *testing.T) {
	testAccExpectErrors(t,
		expectError(`
data "aritma_iam_client" "x" {
  client_id = "no-such-client"
}
`,
			`No IAM client has the client id "no-such-client". List clients with the aritma_iam_clients data source.`,
			goneLookupHint),
		expectError(`
data "aritma_iam_client" "x" {
  client_id = "client-0b2c"
}
`,
			`No IAM client has the client id "client-0b2c".`,
			`"client-0b2c" looks like the subject id of client "0b2c": client_id takes the client id itself `+
				`(aritma_iam_client.<name>.client_id, not its subject_id).`),
		expectError(`
data "aritma_iam_client" "x" {
  client_id = ""
}
`,
			`client_id must be a client id: not empty, "." or "..", and without '/' or whitespace, got "".`),
		expectError(`
data "aritma_iam_client" "x" {
  client_id = ".."
}
`,
			`client_id must be a client id: not empty, "." or "..", and without '/' or whitespace, got "..".`),
	)
}

// TestAccIAMClientDataSource_goneOutsideTerraform: a client read by a data source and deleted
// outside Terraform fails every plan with the way out, which works: the test's own destroy runs
// with -refresh=false, as the hint says.
func TestAccIAMClientDataSource_goneOutsideTerraform(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	c, err := e.API.CreateClient(testContext(t), iam.ClientRequest{Name: "external", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"}})
	if err != nil {
		t.Fatal(err)
	}
	config := e.ProviderConfig() + `
data "aritma_iam_client" "ext" {
  client_id = "` + c.ClientID + `"
}

resource "aritma_iam_client_secret" "ext" {
  client_id = data.aritma_iam_client.ext.client_id
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(e),
		Steps: []resource.TestStep{
			{Config: config, Check: testAccCheckIAMClientSecretExists(e, "aritma_iam_client_secret.ext")},
			{
				PreConfig: func() {
					if err := e.API.DeleteClient(testContext(t), c.ClientID); err != nil {
						t.Fatal(err)
					}
				},
				Config:      config,
				PlanOnly:    true,
				ExpectError: expectErrorTexts(`No IAM client has the client id "`+c.ClientID+`".`, goneLookupHint),
			},
		},
	})
}

// TestAccIAMDataSources_changedOutsideTerraform: data sources read the API afresh at every plan,
// so a client edited, a secret added and a policy granted outside Terraform show up in the next
// plan's results, and the plan after that is empty.
func TestAccIAMDataSources_changedOutsideTerraform(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	c, err := e.API.CreateClient(ctx, iam.ClientRequest{Name: "edited", Description: "before",
		AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"}})
	if err != nil {
		t.Fatal(err)
	}
	config := e.ProviderConfig() + fmt.Sprintf(`
data "aritma_iam_client" "c" {
  client_id = %[1]q
}

data "aritma_iam_client_secrets" "c" {
  client_id = %[1]q
}

data "aritma_iam_permissions" "c" {
  client_id = %[1]q
}

data "aritma_iam_clients" "c" {
  search_text = "edited"
}
`, c.ClientID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aritma_iam_client.c", tfjsonpath.New("description"), knownvalue.StringExact("before")),
					statecheck.ExpectKnownValue("data.aritma_iam_client_secrets.c", tfjsonpath.New("secrets"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue("data.aritma_iam_permissions.c", tfjsonpath.New("permissions"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue("data.aritma_iam_clients.c", tfjsonpath.New("clients").AtSliceIndex(0).AtMapKey("name"), knownvalue.StringExact("edited")),
				},
			},
			{
				PreConfig: func() {
					if _, err := e.API.UpdateClient(ctx, c.ClientID, iam.ClientRequest{Name: "edited-too", Description: "after",
						AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api", "services.iam"}}); err != nil {
						t.Fatal(err)
					}
					if _, err := e.API.CreateClientSecret(ctx, c.ClientID, iam.SecretRequest{Value: "added-by-hand-0123", Description: "by hand"}); err != nil {
						t.Fatal(err)
					}
					if _, err := e.API.CreatePolicy(ctx, iam.Policy{Subject: "client-" + c.ClientID, Action: "banking.ais.read", Scope: "/subscriptions/7"}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aritma_iam_client.c", tfjsonpath.New("name"), knownvalue.StringExact("edited-too")),
					statecheck.ExpectKnownValue("data.aritma_iam_client.c", tfjsonpath.New("description"), knownvalue.StringExact("after")),
					statecheck.ExpectKnownValue("data.aritma_iam_client.c", tfjsonpath.New("allowed_scopes"), stringSetCheck([]string{"api", "services.iam"})),
					statecheck.ExpectKnownValue("data.aritma_iam_client_secrets.c", tfjsonpath.New("secrets").AtSliceIndex(0).AtMapKey("description"), knownvalue.StringExact("by hand")),
					statecheck.ExpectKnownValue("data.aritma_iam_client_secrets.c", tfjsonpath.New("secrets"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.aritma_iam_permissions.c", tfjsonpath.New("permissions"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"action": knownvalue.StringExact("banking.ais.read"), "scope": knownvalue.StringExact("/subscriptions/7"),
							"granted_via": knownvalue.StringExact("client-" + c.ClientID),
						}),
					})),
					statecheck.ExpectKnownValue("data.aritma_iam_clients.c", tfjsonpath.New("clients").AtSliceIndex(0).AtMapKey("name"), knownvalue.StringExact("edited-too")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}
