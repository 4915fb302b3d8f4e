package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
	"github.com/aritma/terraform-provider-aritma/internal/reliability"
)

// testAccClientSecretPolicy is a client, a generated secret and a policy of the client on scope:
// the smallest config that calls every resource's endpoints.
func testAccClientSecretPolicy(name, scope string) string {
	return fmt.Sprintf(`
resource "aritma_iam_client" "svc" {
  name                = %q
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

resource "aritma_iam_client_secret" "svc" {
  client_id = aritma_iam_client.svc.client_id
}

resource "aritma_iam_policy" "svc" {
  subject = aritma_iam_client.svc.subject_id
  action  = "banking.ais.read"
  scope   = %q
}
`, name, scope)
}

// An endpoint without the API's base path answers 404 to every call. A refresh must not take that
// for three objects deleted outside Terraform: that would drop them from the state, and the next
// apply with the right endpoint would create duplicates next to them.
func TestAccReliability_wrongEndpoint(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	resources := testAccClientSecretPolicy("wrong-endpoint", "/subscriptions/1")
	good := e.ProviderConfig() + resources
	wrong := e.ProviderConfigWith("endpoint", e.Mock.URL+"/core/iam") + resources
	// The mock starts with its admin client, with a secret and a policy.
	seeded, err := relCountObjects(ctx, e.API)
	if err != nil {
		t.Fatal(err)
	}
	one := relObjectCounts{clients: seeded.clients + 1, secrets: seeded.secrets + 1, policies: seeded.policies + 1}
	holds := func(want relObjectCounts) resource.TestCheckFunc {
		return func(*terraform.State) error { return relExpectObjects(ctx, e.API, want, "now") }
	}
	start := time.Now()
	result, details := reliability.ResultFailed, "did not complete"
	defer func() {
		reportRow(t, reliability.Row{Section: reliability.SectionInterrupts,
			Name:   "refresh with the API's base path left out of endpoint (every call 404)",
			Result: result, Runs: 3, WallS: time.Since(start).Seconds(), Details: details})
	}()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             holds(seeded),
		Steps: []resource.TestStep{
			{Config: good, Check: holds(one)},
			// Ends the read-after-create grace period, in which a 404 is waited out as API lag.
			{RefreshState: true},
			{
				Config:      wrong,
				ExpectError: expectErrorText(`does not point at the Aritma IAM API`),
			},
			{
				// Nothing left the state: with the right endpoint, nothing to do.
				Config:           good,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: resource.ComposeTestCheckFunc(holds(one),
					resource.TestCheckResourceAttrSet("aritma_iam_client.svc", "id"),
					resource.TestCheckResourceAttrSet("aritma_iam_client_secret.svc", "secret_id"),
					resource.TestCheckResourceAttrSet("aritma_iam_policy.svc", "id")),
			},
		},
	})
	if !t.Failed() {
		result, details = reliability.ResultSurvived, "the refresh failed naming the endpoint; state and server kept all 3 objects"
	}
}

// A create's 404 from an endpoint without the API's base path is no sign that the client it
// names is gone: the error must point at the endpoint, not at client_id.
func TestAccReliability_wrongEndpointCreate(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	clientID := testAccIAMClientSecretParent(t, e)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.ProviderConfigWith("endpoint", e.Mock.URL+"/core/iam") + `
resource "aritma_iam_client_secret" "test" {
  client_id = "` + clientID + `"
}
`,
			ExpectError: expectErrorText(`endpoint "` + e.Mock.URL + `/core/iam" does not point at the Aritma IAM API`),
		}},
	})
	if ids, err := testAccListSecretIDs(e, clientID); err != nil || len(ids) != 0 {
		t.Errorf("the client has secrets %q (%v), want none", ids, err)
	}
}

