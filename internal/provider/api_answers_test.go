package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// rewriteJSON is a testAccProxy wrap that hands each successful JSON answer to the rewrite edit
// gives for its request (nil: passed on as it is), so a test sees the provider face an API that
// answers differently from the mock.
func rewriteJSON(next http.Handler, edit func(*http.Request) func(map[string]any) any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rewrite := edit(r)
		if rewrite == nil {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var answer map[string]any
		if rec.Code >= 300 || json.Unmarshal(rec.Body.Bytes(), &answer) != nil {
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		_ = json.NewEncoder(w).Encode(rewrite(answer))
	})
}

// keepOnly is a rewriteJSON rewrite that keeps only the named fields of an answer.
func keepOnly(keep ...string) func(map[string]any) any {
	return func(full map[string]any) any {
		short := map[string]any{}
		for _, k := range keep {
			short[k] = full[k]
		}
		return short
	}
}

// shortAnswers is a testAccProxy wrap that cuts the answers of client and secret creates and of
// client updates down to what an API could send with less detail than the mock: the short
// ClientDto ({clientId, name, description}) and a secret's bare id and value.
func shortAnswers(next http.Handler) http.Handler {
	secretCreate := regexp.MustCompile(`^/v1/clients/[^/]+/secrets$`)
	return rewriteJSON(next, func(r *http.Request) func(map[string]any) any {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/clients",
			r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/v1/clients/"):
			return keepOnly("clientId", "name", "description")
		case r.Method == http.MethodPost && secretCreate.MatchString(r.URL.Path):
			return keepOnly("clientSecretId", "value")
		}
		return nil
	})
}

