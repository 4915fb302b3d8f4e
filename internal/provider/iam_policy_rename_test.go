package provider

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
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

// Renaming resources (or for_each keys) without a moved block makes Terraform delete the old
// instances and create the new ones, with the same triples, in parallel. With the deletes held up,
// every create reaches the API while the old grant still exists:
//   - refused: it is answered 409, and must wait for the delete of this apply and grant again, not
//     fail as "Already Exists";
//   - answer lost: its first answer is lost (502), and the repeat's 409 reads as its own success,
//     while the delete then takes the grant away; it must notice the delete and grant again.
//
// Either way the client must end up with its grants.
func TestAccIAMPolicyResource_renamedWithoutMoved(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	for _, loseFirstAnswers := range []bool{false, true} {
		name := map[bool]string{false: "refused", true: "answer lost"}[loseFirstAnswers]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testAccRenamedPolicies(t, loseFirstAnswers)
		})
	}
}

func testAccRenamedPolicies(t *testing.T, loseFirstAnswers bool) {
	e := newTestEnv(t)
	var mu sync.Mutex
	seen := map[string]bool{} // bodies of the policy creates of the current step
	endpoint := testAccProxy(t, e, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.Method == http.MethodDelete && r.URL.Path == "/v1/policies":
				time.Sleep(4 * time.Second) // longer than a create's retry waits
			case r.Method == http.MethodPost && r.URL.Path == "/v1/policies" && loseFirstAnswers:
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				mu.Lock()
				first := !seen[string(body)]
				seen[string(body)] = true
				mu.Unlock()
				if first {
					next.ServeHTTP(httptest.NewRecorder(), r) // the API acts; its answer is lost
					http.Error(w, "upstream went away", http.StatusBadGateway)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	})

	cfg := func(keys ...string) string {
		return e.ProviderConfigWith("endpoint", endpoint) + fmt.Sprintf(`
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

# Read after the grants: it must see them, also when the API shows them late.
data "aritma_iam_permissions" "test" {
  client_id = aritma_iam_client.test.client_id
  action    = "banking.ais.read"
  scope     = "/subscriptions/5"

  depends_on = [aritma_iam_policy.%[1]s, aritma_iam_policy.%[2]s]
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
				PreConfig: func() {
					mu.Lock()
					defer mu.Unlock()
					clear(seen)
					e.Mock.SetFaults(mockserver.Faults{ReadLagMS: 3000}) // the grants made again show late
				},
				Config: cfg("x", "y"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aritma_iam_permissions.test", tfjsonpath.New("allowed"), knownvalue.Bool(true)),
				},
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
				PreConfig:        func() { e.Mock.SetFaults(mockserver.Faults{}) },
				Config:           cfg("x", "y"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// testAccProxy is an endpoint for the provider that passes every request on to the test's mock
// through wrap, which may hold it up, look at it or answer it differently.
func testAccProxy(t *testing.T, e *testEnv, wrap func(next http.Handler) http.Handler) string {
	t.Helper()
	target, err := url.Parse(e.Mock.URL)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wrap(httputil.NewSingleHostReverseProxy(target)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// observe is a testAccProxy wrap that lets before see (and hold up) each request first.
func observe(before func(*http.Request)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			before(r)
			next.ServeHTTP(w, r)
		})
	}
}
