package provider

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// apiClientPermissions lists a client's permissions through the admin API.
func apiClientPermissions(t *testing.T, e *testEnv, clientID string, f iam.PermissionFilter) []iam.Permission {
	t.Helper()
	return apiList(t, "permissions", e.API.ListClientPermissions(testContext(t), clientID, f))
}

// permissionsCheck is the expected list of permissions, in the API's order.
func permissionsCheck(perms []iam.Permission) knownvalue.Check {
	checks := make([]knownvalue.Check, len(perms))
	for i, p := range perms {
		checks[i] = knownvalue.ObjectExact(map[string]knownvalue.Check{
			"action":            knownvalue.StringExact(p.Action),
			"scope":             knownvalue.StringExact(p.Scope),
			"resource_type":     knownvalue.StringExact(p.ResourceType),
			"resource_provider": knownvalue.StringExact(p.ResourceProvider),
			"granted_via":       knownvalue.StringExact(p.GrantedVia),
		})
	}
	return knownvalue.ListExact(checks)
}

func testAccCreatePolicies(t *testing.T, e *testEnv, policies ...iam.Policy) {
	t.Helper()
	ctx := testContext(t)
	testAccParallel(t, len(policies), func(i int) error {
		_, err := e.API.CreatePolicy(ctx, policies[i])
		return err
	})
}

func TestAccIAMPermissionsDataSource_basic(t *testing.T) {
	testAccPermissionsBasic(t, false)
}

// TestAccIAMPermissionsDataSource_unfilteringAPI: the same reads against an API that ignores the
// filters come out the same, since the provider applies them again.
func TestAccIAMPermissionsDataSource_unfilteringAPI(t *testing.T) {
	testAccPermissionsBasic(t, true)
}