// TestAccShortCreateAnswers: creates and updates answered with less than the mock sends apply
// cleanly (no "inconsistent result"), hold what the server holds, and plan nothing afterwards; the
// secret's creation time comes with the next refresh.
func TestAccShortCreateAnswers(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	endpoint := testAccProxy(t, e, shortAnswers)
	config := func(description string) string {
		return e.ProviderConfigWith("endpoint", endpoint) + `
resource "aritma_iam_client" "test" {
  name                = "short-answers"
  description         = "` + description + `"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api", "services.iam"]
}

resource "aritma_iam_client_secret" "test" {
  client_id   = aritma_iam_client.test.client_id
  description = "deploy"
  expiration  = "2099-01-01T00:00:00+01:00"
}
`
	}
	secret := "aritma_iam_client_secret.test"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             resource.ComposeAggregateTestCheckFunc(testAccCheckIAMClientSecretDestroy(e), testAccCheckIAMClientDestroy(t, e)),
		Steps: []resource.TestStep{
			{
				Config: config("first"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("allowed_scopes"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("api"), knownvalue.StringExact("services.iam")})),
					statecheck.ExpectKnownValue(secret, tfjsonpath.New("description"), knownvalue.StringExact("deploy")),
					statecheck.ExpectKnownValue(secret, tfjsonpath.New("expiration"), knownvalue.StringExact("2099-01-01T00:00:00+01:00")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckIAMClientSecretExists(e, secret),
					testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, iam.ClientRequest{Name: "short-answers", Description: "first", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api", "services.iam"}}),
				),
			},
			{
				// The refresh fills in the creation time the create answer left out, and plans nothing.
				Config: config("first"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(secret, tfjsonpath.New("created"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`))),
				},
			},
			{
				Config: config("second"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionUpdate)},
				},
				Check: testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, iam.ClientRequest{Name: "short-answers", Description: "second", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api", "services.iam"}}),
			},
			{
				Config: config("second"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// shortClientReads is a testAccProxy wrap for an API whose GET of one client answers with the
// short ClientDto ({clientId, name, description}), without the lists.
func shortClientReads(next http.Handler) http.Handler {
	oneClient := regexp.MustCompile(`^/v1/clients/[^/]+$`)
	return rewriteJSON(next, func(r *http.Request) func(map[string]any) any {
		if r.Method == http.MethodGet && oneClient.MatchString(r.URL.Path) {
			return keepOnly("clientId", "name", "description")
		}
		return nil
	})
}

// TestAccShortClientReads: when the API's GET leaves a client's lists out, a refresh keeps what
// Terraform wrote (no perpetual diff, no update that empties them), the name is still read (drift
// is found), the data source says null rather than empty, and an import plans the update that
// writes the configured lists.
func TestAccShortClientReads(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	endpoint := testAccProxy(t, e, shortClientReads)
	config := func(scopes string) string {
		return e.ProviderConfigWith("endpoint", endpoint) + `
resource "aritma_iam_client" "test" {
  name                = "short-reads"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = [` + scopes + `]
}

data "aritma_iam_client" "test" {
  client_id = aritma_iam_client.test.client_id
}
`
	}
	want := func(scopes ...string) iam.ClientRequest {
		return iam.ClientRequest{Name: "short-reads", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: scopes}
	}
	scopesAre := func(scopes ...string) statecheck.StateCheck {
		var checks []knownvalue.Check
		for _, s := range scopes {
			checks = append(checks, knownvalue.StringExact(s))
		}
		return statecheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("allowed_scopes"), knownvalue.SetExact(checks))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
		Steps: []resource.TestStep{
			{
				Config: config(`"api", "services.iam"`),
				ConfigStateChecks: []statecheck.StateCheck{
					scopesAre("api", "services.iam"),
					statecheck.ExpectKnownValue("data.aritma_iam_client.test", tfjsonpath.New("name"), knownvalue.StringExact("short-reads")),
					statecheck.ExpectKnownValue("data.aritma_iam_client.test", tfjsonpath.New("allowed_scopes"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.aritma_iam_client.test", tfjsonpath.New("redirect_uris"), knownvalue.Null()),
				},
				Check: testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, want("api", "services.iam")),
			},
			{
				Config:           config(`"api", "services.iam"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: config(`"api"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{scopesAre("api")},
				Check:             testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, want("api")),
			},
			{
				// A rename outside Terraform is still seen: the short answer carries the name.
				PreConfig: func() {
					c := testAccIAMClientsNamed(t, e, "short-reads")[0]
					if _, err := e.API.UpdateClient(testContext(t), c.ClientID, iam.ClientRequest{Name: "renamed",
						AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"}}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config(`"api"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("name"), knownvalue.StringExact("short-reads")),
				}},
				Check: testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, want("api")),
			},
			{
				// Imported, the lists are unknown to Terraform, so the plan writes the configured ones.
				Config:             config(`"api"`),
				ResourceName:       testAccIAMClientAddr,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithID,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("allowed_scopes"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("api")})),
				}},
			},
		},
	})
}

// caseInsensitiveIDs is a testAccProxy wrap for an API that finds clients by their id in any case
// but spells them its own way (the mock's, lower case) in every answer.
func caseInsensitiveIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/clients/") {
			r.URL.Path, r.URL.RawPath = strings.ToLower(r.URL.Path), ""
		}
		next.ServeHTTP(w, r)
	})
}

