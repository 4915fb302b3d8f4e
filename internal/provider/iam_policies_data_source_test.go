package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// apiPolicies lists policies through the admin API.
func apiPolicies(t *testing.T, e *testEnv, f iam.PolicyFilter) []iam.Policy {
	t.Helper()
	return apiList(t, "policies", e.API.ListPolicies(testContext(t), f))
}

// policiesChecks are the expected policies and ids of aritma_iam_policies, in the API's order.
func policiesChecks(addr string, policies []iam.Policy) []statecheck.StateCheck {
	list := make([]knownvalue.Check, len(policies))
	ids := make([]knownvalue.Check, len(policies))
	for i, p := range policies {
		id := policyID(p.Subject, p.Action, p.Scope)
		list[i] = knownvalue.ObjectExact(map[string]knownvalue.Check{
			"id":      knownvalue.StringExact(id),
			"subject": knownvalue.StringExact(p.Subject),
			"action":  knownvalue.StringExact(p.Action),
			"scope":   knownvalue.StringExact(p.Scope),
			"tenant":  knownvalue.StringExact(p.Tenant),
		})
		ids[i] = knownvalue.StringExact(id)
	}
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("policies"), knownvalue.ListExact(list)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("ids"), knownvalue.SetExact(ids)),
	}
}

// lazyStateCheck runs the checks that build returns when the state is checked, so that they can
// expect what the API holds then rather than when the test case was built.
type lazyStateCheck func() []statecheck.StateCheck

func (l lazyStateCheck) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	for _, c := range l() {
		var r statecheck.CheckStateResponse
		c.CheckState(ctx, req, &r)
		resp.Error = errors.Join(resp.Error, r.Error)
	}
}

// testAccGrant grants policies through the admin API.
func testAccGrant(t *testing.T, e *testEnv, policies ...iam.Policy) {
	t.Helper()
	testAccParallel(t, len(policies), func(i int) error {
		_, err := e.API.CreatePolicy(testContext(t), policies[i])
		return err
	})
}

func TestAccIAMPoliciesDataSource_basic(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	clients := testAccCreateClients(t, e, "audited", "other")
	audited, other := "client-"+clients[0].ClientID, "client-"+clients[1].ClientID
	gone := iam.Policy{Subject: audited, Action: "banking.ais.read", Scope: "/subscriptions/123"}
	testAccGrant(t, e,
		iam.Policy{Subject: audited, Action: "iam.subject.read", Scope: "/"},
		gone,
		iam.Policy{Subject: other, Action: "iam.subject.read", Scope: "/subscriptions/123"},
		iam.Policy{Subject: other, Action: "iam.manage", Scope: "/"},
	)
	config := e.ProviderConfig() + fmt.Sprintf(`
data "aritma_iam_policies" "all" {}

data "aritma_iam_policies" "audited" {
  subject = %[1]q
}

# Exact, not hierarchical: other's iam.manage grant allows iam.subject.read but is not listed.
data "aritma_iam_policies" "subject_read" {
  action = "iam.subject.read"
}

data "aritma_iam_policies" "root" {
  scope = "/"
}

data "aritma_iam_policies" "all_three" {
  subject = %[2]q
  action  = "iam.subject.read"
  scope   = "/subscriptions/123"
}

data "aritma_iam_policies" "none" {
  subject = %[1]q
  action  = "owner"
}
`, audited, other)
	// What the API holds when the checks run, after the step's PreConfig.
	checks := lazyStateCheck(func() []statecheck.StateCheck {
		var c []statecheck.StateCheck
		for name, f := range map[string]iam.PolicyFilter{
			"all":          {},
			"audited":      {Subject: audited},
			"subject_read": {Action: "iam.subject.read"},
			"root":         {Scope: "/"},
			"all_three":    {Subject: other, Action: "iam.subject.read", Scope: "/subscriptions/123"},
		} {
			c = append(c, policiesChecks("data.aritma_iam_policies."+name, apiPolicies(t, e, f))...)
		}
		return c
	})
	// root: the two grants on "/" above and the bootstrap admin's owner grant.
	wantCounts := map[string]int{"audited": 2, "subject_read": 2, "root": 3, "all_three": 1}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					for name, f := range map[string]iam.PolicyFilter{
						"audited": {Subject: audited}, "subject_read": {Action: "iam.subject.read"}, "root": {Scope: "/"},
						"all_three": {Subject: other, Action: "iam.subject.read", Scope: "/subscriptions/123"},
					} {
						if n := len(apiPolicies(t, e, f)); n != wantCounts[name] {
							t.Fatalf("the API lists %d policies for %s, want %d", n, name, wantCounts[name])
						}
					}
				},
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{checks},
			},
			{
				// A grant removed outside Terraform is gone from the next read.
				PreConfig: func() {
					if err := e.API.DeletePolicy(testContext(t), gone.Subject, gone.Action, gone.Scope); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigStateChecks: append([]statecheck.StateCheck{checks},
					statecheck.ExpectKnownValue("data.aritma_iam_policies.audited", tfjsonpath.New("ids"), knownvalue.SetExact(
						[]knownvalue.Check{knownvalue.StringExact(audited + ",iam.subject.read,/")})),
					statecheck.ExpectKnownValue("data.aritma_iam_policies.none", tfjsonpath.New("policies"), knownvalue.ListExact([]knownvalue.Check{})),
					statecheck.ExpectKnownValue("data.aritma_iam_policies.none", tfjsonpath.New("ids"), knownvalue.SetExact([]knownvalue.Check{})),
				),
			},
		},
	})
}

