package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"golang.org/x/text/unicode/norm"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// apiClients lists clients through the admin API.
func apiClients(t *testing.T, e *testEnv, search string) []iam.OAuthClient {
	t.Helper()
	return apiList(t, "clients", e.API.ListClients(testContext(t), iam.ListClientsOptions{SearchText: search}))
}

// clientsCheck is the expected list of clients, in the API's order.
func clientsCheck(clients []iam.OAuthClient) knownvalue.Check {
	checks := make([]knownvalue.Check, len(clients))
	for i, c := range clients {
		checks[i] = knownvalue.ObjectExact(map[string]knownvalue.Check{
			"client_id":   knownvalue.StringExact(c.ClientID),
			"subject_id":  knownvalue.StringExact("client-" + c.ClientID),
			"name":        knownvalue.StringExact(c.Name),
			"description": knownvalue.StringExact(c.Description),
		})
	}
	return knownvalue.ListExact(checks)
}

func TestAccIAMClientsDataSource_basic(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	testAccCreateClients(t, e, "orders-api", "Orders-Worker", "billing-api")
	all := apiClients(t, e, "")
	orders := apiClients(t, e, "orders")
	if len(orders) != 2 {
		t.Fatalf("the API finds %d orders clients, want 2", len(orders))
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfig() + `
data "aritma_iam_clients" "all" {}

data "aritma_iam_clients" "orders" {
  search_text = "ORDERS"
}

data "aritma_iam_clients" "none" {
  search_text = "no-such-client"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aritma_iam_clients.all", tfjsonpath.New("clients"), clientsCheck(all)),
					statecheck.ExpectKnownValue("data.aritma_iam_clients.orders", tfjsonpath.New("clients"), clientsCheck(orders)),
					statecheck.ExpectKnownValue("data.aritma_iam_clients.orders", tfjsonpath.New("search_text"), knownvalue.StringExact("ORDERS")),
					statecheck.ExpectKnownValue("data.aritma_iam_clients.none", tfjsonpath.New("clients"), knownvalue.ListExact([]knownvalue.Check{})),
				},
			},
		},
	})
}

// More clients than the API's largest page (100) must all come back.
func TestAccIAMClientsDataSource_paging(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	names := make([]string, 230)
	for i := range names {
		names[i] = fmt.Sprintf("fleet-%03d", i)
	}
	testAccCreateClients(t, e, names...)
	fleet := apiClients(t, e, "fleet-")
	if len(fleet) != len(names) {
		t.Fatalf("the API lists %d fleet clients, want %d", len(fleet), len(names))
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfig() + `
data "aritma_iam_clients" "fleet" {
  search_text = "fleet-"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aritma_iam_clients.fleet", tfjsonpath.New("clients"), clientsCheck(fleet)),
					statecheck.ExpectKnownValue("data.aritma_iam_clients.fleet", tfjsonpath.New("clients").AtSliceIndex(229).AtMapKey("name"),
						knownvalue.StringExact("fleet-229")),
				},
			},
		},
	})
}

// A malformed read timeout is rejected at plan time, in the timeouts package's own words, before
// any API call.
func TestAccIAMClientsDataSource_invalidReadTimeout(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfig() + `
data "aritma_iam_clients" "x" {
  timeouts {
    read = "soon"
  }
}
`,
				PlanOnly: true,
				ExpectError: expectErrorTexts(
					`Error: Invalid Attribute Value Time Duration`,
					`"soon" must be a string containing a sequence of decimal numbers, each with optional fraction `+
						`and a unit suffix, such as "300ms", "-1.5h" or "2h45m". Valid time units are "ns", "us" (or "µs"), `+
						`"ms", "s", "m", "h".`,
				),
			},
		},
	})
	if n := e.Mock.Stats().Total; n != 0 {
		t.Errorf("the rejected plan made %d API calls, want none", n)
	}
}

// A name the API holds decomposed (NFD) is found by search text that Terraform hands the provider
// composed (NFC), in aritma_iam_clients and aritma_iam_subjects alike, each entry once: every form
// of the text is searched for, and the first once more to see nothing changed form in between,
// which costs two more searches only where the text has a character that decomposes.
func TestAccIAMListDataSources_decomposedNames(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	made := testAccCreateClients(t, e, "Zu\u0308rich ops", "Z\u00fcrich lab", "Zurich plain")
	searches := func(clients, subjects int64) resource.TestCheckFunc {
		return func(*terraform.State) error {
			st := e.Mock.Stats()
			if c, s := st.Count("GET", "/v1/clients"), st.Count("GET", "/v1/subjects/clients"); c != clients || s != subjects {
				return fmt.Errorf("%d client and %d client subject searches, want %d and %d", c, s, clients, subjects)
			}
			return nil
		}
	}
	config := func(text string) string {
		return e.ProviderConfig() + fmt.Sprintf(`
data "aritma_iam_clients" "z" {
  search_text = %[1]q
}

data "aritma_iam_subjects" "z" {
  type         = "client"
  search_query = %[1]q
}
`, text)
	}
	composed := func(clients ...iam.OAuthClient) []iam.OAuthClient {
		for i := range clients {
			clients[i].Name = norm.NFC.String(clients[i].Name)
		}
		return clients
	}
	subject := func(c *iam.OAuthClient) map[string]string {
		return map[string]string{"subject_id": "client-" + c.ClientID}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: e.Mock.ResetStats,
				Config:    config("Z\u00fcrich"),
				ConfigStateChecks: []statecheck.StateCheck{
					// In name order as shown: Terraform composes every string (cty holds them NFC).
					statecheck.ExpectKnownValue("data.aritma_iam_clients.z", tfjsonpath.New("clients"), clientsCheck(composed(*made[1], *made[0]))),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.aritma_iam_subjects.z", "subjects.#", "2"),
					resource.TestCheckTypeSetElemNestedAttrs("data.aritma_iam_subjects.z", "subjects.*", subject(made[0])),
					resource.TestCheckTypeSetElemNestedAttrs("data.aritma_iam_subjects.z", "subjects.*", subject(made[1])),
					searches(3, 3), // each form, then the composed one again
				),
			},
			{
				PreConfig: e.Mock.ResetStats,
				Config:    config("rich"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.aritma_iam_clients.z", "clients.#", "3"),
					resource.TestCheckResourceAttr("data.aritma_iam_subjects.z", "subjects.#", "3"),
					searches(1, 1),
				),
			},
		},
	})
}