// TestAccIAMClientSecretResource_clientIDSpelling: against an API that spells client ids its own
// way, a secret created with the id spelt otherwise keeps the configured spelling (no inconsistent
// result, no replacement), and a secret imported with the id spelt otherwise takes the API's, which
// is what a reference to the client holds (no replacement after the import).
func TestAccIAMClientSecretResource_clientIDSpelling(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	endpoint := testAccProxy(t, e, caseInsensitiveIDs)
	config := func(clientID string) string {
		return e.ProviderConfigWith("endpoint", endpoint) + `
resource "aritma_iam_client" "test" {
  name                = "spelling"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

resource "aritma_iam_client_secret" "test" {
  client_id   = ` + clientID + `
  description = "spelt"
}
`
	}
	// The secret's import id with the client id spelt in upper case.
	upperImportID := func(s *terraform.State) (string, error) {
		client, err := testAccStateAttr(s, testAccIAMClientAddr, "client_id")
		if err != nil {
			return "", err
		}
		secret, err := testAccStateAttr(s, testAccSecretAddr, "secret_id")
		return strings.ToUpper(client) + "/" + secret, err
	}
	checkClientID := func(spell func(string) string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			client, err := testAccStateAttr(s, testAccIAMClientAddr, "client_id")
			if err != nil {
				return err
			}
			got, err := testAccStateAttr(s, testAccSecretAddr, "client_id")
			if err != nil {
				return err
			}
			id, _ := testAccStateAttr(s, testAccSecretAddr, "id")
			if want := spell(client); got != want || !strings.HasPrefix(id, want+"/") {
				return fmt.Errorf("secret client_id = %q, id = %q, want client_id %q", got, id, want)
			}
			return nil
		}
	}
	same := func(s string) string { return s }

	t.Run("created", func(t *testing.T) {
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
			Steps: []resource.TestStep{
				{
					Config: config("upper(aritma_iam_client.test.client_id)"),
					Check:  checkClientID(strings.ToUpper),
				},
				{
					Config:           config("upper(aritma_iam_client.test.client_id)"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					Check:            checkClientID(strings.ToUpper),
				},
			},
		})
	})
	t.Run("imported", func(t *testing.T) {
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
			Steps: []resource.TestStep{
				{
					Config: config("aritma_iam_client.test.client_id"),
					Check:  checkClientID(same),
				},
				{
					ResourceName:            testAccSecretAddr,
					ImportState:             true,
					ImportStateIdFunc:       upperImportID,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"value"},
				},
				{
					ResourceName:      testAccSecretAddr,
					ImportState:       true,
					ImportStateKind:   resource.ImportBlockWithID,
					ImportStateIdFunc: upperImportID,
					ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionNoop),
					}},
				},
			},
		})
	})
}

// reversedLists is a testAccProxy wrap for an API that lists in another order than the mock: it
// reverses every page of clients, secrets, subjects and permissions.
func reversedLists(next http.Handler) http.Handler {
	return rewriteJSON(next, func(r *http.Request) func(map[string]any) any {
		listed := r.URL.Path == "/v1/clients" || strings.HasPrefix(r.URL.Path, "/v1/subjects") || strings.HasSuffix(r.URL.Path, "/secrets")
		if r.Method != http.MethodGet || !listed {
			return nil
		}
		return func(page map[string]any) any {
			for _, k := range []string{"items", "data"} {
				if list, ok := page[k].([]any); ok {
					slices.Reverse(list)
				}
			}
			return page
		}
	})
}

