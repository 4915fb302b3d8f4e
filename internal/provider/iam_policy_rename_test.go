package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// Renaming resources (or for_each keys) without a moved block makes Terraform delete the old
// instances and create the new ones, with the same triples, in parallel. With the deletes slowed down, every create
// reaches the API while the old grant still exists and is refused with 409: it must wait for the
// delete of this apply and create the grant again, not fail as "Already Exists" and leave the
// client without its grants.
func TestAccIAMPolicyResource_renamedWithoutMoved(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	slowDeletes := testAccProxy(t, e, func(r *http.Request) {
		if r.Method == http.MethodDelete && r.URL.Path == "/v1/policies" {
			time.Sleep(1500 * time.Millisecond)
		}
	})

	cfg := func(keys ...string) string {
		return e.ProviderConfigWith("endpoint", slowDeletes) + fmt.Sprintf(`
resource "aritma_iam_client" "test" {
  name                = "renamed-grants"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

resource "aritma_iam_policy" "%[1]s" {
  subject = aritma_iam_client.test.subject_id
  action  = "banking.ais.read"
  scope   = "/subscriptions/5"
}

resource "aritma_iam_policy" "%[2]s" {
  subject = aritma_iam_client.test.subject_id
  action  = "banking.pis.read"
  scope   = "/subscriptions/5"
}
`, keys[0], keys[1])
	}
	grants := func(s *terraform.State) error {
		id := s.RootModule().Resources["aritma_iam_client.test"].Primary.ID
		got := apiPolicies(t, e, iam.PolicyFilter{Subject: "client-" + id})
		if len(got) != 2 {
			return fmt.Errorf("the client holds %d grants, want 2: %+v", len(got), got)
		}
		return nil
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMPolicyDestroy(t, e),
		Steps: []resource.TestStep{
			{Config: cfg("a", "b"), Check: grants},
			{
				Config: cfg("x", "y"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("aritma_iam_policy.a", plancheck.ResourceActionDestroy),
					plancheck.ExpectResourceAction("aritma_iam_policy.x", plancheck.ResourceActionCreate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(grants, func(*terraform.State) error {
					if n := e.Mock.Stats().CountStatus("POST", "/v1/policies", http.StatusConflict); n == 0 {
						return fmt.Errorf("no create was refused with 409, so the race this test is about did not happen")
					}
					return nil
				}),
			},
			{
				Config:           cfg("x", "y"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// testAccProxy is an endpoint for the provider that passes every request on to the test's mock
// after before has seen it (and, say, held it up).
func testAccProxy(t *testing.T, e *testEnv, before func(*http.Request)) string {
	t.Helper()
	target, err := url.Parse(e.Mock.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		before(r)
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