func testAccPermissionsBasic(t *testing.T, unfiltering bool) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	endpoint := e.Mock.URL
	if unfiltering {
		endpoint = testAccProxy(t, e, observe(func(r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/permissions") {
				q := r.URL.Query()
				q.Del("resourceType")
				q.Del("resourceProvider")
				q.Del("action")
				r.URL.RawQuery = q.Encode()
			}
		}))
	}
	ctx := testContext(t)
	clients := testAccCreateClients(t, e, "permissions-service", "mandates-service")
	svc, mandates := clients[0], clients[1]
	subject := "client-" + svc.ClientID
	group, err := e.API.CreateGroup(ctx, iam.GroupRequest{DisplayName: "payments-team"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.API.AddGroupMembers(ctx, group.ID, []string{subject}); err != nil {
		t.Fatal(err)
	}
	testAccCreatePolicies(t, e,
		iam.Policy{Subject: subject, Action: "banking.ais.read", Scope: "/subscriptions/1"},
		iam.Policy{Subject: subject, Action: "iam.manage", Scope: "/subscriptions/2/resource-groups/rg"},
		iam.Policy{Subject: group.SubjectID, Action: "banking.pis.manage", Scope: "/"},
		iam.Policy{Subject: "client-" + mandates.ClientID, Action: "banking.manage", Scope: "/subscriptions/7"},
	)
	all := apiClientPermissions(t, e, svc.ClientID, iam.PermissionFilter{})
	if len(all) != 3 {
		t.Fatalf("the API lists %d permissions, want 3: %+v", len(all), all)
	}
	readClients := apiClientPermissions(t, e, svc.ClientID, iam.PermissionFilter{Action: "iam.client.read"})
	resourceGroups := apiClientPermissions(t, e, svc.ClientID, iam.PermissionFilter{ResourceType: "resource-groups"})

	ds := func(name string) string { return "data.aritma_iam_permissions." + name }
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfigWith("endpoint", endpoint) + fmt.Sprintf(`
locals {
  client_id = %[1]q
}

data "aritma_iam_permissions" "all" {
  client_id = local.client_id
}

data "aritma_iam_permissions" "by_subject" {
  subject_id = "client-${local.client_id}"
}

# iam.manage on the resource group grants iam.client.read below it...
data "aritma_iam_permissions" "read_clients_below_rg" {
  client_id = local.client_id
  action    = "iam.client.read"
  scope     = "/subscriptions/2/resource-groups/rg/things/x"
}

# ...but not on the subscription above it.
data "aritma_iam_permissions" "read_clients_in_subscription" {
  client_id = local.client_id
  action    = "iam.client.read"
  scope     = "/subscriptions/2"
}

# The group's banking.pis.manage on "/" grants banking.pis.cancel everywhere.
data "aritma_iam_permissions" "cancel_payments" {
  client_id = local.client_id
  action    = "banking.pis.cancel"
  scope     = "/subscriptions/9"
}

# A grant on /subscriptions/1 does not cover /subscriptions/10.
data "aritma_iam_permissions" "prefix_is_not_ancestor" {
  client_id = local.client_id
  action    = "banking.ais.read"
  scope     = "/subscriptions/10"
}

# banking.manage grants banking.mandates.read through banking.mandates.manage: a grandparent grants.
data "aritma_iam_permissions" "read_mandates" {
  client_id = %[2]q
  action    = "banking.mandates.read"
  scope     = "/subscriptions/7/mandates/m1"
}

data "aritma_iam_permissions" "no_consents" {
  client_id = local.client_id
  action    = "banking.consents.read"
}

data "aritma_iam_permissions" "resource_groups" {
  client_id     = local.client_id
  resource_type = "resource-groups"
}

# allowed ignores resource_type: the grant on "/" has none, and still counts.
data "aritma_iam_permissions" "filtered_but_allowed" {
  client_id     = local.client_id
  resource_type = "subscriptions"
  action        = "banking.pis.read"
  scope         = "/subscriptions/5"
}
`, svc.ClientID, mandates.ClientID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds("all"), tfjsonpath.New("permissions"), permissionsCheck(all)),
					statecheck.ExpectKnownValue(ds("all"), tfjsonpath.New("subject_id"), knownvalue.StringExact(subject)),
					statecheck.ExpectKnownValue(ds("all"), tfjsonpath.New("allowed"), knownvalue.Null()),
					statecheck.ExpectKnownValue(ds("all"), tfjsonpath.New("permissions"), knownvalue.SetPartial([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"action":      knownvalue.StringExact("banking.pis.manage"),
							"scope":       knownvalue.StringExact("/"),
							"granted_via": knownvalue.StringExact(group.SubjectID),
						}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"action":            knownvalue.StringExact("iam.manage"),
							"resource_type":     knownvalue.StringExact("resource-groups"),
							"resource_provider": knownvalue.StringExact("aritma.control"),
							"granted_via":       knownvalue.StringExact(subject),
						}),
					})),
					statecheck.CompareValuePairs(ds("by_subject"), tfjsonpath.New("permissions"), ds("all"), tfjsonpath.New("permissions"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(ds("by_subject"), tfjsonpath.New("client_id"), knownvalue.Null()),

					statecheck.ExpectKnownValue(ds("read_clients_below_rg"), tfjsonpath.New("allowed"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(ds("read_clients_below_rg"), tfjsonpath.New("permissions"), permissionsCheck(readClients)),
					statecheck.ExpectKnownValue(ds("read_clients_in_subscription"), tfjsonpath.New("allowed"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(ds("cancel_payments"), tfjsonpath.New("allowed"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(ds("prefix_is_not_ancestor"), tfjsonpath.New("allowed"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(ds("read_mandates"), tfjsonpath.New("allowed"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(ds("no_consents"), tfjsonpath.New("allowed"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(ds("no_consents"), tfjsonpath.New("permissions"), knownvalue.ListExact([]knownvalue.Check{})),
					statecheck.ExpectKnownValue(ds("resource_groups"), tfjsonpath.New("permissions"), permissionsCheck(resourceGroups)),
					statecheck.ExpectKnownValue(ds("resource_groups"), tfjsonpath.New("permissions"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue(ds("filtered_but_allowed"), tfjsonpath.New("permissions"), knownvalue.ListExact([]knownvalue.Check{})),
					statecheck.ExpectKnownValue(ds("filtered_but_allowed"), tfjsonpath.New("allowed"), knownvalue.Bool(true)),
				},
			},
		},
	})
}

// More permissions than the API's largest page (200) must all come back, and allowed must see
// grants beyond the first page.
func TestAccIAMPermissionsDataSource_paging(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	svc := testAccCreateClients(t, e, "busy-service")[0]
	policies := make([]iam.Policy, 230)
	for i := range policies {
		policies[i] = iam.Policy{Subject: "client-" + svc.ClientID, Action: "banking.ais.read", Scope: fmt.Sprintf("/subscriptions/%03d", i)}
	}
	testAccCreatePolicies(t, e, policies...)
	all := apiClientPermissions(t, e, svc.ClientID, iam.PermissionFilter{})
	if len(all) != len(policies) {
		t.Fatalf("the API lists %d permissions, want %d", len(all), len(policies))
	}
	last := all[len(all)-1].Scope

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfig() + fmt.Sprintf(`
data "aritma_iam_permissions" "all" {
  client_id = %[1]q
}

data "aritma_iam_permissions" "last_page" {
  client_id = %[1]q
  action    = "banking.ais.read"
  scope     = "%[2]s/resource-groups/rg"
}
`, svc.ClientID, last),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aritma_iam_permissions.all", tfjsonpath.New("permissions"), permissionsCheck(all)),
					statecheck.ExpectKnownValue("data.aritma_iam_permissions.last_page", tfjsonpath.New("permissions"), knownvalue.ListSizeExact(len(policies))),
					statecheck.ExpectKnownValue("data.aritma_iam_permissions.last_page", tfjsonpath.New("allowed"), knownvalue.Bool(true)),
				},
			},
		},
	})
}

func TestAccIAMPermissionsDataSource_invalidConfig(t *testing.T) {
	testAccExpectErrors(t,
		expectError(`
data "aritma_iam_permissions" "x" {
  subject_id = "client-a"
  client_id  = "a"
}
`,
			`Exactly one of these attributes must be configured: [subject_id,client_id]`),
		expectError(`data "aritma_iam_permissions" "x" {}`,
			`Exactly one of these attributes must be configured: [subject_id,client_id]`),
		expectError(`
data "aritma_iam_permissions" "x" {
  client_id = "a"
  scope     = "/subscriptions/1"
}
`,
			`Attribute "action" must be specified when "scope" is specified`),
		expectError(`
data "aritma_iam_permissions" "x" {
  client_id = "a"
  action    = "iam.client.read"
  scope     = "/subscriptions"
}
`,
			`scope must consist of /<type>/<id> pairs, e.g. /subscriptions/123.`),
		expectError(`
data "aritma_iam_permissions" "x" {
  client_id = "a"
  action    = "iam.client.read"
  scope     = "/subscriptions/1/x/.."
}
`,
			`scope segment ".." is not allowed here: allowed compares scopes segment by segment and would not take it `+
				`for the current or the parent scope; write the scope it stands for.`),
		expectError(`
data "aritma_iam_permissions" "x" {
  client_id = "a"
  action    = "IAM.Read"
}
`,
			`action "IAM.Read" must be dot-separated lower-case segments of a-z and 0-9, e.g. "iam.client.read".`),
		expectError(`
data "aritma_iam_permissions" "x" {
  subject_id = "alice"
}
`,
			`subject "alice" must be a subject id of the form user-<id>, client-<id> or group-<id>.`),
		expectError(`
data "aritma_iam_permissions" "x" {
  client_id = ""
}
`,
			`client_id must be a client id: not empty, "." or "..", and without '/' or whitespace, got "".`),
		expectError(`
data "aritma_iam_permissions" "x" {
  client_id     = "a"
  resource_type = ""
}
`,
			`resource_type must not be empty: the API reads an empty filter as none, so every permission would be `+
				`kept. Leave resource_type out (null) to keep all; the grants on "/" are those whose resource_type is "".`),
		expectError(`
data "aritma_iam_permissions" "x" {
  client_id         = "a"
  resource_provider = ""
}
`,
			`resource_provider must not be empty: the API reads an empty filter as none`),
		expectError(`
data "aritma_iam_permissions" "x" {
  client_id = "a"
  action    = ""
}
`,
			`action must not be empty: leave it out (null) to keep every permission.`),
		expectError(`
data "aritma_iam_permissions" "x" {
  client_id = "a"
  action    = "iam.client.read"
  scope     = ""
}
`,
			`scope must not be empty: leave it out (null) where allowed is not wanted, or give the scope to answer allowed for, such as "/".`),
	)
}

func TestAccIAMPermissionsDataSource_unknownSubject(t *testing.T) {
	testAccExpectErrors(t,
		expectError(`
data "aritma_iam_permissions" "x" {
  client_id = "no-such-client"
}
`,
			`Listing the permissions of the client "no-such-client" failed.`,
			`The client "no-such-client" does not exist: check client_id.`, goneLookupHint),
		expectError(`
data "aritma_iam_permissions" "x" {
  client_id = "client-0b2c"
}
`,
			`The client "client-0b2c" does not exist: check client_id.`,
			`"client-0b2c" looks like the subject id of client "0b2c": client_id takes the client id itself`),
		expectError(`
data "aritma_iam_permissions" "x" {
  subject_id = "user-no-such-user"
}
`,
			`Listing the permissions of the subject "user-no-such-user" failed.`,
			`The subject "user-no-such-user" does not exist: check subject_id`, goneLookupHint),
	)
}

func TestUnitPermissionsWarnUnknownAction(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	data := &providerData{client: e.API}
	for action, warn := range map[string]bool{"iam.client.fly": true, "iam.client.read": false} {
		var diags diag.Diagnostics
		data.warnUnknownAction(testContext(t), action, "allowed is false", &diags)
		if got := diags.WarningsCount() == 1; got != warn || diags.ErrorsCount() != 0 {
			t.Fatalf("%s: diagnostics %v, want a warning: %v", action, diags, warn)
		}
		if warn && diags.Warnings()[0].Detail() != `"iam.client.fly" is not in the action catalogue, so no policy can `+
			`grant it and allowed is false. Check the spelling; the aritma_iam_actions data source lists every action.` {
			t.Errorf("warning: %q", diags.Warnings()[0].Detail())
		}
	}
}

// Without a catalogue to check the action filter against (refused, or empty), the API's answer
// stands, and the read does not fail on its account.
func TestAccIAMPermissionsDataSource_noCatalogue(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	for name, answer := range map[string]func(http.ResponseWriter){
		"refused": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"title":"Forbidden","status":403}`))
		},
		"missing": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"title":"Not Found","status":404}`))
		},
		"empty": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`[]`))
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			svc := testAccCreateClients(t, e, "no-catalogue")[0]
			subject := "client-" + svc.ClientID
			testAccCreatePolicies(t, e,
				iam.Policy{Subject: subject, Action: "iam.client.read", Scope: "/subscriptions/1"},
				iam.Policy{Subject: subject, Action: "owner", Scope: "/"},
			)
			want := apiClientPermissions(t, e, svc.ClientID, iam.PermissionFilter{Action: "iam.client.read"})
			if len(want) != 2 {
				t.Fatalf("the API lists %d permissions for iam.client.read, want 2: %+v", len(want), want)
			}
			endpoint := testAccProxy(t, e, func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/v1/actions" {
						answer(w)
						return
					}
					next.ServeHTTP(w, r)
				})
			})
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: e.ProviderConfigWith("endpoint", endpoint) + fmt.Sprintf(`
data "aritma_iam_permissions" "x" {
  client_id = %[1]q
  action    = "iam.client.read"
  scope     = "/subscriptions/1"
}

# Only the owner grant on "/" covers this scope. Without a catalogue nothing shows that owner
# grants iam.client.read: permissions lists what the API answered, but allowed, which gates
# deploys, counts only grants of the action itself and is false (with a warning that says why).
data "aritma_iam_permissions" "inherited" {
  client_id = %[1]q
  action    = "iam.client.read"
  scope     = "/subscriptions/2"
}
`, svc.ClientID),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("data.aritma_iam_permissions.x", tfjsonpath.New("permissions"), permissionsCheck(want)),
						statecheck.ExpectKnownValue("data.aritma_iam_permissions.x", tfjsonpath.New("allowed"), knownvalue.Bool(true)),
						statecheck.ExpectKnownValue("data.aritma_iam_permissions.inherited", tfjsonpath.New("permissions"), permissionsCheck(want)),
						statecheck.ExpectKnownValue("data.aritma_iam_permissions.inherited", tfjsonpath.New("allowed"), knownvalue.Bool(false)),
					},
				}},
			})
		})
	}
}