// TestAccDataSources_orderWhateverTheAPI: the lists keep the order their docs promise when the
// API lists in another one.
func TestAccDataSources_orderWhateverTheAPI(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	clients := testAccCreateClients(t, e, "order-b", "order-a", "order-c")
	subject := clientSubjectID(clients[0].ClientID)
	testAccGrant(t, e,
		iam.Policy{Subject: subject, Action: "iam.subject.read", Scope: "/"},
		iam.Policy{Subject: subject, Action: "banking.ais.read", Scope: "/subscriptions/2"},
		iam.Policy{Subject: subject, Action: "banking.ais.read", Scope: "/subscriptions/1"},
	)
	var secretIDs []string
	for _, v := range []string{"order-secret-1", "order-secret-2", "order-secret-3"} {
		s, err := e.API.CreateClientSecret(testContext(t), clients[0].ClientID, iam.SecretRequest{Value: v})
		if err != nil {
			t.Fatal(err)
		}
		secretIDs = append(secretIDs, s.ClientSecretID)
		time.Sleep(1100 * time.Millisecond) // created times the API reports in whole seconds
	}
	endpoint := testAccProxy(t, e, reversedLists)
	config := e.ProviderConfigWith("endpoint", endpoint) + fmt.Sprintf(`
data "aritma_iam_clients" "order" {
  search_text = "order-"
}

data "aritma_iam_subjects" "order" {
  type         = "client"
  search_query = "order-"
}

data "aritma_iam_permissions" "b" {
  subject_id = %q
}

data "aritma_iam_client_secrets" "b" {
  client_id = %q
}
`, subject, clients[0].ClientID)
	names := knownvalue.ListExact([]knownvalue.Check{
		knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("order-a")}),
		knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("order-b")}),
		knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact("order-c")}),
	})
	displayNames := knownvalue.ListExact([]knownvalue.Check{
		knownvalue.ObjectPartial(map[string]knownvalue.Check{"display_name": knownvalue.StringExact("order-a")}),
		knownvalue.ObjectPartial(map[string]knownvalue.Check{"display_name": knownvalue.StringExact("order-b")}),
		knownvalue.ObjectPartial(map[string]knownvalue.Check{"display_name": knownvalue.StringExact("order-c")}),
	})
	grant := func(action, scope string) knownvalue.Check {
		return knownvalue.ObjectPartial(map[string]knownvalue.Check{"action": knownvalue.StringExact(action), "scope": knownvalue.StringExact(scope)})
	}
	secret := func(id string) knownvalue.Check {
		return knownvalue.ObjectPartial(map[string]knownvalue.Check{"secret_id": knownvalue.StringExact(id)})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.aritma_iam_clients.order", tfjsonpath.New("clients"), names),
				statecheck.ExpectKnownValue("data.aritma_iam_subjects.order", tfjsonpath.New("subjects"), displayNames),
				statecheck.ExpectKnownValue("data.aritma_iam_client_secrets.b", tfjsonpath.New("secrets"), knownvalue.ListExact([]knownvalue.Check{
					secret(secretIDs[0]), secret(secretIDs[1]), secret(secretIDs[2]),
				})),
				statecheck.ExpectKnownValue("data.aritma_iam_permissions.b", tfjsonpath.New("permissions"), knownvalue.ListExact([]knownvalue.Check{
					grant("banking.ais.read", "/subscriptions/1"), grant("banking.ais.read", "/subscriptions/2"), grant("iam.subject.read", "/"),
				})),
			},
		}},
	})
}

// editRequestJSON rewrites one string field of a request's JSON body with edit, as an API that
// normalises what it is sent would store it.
func editRequestJSON(r *http.Request, field string, edit func(string) string) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return
	}
	if v, ok := body[field].(string); ok {
		body[field] = edit(v)
	}
	raw, _ := json.Marshal(body)
	r.Body = io.NopCloser(bytes.NewReader(raw))
	r.ContentLength = int64(len(raw))
}

// TestAccNormalisingAPI: an API that stores a value otherwise than it was sent (here: it trims the
// description) must not make the apply fail with "inconsistent result" — which taints the client,
// so the next apply would replace it and delete its secrets and policies with it. The state keeps
// what was applied, and the next plan shows the API's value as an update in place, never a
// replacement.
func TestAccNormalisingAPI(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	endpoint := testAccProxy(t, e, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if (r.Method == http.MethodPost && r.URL.Path == "/v1/clients") ||
				(r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/v1/clients/")) {
				editRequestJSON(r, "description", strings.TrimSpace)
			}
			next.ServeHTTP(w, r)
		})
	})
	config := func(description string) string {
		return e.ProviderConfigWith("endpoint", endpoint) + fmt.Sprintf(`
resource "aritma_iam_client" "test" {
  name                = "normalised"
  description         = %q
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}
`, description)
	}
	inAPI := func(description string) resource.TestCheckFunc {
		return testAccCheckIAMClientInAPI(t, e, testAccIAMClientAddr, iam.ClientRequest{
			Name: "normalised", Description: description, AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"},
		})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
		Steps: []resource.TestStep{
			{
				Config: config(" padded "),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testAccIAMClientAddr, tfjsonpath.New("description"), knownvalue.StringExact(" padded ")),
				},
				Check:              inAPI("padded"),
				ExpectNonEmptyPlan: true, // the refresh reads "padded"
			},
			{
				Config: config(" padded "),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAccIAMClientAddr, plancheck.ResourceActionUpdate),
				}},
				Check:              inAPI("padded"),
				ExpectNonEmptyPlan: true,
			},
			{
				// Written as the API holds it, the configuration settles.
				Config: config("padded"),
				Check:  inAPI("padded"),
			},
		},
	})
}

