package provider

import (
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
)

func TestAccIAMActionsDataSource_basic(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	catalogue, err := e.API.ListActions(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	actions := make([]knownvalue.Check, len(catalogue))
	names := make([]knownvalue.Check, len(catalogue))
	for i, a := range catalogue {
		var parent knownvalue.Check = knownvalue.Null()
		if a.Parent != "" {
			parent = knownvalue.StringExact(a.Parent)
		}
		actions[i] = knownvalue.ObjectExact(map[string]knownvalue.Check{
			"name":        knownvalue.StringExact(a.Name),
			"parent":      parent,
			"description": knownvalue.StringExact(a.Description),
		})
		names[i] = knownvalue.StringExact(a.Name)
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfig() + `
data "aritma_iam_actions" "all" {}

output "iam_client_read_parent" {
  value = one([for a in data.aritma_iam_actions.all.actions : a.parent if a.name == "iam.client.read"])
}

output "knows_psd2" {
  value = contains(data.aritma_iam_actions.all.names, "banking.channels.psd2")
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aritma_iam_actions.all", tfjsonpath.New("actions"), knownvalue.ListExact(actions)),
					statecheck.ExpectKnownValue("data.aritma_iam_actions.all", tfjsonpath.New("actions").AtSliceIndex(0), knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"name": knownvalue.StringExact("owner"), "parent": knownvalue.Null(),
					})),
					statecheck.ExpectKnownValue("data.aritma_iam_actions.all", tfjsonpath.New("names"), knownvalue.SetExact(names)),
					statecheck.ExpectKnownOutputValue("iam_client_read_parent", knownvalue.StringExact("iam.manage")),
					statecheck.ExpectKnownOutputValue("knows_psd2", knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.aritma_iam_actions.all", tfjsonpath.New("timeouts"), knownvalue.Null()),
				},
			},
		},
	})
}

// The read timeout bounds a single slow call too, the token exchange before it included (the
// provider signs in on its first call).
func TestAccIAMActionsDataSource_readTimeout(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { e.Mock.SetFaults(mockserver.Faults{LatencyMS: 1500}) },
				Config: e.ProviderConfig() + `
data "aritma_iam_actions" "slow" {
  timeouts {
    read = "1s"
  }
}
`,
				ExpectError: expectErrorTexts(
					`Error: Unable to Read IAM Actions`,
					`Reading the action catalogue failed.`,
					`GET /v1/actions: context deadline exceeded`,
					`The read did not finish within its timeout. Raise read in this data source's timeouts block `+
						`(it defaults to 5m) for a slow or rate-limited API.`,
				),
			},
		},
	})
}

// An action the API names only as a parent (its published table shows owner that way) is listed
// and named like any other, so a module's contains(names, ...) agrees with what a policy accepts.
func TestAccIAMActionsDataSource_parentOnly(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	proxy := testAccProxy(t, e, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || r.URL.Path != "/v1/actions" {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`[{"name":"banking.manage","parent":"owner","description":"Manage banking"},` +
				`{"name":"banking.ais.read","parent":"banking.manage","description":"Read accounts"},` +
				`{"name":"iam.manage","parent":"owner","description":"Manage IAM"}]`))
		})
	})
	action := func(name string, parent, description knownvalue.Check) knownvalue.Check {
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"name": knownvalue.StringExact(name), "parent": parent, "description": description,
		})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.ProviderConfigWith("endpoint", proxy) + `
data "aritma_iam_actions" "all" {}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.aritma_iam_actions.all", tfjsonpath.New("actions"), knownvalue.ListExact([]knownvalue.Check{
					action("owner", knownvalue.Null(), knownvalue.Null()),
					action("banking.manage", knownvalue.StringExact("owner"), knownvalue.StringExact("Manage banking")),
					action("banking.ais.read", knownvalue.StringExact("banking.manage"), knownvalue.StringExact("Read accounts")),
					action("iam.manage", knownvalue.StringExact("owner"), knownvalue.StringExact("Manage IAM")),
				})),
				statecheck.ExpectKnownValue("data.aritma_iam_actions.all", tfjsonpath.New("names"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.StringExact("owner"), knownvalue.StringExact("banking.manage"),
					knownvalue.StringExact("banking.ais.read"), knownvalue.StringExact("iam.manage"),
				})),
			},
		}},
	})
}
