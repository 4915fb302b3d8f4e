package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccIAMScopesDataSource_basic(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	catalogue, err := e.API.ListScopes(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(catalogue) < 3 {
		t.Fatalf("the API knows %d scopes, want at least services.iam, api and bankservice", len(catalogue))
	}
	// One literal from the mock's catalogue, so the expectation does not come only from the client
	// under test: a client that dropped descriptions would agree with itself.
	iamScope := knownvalue.ObjectExact(map[string]knownvalue.Check{
		"name": knownvalue.StringExact("services.iam"), "description": knownvalue.StringExact("Access to the Aritma IAM API."),
	})
	iamIndex := -1
	scopes := make([]knownvalue.Check, len(catalogue))
	names := make([]knownvalue.Check, len(catalogue))
	for i, s := range catalogue {
		scopes[i] = knownvalue.ObjectExact(map[string]knownvalue.Check{
			"name":        knownvalue.StringExact(s.Name),
			"description": knownvalue.StringExact(s.Description),
		})
		names[i] = knownvalue.StringExact(s.Name)
		if s.Name == "services.iam" {
			iamIndex = i
		}
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfig() + `
data "aritma_iam_scopes" "all" {}

output "knows_iam" {
  value = contains(data.aritma_iam_scopes.all.names, "services.iam")
}

output "knows_nonsense" {
  value = contains(data.aritma_iam_scopes.all.names, "no.such.scope")
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aritma_iam_scopes.all", tfjsonpath.New("scopes"), knownvalue.ListExact(scopes)),
					statecheck.ExpectKnownValue("data.aritma_iam_scopes.all", tfjsonpath.New("scopes"), knownvalue.ListPartial(map[int]knownvalue.Check{iamIndex: iamScope})),
					statecheck.ExpectKnownValue("data.aritma_iam_scopes.all", tfjsonpath.New("names"), knownvalue.SetExact(names)),
					statecheck.ExpectKnownOutputValue("knows_iam", knownvalue.Bool(true)),
					statecheck.ExpectKnownOutputValue("knows_nonsense", knownvalue.Bool(false)),
				},
			},
		},
	})
}