// TestAccNormalisingAPI_policy: an API that stores a policy's triple otherwise than it was sent
// (here: it lower-cases the scope) would leave a grant that Terraform can never find by the
// configured values — reported as deleted, then as already existing, for ever. The create takes
// the grant back and says how to write it; nothing is left behind, and written so, it applies.
func TestAccNormalisingAPI_policy(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	client := testAccCreateClients(t, e, "normalised-grantee")[0]
	subject := "client-" + client.ClientID
	endpoint := testAccProxy(t, e, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == "/v1/policies" {
				editRequestJSON(r, "scope", strings.ToLower)
			}
			next.ServeHTTP(w, r)
		})
	})
	config := func(scope string) string {
		return e.ProviderConfigWith("endpoint", endpoint) + fmt.Sprintf(`
resource "aritma_iam_policy" "test" {
  subject = %q
  action  = "iam.client.read"
  scope   = %q
}
`, subject, scope)
	}
	grants := func() []iam.Policy {
		var ps []iam.Policy
		for p, err := range e.API.ListPolicies(testContext(t), iam.PolicyFilter{Subject: subject}) {
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, p)
		}
		return ps
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMPolicyDestroy(t, e),
		Steps: []resource.TestStep{
			{
				Config: config("/Subscriptions/ABC"),
				ExpectError: expectErrorTexts(`IAM Policy Stored Differently`,
					`The API stored the grant "`+subject+`,iam.client.read,/Subscriptions/ABC" as "`+subject+`,iam.client.read,/subscriptions/abc"`,
					`scope = "/subscriptions/abc"`,
					`The grant was deleted again, so nothing was left behind; the next apply creates it as written.`),
			},
			{
				PreConfig: func() {
					if ps := grants(); len(ps) != 0 {
						t.Fatalf("the refused create left grants behind: %+v", ps)
					}
				},
				Config: config("/subscriptions/abc"),
				Check: func(*terraform.State) error {
					if ps := grants(); len(ps) != 1 || ps[0].Scope != "/subscriptions/abc" {
						return fmt.Errorf("grants %+v, want the one written as the API stores it", ps)
					}
					return nil
				},
			},
		},
	})
}

// TestAccNormalisingAPI_policyEchoOnly: an API that only spells the triple otherwise in its create
// answer, but stores what it was sent, keeps its grant: the create finds it by the sent triple.
func TestAccNormalisingAPI_policyEchoOnly(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	client := testAccCreateClients(t, e, "echo-grantee")[0]
	subject := "client-" + client.ClientID
	endpoint := testAccProxy(t, e, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || r.URL.Path != "/v1/policies" {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			var answer map[string]any
			if err := json.Unmarshal(body, &answer); err == nil && rec.Code == http.StatusOK {
				answer["scope"] = strings.ToLower(answer["scope"].(string))
				body, _ = json.Marshal(answer)
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
		})
	})
	config := e.ProviderConfigWith("endpoint", endpoint) + fmt.Sprintf(`
resource "aritma_iam_policy" "test" {
  subject = %q
  action  = "iam.client.read"
  scope   = "/Subscriptions/ABC"
}
`, subject)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMPolicyDestroy(t, e),
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("aritma_iam_policy.test", tfjsonpath.New("scope"), knownvalue.StringExact("/Subscriptions/ABC")),
			},
			Check: func(*terraform.State) error {
				_, err := e.API.GetPolicy(testContext(t), subject, "iam.client.read", "/Subscriptions/ABC")
				return err
			},
		}},
	})
}