// confirmNotFound is also what keeps Delete from counting a 404 of the wrong endpoint as done,
// which a destroy with -refresh=false would reach; the CLI tests above cannot get there.
func TestConfirmNotFound(t *testing.T) {
	ts := mockserver.NewTestServer(t)
	ctx := testContext(t)
	gone := &iam.APIError{StatusCode: http.StatusNotFound, Method: http.MethodDelete, Path: "/v1/clients/x", Title: "Not Found"}
	if !iam.IsNotFound(gone) {
		t.Fatal("test setup: the 404 is not a not-found error")
	}
	data := func(endpoint string) *providerData {
		c, err := iam.NewClient(iam.Config{Endpoint: endpoint, TokenURL: ts.TokenURL, ClientID: ts.AdminClientID(),
			ClientSecret: ts.AdminClientSecret(), Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return &providerData{client: c, endpoint: endpoint}
	}

	wrong := data(ts.URL + "/core/iam")
	ts.ResetStats()
	err := wrong.confirmNotFound(ctx, gone)
	var notAPI *notTheAPIError
	if !errors.As(err, &notAPI) || iam.IsNotFound(err) {
		t.Fatalf("wrong endpoint: got %v (%T), want an notTheAPIError that is not a not-found", err, err)
	}
	if want := "endpoint \"" + ts.URL + "/core/iam\" does not point at the Aritma IAM API"; !strings.Contains(err.Error(), want) {
		t.Errorf("wrong endpoint: error %q does not say %q", err, want)
	}

	for range 2 {
		if err := wrong.confirmNotFound(ctx, gone); !errors.As(err, &notAPI) {
			t.Fatalf("wrong endpoint, again: got %v", err)
		}
	}
	if n := ts.Stats().Count(http.MethodGet, "/"); n != 1 {
		t.Errorf("wrong endpoint: probed %d times for three 404s, want once", n)
	}

	// A caller that may not list clients gets a 403 from the probe: the route exists.
	ctxAdmin := testContext(t)
	admin := data(ts.URL).client
	weak, err := admin.CreateClient(ctxAdmin, iam.ClientRequest{Name: "no-grants", AllowedGrantTypes: []string{"client_credentials"},
		AllowedScopes: []string{"services.iam"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateClientSecret(ctxAdmin, weak.ClientID, iam.SecretRequest{Value: "no-grants-secret-0123"}); err != nil {
		t.Fatal(err)
	}
	weakClient, err := iam.NewClient(iam.Config{Endpoint: ts.URL, TokenURL: ts.TokenURL, ClientID: weak.ClientID,
		ClientSecret: "no-grants-secret-0123", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := (&providerData{client: weakClient, endpoint: ts.URL}).confirmNotFound(ctx, gone); !errors.Is(err, gone) {
		t.Fatalf("caller without iam.client.read: got %v, want the 404 itself", err)
	}

	right := data(ts.URL)
	ts.ResetStats()
	for range 3 {
		if err := right.confirmNotFound(ctx, gone); !errors.Is(err, gone) {
			t.Fatalf("right endpoint: got %v, want the 404 itself", err)
		}
	}
	if n := ts.Stats().Count(http.MethodGet, "/v1/clients"); n != 1 {
		t.Errorf("right endpoint: GET /v1/clients called %d times for three 404s, want once", n)
	}
	other := errors.New("boom")
	if err := right.confirmNotFound(ctx, other); err != other { //nolint:errorlint // the same error must come back
		t.Errorf("a non-404 error came back as %v", err)
	}
}

// A 404 that waits for another operation's probe waits only as long as its own context lets it,
// and then is no not-found error; concurrent 404s share the one probe.
func TestConfirmNotFound_waitsWithinItsContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var probes atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		probes.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"items":[],"metadata":{"page":1,"pageSize":1,"totalCount":0}}`))
	}))
	defer ts.Close()
	c, err := iam.NewClient(iam.Config{Endpoint: ts.URL, AccessToken: "tok", Version: "test", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	p := &providerData{client: c, endpoint: ts.URL}
	gone := &iam.APIError{StatusCode: http.StatusNotFound, Method: http.MethodGet, Path: "/v1/clients/x", Title: "Not Found"}

	first := make(chan error, 1)
	go func() { first <- p.confirmNotFound(testContext(t), gone) }()
	for probes.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	quick, cancel := context.WithTimeout(testContext(t), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = p.confirmNotFound(quick, gone)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("a 404 with 200 ms left waited %v for another operation's probe", d)
	}
	if iam.IsNotFound(err) || !errors.Is(err, context.DeadlineExceeded) ||
		!strings.Contains(err.Error(), "Checking that the endpoint is the Aritma IAM API") {
		t.Fatalf("got %v, want the probe's wait cut short by the deadline, and no not-found", err)
	}

	later := make(chan error, 1)
	go func() { later <- p.confirmNotFound(testContext(t), gone) }()
	time.Sleep(50 * time.Millisecond)
	close(release)
	for _, ch := range []chan error{first, later} {
		if err := <-ch; !errors.Is(err, gone) {
			t.Errorf("after the probe: got %v, want the 404 itself", err)
		}
	}
	if n := probes.Load(); n != 1 {
		t.Errorf("%d probes for three 404s, want 1", n)
	}
}

// TestAccDataSources_wrongEndpoint: every data source reports an endpoint that is not the API
// (the base path left out, or "/v1" added) as such, not as a bare 404 of its route or as an
// object that does not exist.
func TestAccDataSources_wrongEndpoint(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	var steps []resource.TestStep
	for _, endpoint := range []string{e.Mock.URL + "/core/iam", e.Mock.URL + "/v1"} {
		for _, ds := range []string{
			`data "aritma_iam_actions" "x" {}`,
			`data "aritma_iam_scopes" "x" {}`,
			`data "aritma_iam_clients" "x" {}`,
			`data "aritma_iam_policies" "x" {}`,
			`data "aritma_iam_subjects" "x" {}`,
			`data "aritma_iam_subject" "x" { subject_id = "client-` + e.Mock.AdminClientID() + `" }`,
			`data "aritma_iam_subject" "x" {
  type         = "client"
  display_name = "aritma-mock-admin"
}`,
			`data "aritma_iam_subject_memberships" "x" { subject_id = "client-` + e.Mock.AdminClientID() + `" }`,
			`data "aritma_iam_permissions" "x" { client_id = "` + e.Mock.AdminClientID() + `" }`,
			`data "aritma_iam_client" "x" { client_id = "` + e.Mock.AdminClientID() + `" }`,
			`data "aritma_iam_client_secrets" "x" { client_id = "` + e.Mock.AdminClientID() + `" }`,
		} {
			steps = append(steps, resource.TestStep{
				Config:      e.ProviderConfigWith("endpoint", endpoint) + ds,
				PlanOnly:    true,
				ExpectError: expectErrorText(`endpoint "` + endpoint + `" does not point at the Aritma IAM API`),
			})
		}
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}