// More grants than the API's largest page (200) must all come back, in as few calls as the
// largest page allows.
func TestAccIAMPoliciesDataSource_paging(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	subject := "client-" + testAccCreateClients(t, e, "fleet")[0].ClientID
	grants := make([]iam.Policy, 230)
	for i := range grants {
		grants[i] = iam.Policy{Subject: subject, Action: "banking.ais.read", Scope: fmt.Sprintf("/subscriptions/%03d", i)}
	}
	testAccGrant(t, e, grants...)
	// Every list call the data source makes, as "page=<n> pageSize=<n>".
	var mu sync.Mutex
	var calls []string
	endpoint := testAccProxy(t, e, observe(func(r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/v1/policies" {
			mu.Lock()
			defer mu.Unlock()
			calls = append(calls, "page="+r.URL.Query().Get("page")+" pageSize="+r.URL.Query().Get("pageSize"))
		}
	}))

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfigWith("endpoint", endpoint) + fmt.Sprintf(`
data "aritma_iam_policies" "fleet" {
  subject = %q
}
`, subject),
				ConfigStateChecks: append(policiesChecks("data.aritma_iam_policies.fleet", apiPolicies(t, e, iam.PolicyFilter{Subject: subject})),
					statecheck.ExpectKnownValue("data.aritma_iam_policies.fleet", tfjsonpath.New("policies").AtSliceIndex(229).AtMapKey("scope"),
						knownvalue.StringExact("/subscriptions/229")),
				),
			},
		},
	})
	// Each read (terraform-plugin-testing makes several: plan, apply, refreshes) is two pages of
	// the largest size, 200, and nothing else.
	mu.Lock()
	defer mu.Unlock()
	if len(calls) == 0 || len(calls)%2 != 0 {
		t.Fatalf("list calls %q: not whole reads of two pages", calls)
	}
	for i, c := range calls {
		if want := fmt.Sprintf("page=%d pageSize=200", i%2+1); c != want {
			t.Fatalf("list call %d is %q, want %q (all calls: %q)", i, c, want, calls)
		}
	}
}