// normalisingSecrets is a testAccProxy wrap for an API that stores a new secret's description
// trimmed and, unless expiration is nil, its expiration as expiration() (a maximum lifetime, say,
// even for a secret sent without one). While drifted holds a secret id, the lists answer that
// secret as drift edits it: changed on the API's side.
func normalisingSecrets(expiration func() string, drifted *atomic.Value, drift func(secret map[string]any)) func(http.Handler) http.Handler {
	secrets := regexp.MustCompile(`^/v1/clients/[^/]+/secrets$`)
	return func(next http.Handler) http.Handler {
		lists := rewriteJSON(next, func(r *http.Request) func(map[string]any) any {
			id, _ := drifted.Load().(string)
			if r.Method != http.MethodGet || id == "" {
				return nil
			}
			return func(answer map[string]any) any {
				items, _ := answer["items"].([]any)
				for _, item := range items {
					if s, ok := item.(map[string]any); ok && s["clientSecretId"] == id {
						drift(s)
					}
				}
				return answer
			}
		})
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !secrets.MatchString(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			if r.Method == http.MethodPost {
				editRequestJSON(r, "description", strings.TrimSpace)
				if expiration != nil {
					setRequestJSON(r, "expiration", expiration())
				}
			}
			lists.ServeHTTP(w, r)
		})
	}
}

// setRequestJSON sets one field of a request's JSON body, as an API that fills it in would.
func setRequestJSON(r *http.Request, field, value string) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return
	}
	body[field] = value
	raw, _ := json.Marshal(body)
	r.Body = io.NopCloser(bytes.NewReader(raw))
	r.ContentLength = int64(len(raw))
}

// keepSecretID is a check that notes the secret id of the state in dst.
func keepSecretID(dst *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		*dst = s.RootModule().Resources[testAccSecretAddr].Primary.Attributes["secret_id"]
		return nil
	}
}

// normalisedSecrets is the setup of a TestAccNormalisingAPI_secret* test: a client made through
// the API, and the endpoint of an API that normalises the secrets made for it (see
// normalisingSecrets), with drifted to make one of them drift.
type normalisedSecrets struct {
	e        *testEnv
	clientID string
	endpoint string
	drifted  atomic.Value
}

func newNormalisedSecrets(t *testing.T, client string, expiration func() string, drift func(secret map[string]any)) *normalisedSecrets {
	t.Helper()
	testAccPreCheck(t)
	t.Parallel()
	n := &normalisedSecrets{e: newTestEnv(t)}
	n.clientID = testAccCreateClients(t, n.e, client)[0].ClientID
	n.endpoint = testAccProxy(t, n.e, normalisingSecrets(expiration, &n.drifted, drift))
	return n
}

// config is a secret of the client through the normalising API with the given arguments.
func (n *normalisedSecrets) config(arguments string) string {
	return n.e.ProviderConfigWith("endpoint", n.endpoint) + fmt.Sprintf(`
resource "aritma_iam_client_secret" "test" {
  client_id = %q
  %s
}
`, n.clientID, arguments)
}

// paddedSecret are arguments of a secret that the normalising API stores otherwise, both of them.
const paddedSecret = `
  description = " padded "
  expiration  = "2035-06-01T00:00:00Z"`

// test runs steps against the normalising API and checks that the secrets are gone at the end.
func (n *normalisedSecrets) test(t *testing.T, steps ...resource.TestStep) {
	t.Helper()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientSecretDestroy(n.e),
		Steps:                    steps,
	})
}