// allowed takes a grant for no more than it is known to be: without a catalogue, only a grant of
// the action itself proves it, and a parent the API listed is named in a warning instead.
func TestDecideAllowed(t *testing.T) {
	t.Parallel()
	catalogue := []iam.Action{{Name: "owner"}, {Name: "iam.manage", Parent: "owner"}, {Name: "iam.client.read", Parent: "iam.manage"}}
	grants := []iam.Permission{
		{Action: "owner", Scope: "/"},
		{Action: "iam.client.read", Scope: "/subscriptions/1"},
	}
	for _, tc := range []struct {
		name      string
		catalogue []iam.Action
		err       error
		scope     string
		allowed   bool
		warning   string
	}{
		{"catalogue, exact grant", catalogue, nil, "/subscriptions/1", true, ""},
		{"catalogue, parent grant", catalogue, nil, "/subscriptions/2", true, ""},
		{"no catalogue, exact grant", nil, errors.New("403"), "/subscriptions/1", true, ""},
		{"no catalogue, parent grant", nil, errors.New("403"), "/subscriptions/2", false,
			`The API lists grants of owner that cover this scope, which the provider could not check: they may be of parent ` +
				`actions of "iam.client.read", but the action catalogue (GET /v1/actions) could not be read or is empty, so ` +
				`allowed counts only grants of "iam.client.read" itself: it is false. Make sure the provider's token may read ` +
				`the catalogue, or grant "iam.client.read" itself.`},
		{"empty catalogue, parent grant", []iam.Action{}, nil, "/subscriptions/2", false, "The API lists grants of owner"},
		{"catalogue, the root grant covers any scope", catalogue, nil, "/elsewhere/1", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &actionMatch{action: "iam.client.read", load: func() ([]iam.Action, error) { return tc.catalogue, tc.err }}
			candidates := keep(slices.Clone(grants), iam.PermissionFilter{Action: "iam.client.read"}, m.grants)
			allowed, warning := decideAllowed(candidates, types.StringValue(tc.scope), m)
			if allowed != tc.allowed || !strings.HasPrefix(warning, tc.warning) || (tc.warning == "") != (warning == "") {
				t.Errorf("allowed %v, warning %q; want %v, %q", allowed, warning, tc.allowed, tc.warning)
			}
		})
	}
	// A grant the API named no scope for covers nothing, with scope unset ("any scope") too.
	m := &actionMatch{action: "iam.client.read", load: func() ([]iam.Action, error) { return catalogue, nil }}
	if allowed, _ := decideAllowed([]iam.Permission{{Action: "iam.client.read"}}, types.StringNull(), m); allowed {
		t.Error("a grant without a scope made allowed true")
	}
}
