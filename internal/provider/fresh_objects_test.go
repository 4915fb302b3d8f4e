package provider

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
)

// TestAccDataSources_readLag: the seed workflow in one apply against an API that hides new
// objects for 2 s. Every data source that reads what the same apply has just created (the client's
// subject, its secrets, the permissions and policies of a new grant, searches that name it) waits
// until it is visible, instead of failing with "not found" or reporting allowed = false.
func TestAccDataSources_readLag(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	e.Mock.SetFaults(mockserver.Faults{ReadLagMS: 2000})
	config := e.ProviderConfig() + `
resource "aritma_iam_client" "svc" {
  name                = "fresh-svc"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

resource "aritma_iam_client_secret" "svc" {
  client_id = aritma_iam_client.svc.client_id
}

data "aritma_iam_subject" "svc" {
  subject_id = aritma_iam_client.svc.subject_id
}

resource "aritma_iam_policy" "read" {
  subject = data.aritma_iam_subject.svc.subject_id
  action  = "iam.client.read"
  scope   = "/subscriptions/123"
}

data "aritma_iam_permissions" "svc" {
  client_id = aritma_iam_client.svc.client_id
  action    = "iam.client.read"
  scope     = "/subscriptions/123/accounts/9"

  depends_on = [aritma_iam_policy.read]
}

data "aritma_iam_policies" "svc" {
  subject = aritma_iam_client.svc.subject_id

  depends_on = [aritma_iam_policy.read]
}

data "aritma_iam_client" "svc" {
  client_id = aritma_iam_client.svc.client_id
}

data "aritma_iam_client_secrets" "svc" {
  client_id = aritma_iam_client_secret.svc.client_id
}

data "aritma_iam_subject_memberships" "svc" {
  subject_id = aritma_iam_client.svc.subject_id
}

data "aritma_iam_clients" "svc" {
  search_text = aritma_iam_client.svc.name
}

data "aritma_iam_subjects" "svc" {
  type         = "client"
  search_query = aritma_iam_client.svc.name
}
`
	count := func(addr, attr string, n int) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(addr, tfjsonpath.New(attr), knownvalue.ListSizeExact(n))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMPolicyDestroy(t, e),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aritma_iam_permissions.svc", tfjsonpath.New("allowed"), knownvalue.Bool(true)),
					count("data.aritma_iam_policies.svc", "policies", 1),
					count("data.aritma_iam_client_secrets.svc", "secrets", 1),
					count("data.aritma_iam_subject_memberships.svc", "groups", 0),
					count("data.aritma_iam_clients.svc", "clients", 1),
					count("data.aritma_iam_subjects.svc", "subjects", 1),
					statecheck.ExpectKnownValue("data.aritma_iam_client.svc", tfjsonpath.New("name"), knownvalue.StringExact("fresh-svc")),
				},
				Check: func(*terraform.State) error {
					// The mock did hide the new objects, so the waits were needed.
					if n := e.Mock.Stats().CountStatus("GET", "/v1/clients/{clientId}", 404); n == 0 {
						return fmt.Errorf("the mock never hid the new client, so the test proves nothing")
					}
					return nil
				},
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestUnitFreshObjects pins what each data source waits for, and what deletes forget.
func TestUnitFreshObjects(t *testing.T) {
	t.Parallel()
	var f freshObjects
	keys := []string{
		"client c1", "client c2", "secret c1/s1", "secret c2/s2",
		"policy client-c1,owner,/", "policy client-c1,owner,/subscriptions/1", "policy user-u1,iam.client.read,/",
	}
	for _, k := range keys {
		f.add(k)
	}
	got := func(match func(string) bool) []string {
		var out []string
		for _, p := range f.pending(match) {
			out = append(out, p.key)
		}
		slices.Sort(out)
		return out
	}
	for name, tc := range map[string]struct {
		match func(string) bool
		want  []string
	}{
		"client":         {freshClient("c1"), []string{"client c1"}},
		"client secrets": {freshClientSecrets("c1"), []string{"client c1", "secret c1/s1"}},
		"client subject": {freshSubject("client-c1"), []string{"client c1", "policy client-c1,owner,/", "policy client-c1,owner,/subscriptions/1"}},
		"user subject":   {freshSubject("user-u1"), []string{"policy user-u1,iam.client.read,/"}},
		"all clients":    {freshClients, []string{"client c1", "client c2"}},
		"policies on /":  {freshPolicies(iam.PolicyFilter{Scope: "/"}), []string{"policy client-c1,owner,/", "policy user-u1,iam.client.read,/"}},
		"policies of c1 for owner": {freshPolicies(iam.PolicyFilter{Subject: "client-c1", Action: "owner"}),
			[]string{"policy client-c1,owner,/", "policy client-c1,owner,/subscriptions/1"}},
	} {
		if g := got(tc.match); !slices.Equal(g, tc.want) {
			t.Errorf("%s: pending %q, want %q", name, g, tc.want)
		}
	}

	// A deleted grant on "/" is that grant only, not every grant under it.
	f.drop("policy client-c1,owner,/")
	if g := got(freshSubject("client-c1")); !slices.Equal(g, []string{"client c1", "policy client-c1,owner,/subscriptions/1"}) {
		t.Errorf("after dropping one grant: %q", g)
	}
	// A deleted client takes its secrets and policies, and nothing of another client.
	f.dropClient("c1")
	if g := got(func(string) bool { return true }); !slices.Equal(g, []string{"client c2", "policy user-u1,iam.client.read,/", "secret c2/s2"}) {
		t.Errorf("after dropping client c1: %q", g)
	}
	// What was created longer ago than the read-after-create window is no longer waited for.
	f.mu.Lock()
	f.at["client c2"] = time.Now().Add(-readAfterCreateWindow)
	f.mu.Unlock()
	if g := got(freshClients); len(g) != 0 {
		t.Errorf("an old client is still pending: %q", g)
	}
}