// cutTo2034 is an API's expiration for every new secret: a maximum lifetime, say.
func cutTo2034() string { return "2034-01-01T00:00:00Z" }

// TestAccNormalisingAPI_secret: an API that stores a secret's description or expiration otherwise
// than sent (trimmed, cut to a maximum lifetime) must neither fail the create with "inconsistent
// result" (which taints a secret that works) nor replace the secret on every apply, as both force
// a replacement. The state keeps the configured values while the API holds what it answered; a
// later change on the API's side is drift and replaces the secret.
func TestAccNormalisingAPI_secret(t *testing.T) {
	n := newNormalisedSecrets(t, "normalised-secret", cutTo2034, func(s map[string]any) { s["description"] = "changed on the API's side" })
	config := n.config(paddedSecret)
	var first string
	held := func(s *terraform.State) error {
		a := s.RootModule().Resources[testAccSecretAddr].Primary.Attributes
		got, err := n.e.API.GetClientSecret(testContext(t), n.clientID, a["secret_id"])
		if err != nil {
			return err
		}
		if got.Description != "padded" || got.Expiration == nil || !got.Expiration.Equal(time.Date(2034, 1, 1, 0, 0, 0, 0, time.UTC)) {
			return fmt.Errorf("the API holds %q expiring %v, want the normalised values", got.Description, got.Expiration)
		}
		if first != "" && a["secret_id"] == first {
			return fmt.Errorf("secret %s was not replaced", first)
		}
		first = a["secret_id"]
		return nil
	}
	configured := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("description"), knownvalue.StringExact(" padded ")),
		statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("expiration"), knownvalue.StringExact("2035-06-01T00:00:00Z")),
	}
	n.test(t,
		resource.TestStep{
			// The plan after the apply refreshes and must be empty.
			Config:            config,
			ConfigStateChecks: configured,
			Check:             held,
		},
		resource.TestStep{
			Config:           config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		},
		resource.TestStep{
			// The old secret's description changes on the API's side: drift, so it is replaced.
			PreConfig: func() { n.drifted.Store(first) },
			Config:    config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionDestroyBeforeCreate),
			}},
			ConfigStateChecks: configured,
			Check:             held,
		},
	)
}

// TestAccNormalisingAPI_secretRenewal: renew_before goes by the expiration the API holds, not by
// the later one configured: an API that cuts every secret to two hours makes a secret with
// renew_before = "3h" due at once, and the plan replaces it.
func TestAccNormalisingAPI_secretRenewal(t *testing.T) {
	n := newNormalisedSecrets(t, "capped-secret", func() string {
		return time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	}, nil)
	config := n.config(`
  expiration   = "2035-06-01T00:00:00Z"
  renew_before = "3h"`)
	var first string
	n.test(t,
		resource.TestStep{
			Config: config,
			Check: func(s *terraform.State) error {
				first = s.RootModule().Resources[testAccSecretAddr].Primary.Attributes["secret_id"]
				return nil
			},
			ExpectNonEmptyPlan: true, // due for renewal by the API's expiration
		},
		resource.TestStep{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionDestroyBeforeCreate),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("expiration"), knownvalue.StringExact("2035-06-01T00:00:00Z")),
			},
			Check: func(s *terraform.State) error {
				ids, err := testAccListSecretIDs(n.e, n.clientID)
				if err != nil {
					return err
				}
				now := s.RootModule().Resources[testAccSecretAddr].Primary.Attributes["secret_id"]
				if len(ids) != 1 || ids[0] != now || now == first {
					return fmt.Errorf("the client holds %v, want only the renewed secret (not %s)", ids, first)
				}
				return nil
			},
			ExpectNonEmptyPlan: true,
		},
	)
}