// TestAccIAMPoliciesDataSource_unfilteringAPI: against a server that ignores the filters, the data
// source still answers only the policies they select: an audit or a for_each over ids must not
// pick up another subject's grant.
func TestAccIAMPoliciesDataSource_unfilteringAPI(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	clients := testAccCreateClients(t, e, "a-svc", "b-svc")
	a, b := "client-"+clients[0].ClientID, "client-"+clients[1].ClientID
	testAccGrant(t, e,
		iam.Policy{Subject: a, Action: "banking.ais.read", Scope: "/subscriptions/1"},
		iam.Policy{Subject: a, Action: "banking.ais.read", Scope: "/subscriptions/2"},
		iam.Policy{Subject: b, Action: "banking.ais.read", Scope: "/subscriptions/1"},
	)
	var mu sync.Mutex
	ignored := 0
	endpoint := testAccProxy(t, e, observe(func(r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/v1/policies" {
			q := r.URL.Query()
			if q.Has("subject") || q.Has("action") || q.Has("scope") {
				mu.Lock()
				ignored++
				mu.Unlock()
			}
			q.Del("subject")
			q.Del("action")
			q.Del("scope")
			r.URL.RawQuery = q.Encode()
		}
	}))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.ProviderConfigWith("endpoint", endpoint) + fmt.Sprintf(`
data "aritma_iam_policies" "a" {
  subject = %q
}

data "aritma_iam_policies" "a_on_1" {
  subject = %[1]q
  action  = "banking.ais.read"
  scope   = "/subscriptions/1"
}
`, a),
			ConfigStateChecks: append(policiesChecks("data.aritma_iam_policies.a", apiPolicies(t, e, iam.PolicyFilter{Subject: a})),
				statecheck.ExpectKnownValue("data.aritma_iam_policies.a", tfjsonpath.New("ids"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.StringExact(a + ",banking.ais.read,/subscriptions/1"),
					knownvalue.StringExact(a + ",banking.ais.read,/subscriptions/2"),
				})),
				statecheck.ExpectKnownValue("data.aritma_iam_policies.a_on_1", tfjsonpath.New("ids"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.StringExact(a + ",banking.ais.read,/subscriptions/1"),
				})),
			),
		}},
	})
	mu.Lock()
	defer mu.Unlock()
	if ignored == 0 {
		t.Fatal("no filtered list reached the proxy, so the test proves nothing")
	}
}

// Filters are checked at plan time, in the words of the policy resource's validators, before any
// API call; "" is refused as an empty filter, since the API would read it as none, in words that say
// to leave it out (not the resource's "is required").
func TestAccIAMPoliciesDataSource_invalid(t *testing.T) {
	testAccExpectErrors(t,
		expectError(`
data "aritma_iam_policies" "x" {
  subject = "alice"
}
`, `Error: Invalid Subject`, `subject "alice" must be a subject id of the form user-<id>, client-<id> or group-<id>.`),
		expectError(`
data "aritma_iam_policies" "x" {
  action = "IAM.Client.Read"
}
`, `Error: Invalid Action`, `action "IAM.Client.Read" must be dot-separated lower-case segments of a-z and 0-9, e.g. "iam.client.read".`),
		expectError(`
data "aritma_iam_policies" "x" {
  scope = "subscriptions/1"
}
`, `Error: Invalid Policy Scope`, `scope must start with "/".`),
		expectError(`
data "aritma_iam_policies" "x" {
  subject = ""
}
`, `Error: Invalid Subject`, `subject must not be empty: leave it out (null) to list the grants of every subject.`),
		expectError(`
data "aritma_iam_policies" "x" {
  action = ""
}
`, `Error: Invalid Action`, `action must not be empty: leave it out (null) to list the grants of every action.`),
		expectError(`
data "aritma_iam_policies" "x" {
  scope = ""
}
`, `Error: Invalid Policy Scope`, `scope must not be empty: leave it out (null) to list the grants on every scope.`),
	)
}