// TestAccNormalisingAPI_secretPerArgument: each argument the API stored otherwise is judged on its
// own. The expiration changing on the API's side (here to the configured instant) is drift of the
// expiration alone: the trimmed description keeps showing as configured, and as the state then
// matches the configuration, nothing is planned.
func TestAccNormalisingAPI_secretPerArgument(t *testing.T) {
	n := newNormalisedSecrets(t, "normalised-per-argument", cutTo2034, func(s map[string]any) { s["expiration"] = "2035-06-01T00:00:00Z" })
	config := n.config(paddedSecret)
	var first string
	n.test(t,
		resource.TestStep{Config: config, Check: keepSecretID(&first)},
		resource.TestStep{
			PreConfig:        func() { n.drifted.Store(first) },
			Config:           config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		},
	)
}

// TestAccNormalisingAPI_secretDriftThenBack: drift recorded in the state by a refresh-only apply
// does not lose what the create's answer held: when the API holds that again, the state shows the
// configured values again and nothing is planned.
func TestAccNormalisingAPI_secretDriftThenBack(t *testing.T) {
	n := newNormalisedSecrets(t, "normalised-drift-back", cutTo2034, func(s map[string]any) { s["description"] = "changed for a while" })
	config := n.config(paddedSecret)
	var first string
	n.test(t,
		resource.TestStep{Config: config, Check: keepSecretID(&first)},
		resource.TestStep{
			PreConfig:          func() { n.drifted.Store(first) },
			RefreshState:       true,
			ExpectNonEmptyPlan: true,
			Check:              resource.TestCheckResourceAttr(testAccSecretAddr, "description", "changed for a while"),
		},
		resource.TestStep{
			PreConfig:        func() { n.drifted.Store("") },
			Config:           config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		},
	)
}

// TestAccNormalisingAPI_secretWrittenAsHeld: writing the description and expiration the way the
// API holds them, as the "Stored Differently" warning suggests, updates the state only: the
// secret (and its generated value) stays, and the plan settles.
func TestAccNormalisingAPI_secretWrittenAsHeld(t *testing.T) {
	n := newNormalisedSecrets(t, "normalised-written-as-held", cutTo2034, nil)
	var first string
	same := func(s *terraform.State) error {
		if id := s.RootModule().Resources[testAccSecretAddr].Primary.Attributes["secret_id"]; id != first {
			return fmt.Errorf("secret %s was replaced by %s", first, id)
		}
		return nil
	}
	n.test(t,
		resource.TestStep{
			Config: n.config(paddedSecret),
			Check:  resource.ComposeTestCheckFunc(keepSecretID(&first), testAccCheckIAMClientSecretStateValueAuthenticates(n.e, testAccSecretAddr)),
		},
		resource.TestStep{
			Config: n.config(`
  description = "padded"
  expiration  = "2034-01-01T01:00:00+01:00"`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionUpdate),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("description"), knownvalue.StringExact("padded")),
				statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("expiration"), knownvalue.StringExact("2034-01-01T01:00:00+01:00")),
			},
			Check: resource.ComposeTestCheckFunc(same, testAccCheckIAMClientSecretStateValueAuthenticates(n.e, testAccSecretAddr)),
		},
		resource.TestStep{
			// Back to the first spelling: a change again, so a replacement.
			Config: n.config(`
  description = " padded "
  expiration  = "2034-01-01T00:00:00Z"`),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(testAccSecretAddr, plancheck.ResourceActionDestroyBeforeCreate),
			}},
		},
	)
}

// TestAccNormalisingAPI_secretExpirationAdded: an API that gives every secret an expiration, even
// one sent without, does not make renew_before (which needs a configured expiration) replace the
// secret on every apply.
func TestAccNormalisingAPI_secretExpirationAdded(t *testing.T) {
	n := newNormalisedSecrets(t, "normalised-expiration-added", func() string {
		return time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	}, nil)
	config := n.config(`renew_before = "3h"`)
	n.test(t,
		resource.TestStep{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testAccSecretAddr, tfjsonpath.New("expiration"), knownvalue.Null()),
			},
		},
		resource.TestStep{Config: config, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
	)
}
