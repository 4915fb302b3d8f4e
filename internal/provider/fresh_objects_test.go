package provider

import (
	"fmt"
	"regexp"
	"slices"
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

// TestAccDataSources_readLag: the seed workflow in one apply against an API that hides new
// objects for 2 s. Every data source that reads what the same apply has just created (the client's
// subject, its secrets, the permissions and policies of a new grant, also one made to a group of
// the subject, searches that name it) waits until it is visible, instead of failing with "not
// found" or reporting allowed = false.
func TestAccDataSources_readLag(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	var clock agingClock
	e := newTestEnv(t, clock.option)
	// A team alice belongs to, made before the lag: a grant to the team is alice's too.
	team, err := e.API.CreateGroup(testContext(t), iam.GroupRequest{DisplayName: "fresh-team"})
	if err != nil {
		t.Fatal(err)
	}
	alice := "user-" + mockserver.SeedUserAliceID
	if err := e.API.AddGroupMembers(testContext(t), team.ID, []string{alice}); err != nil {
		t.Fatal(err)
	}
	clock.age(3 * time.Second) // past the lag, which would hide the team too
	e.Mock.SetFaults(mockserver.Faults{ReadLagMS: 2000})
	config := e.ProviderConfig() + fmt.Sprintf(`
resource "aritma_iam_policy" "team" {
  subject = %[1]q
  action  = "banking.ais.read"
  scope   = "/subscriptions/7"
}

data "aritma_iam_permissions" "alice" {
  subject_id = %[2]q
  action     = "banking.ais.read"
  scope      = "/subscriptions/7"

  depends_on = [aritma_iam_policy.team]
}
`, team.SubjectID, alice) + `
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

# Straight on the new client: the API does not know it yet when this create comes.
resource "aritma_iam_policy" "direct" {
  subject = aritma_iam_client.svc.subject_id
  action  = "iam.client.read"
  scope   = "/subscriptions/456"
}

data "aritma_iam_permissions" "svc" {
  client_id = aritma_iam_client.svc.client_id
  action    = "iam.client.read"
  scope     = "/subscriptions/123/accounts/9"

  depends_on = [aritma_iam_policy.read]
}

data "aritma_iam_policies" "svc" {
  subject = aritma_iam_client.svc.subject_id

  depends_on = [aritma_iam_policy.read, aritma_iam_policy.direct]
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
					statecheck.ExpectKnownValue("data.aritma_iam_permissions.alice", tfjsonpath.New("allowed"), knownvalue.Bool(true)),
					count("data.aritma_iam_policies.svc", "policies", 2),
					statecheck.ExpectKnownValue("aritma_iam_policy.direct", tfjsonpath.New("id"),
						knownvalue.StringRegexp(regexp.MustCompile(`^client-.+,iam\.client\.read,/subscriptions/456$`))),
					count("data.aritma_iam_client_secrets.svc", "secrets", 1),
					count("data.aritma_iam_subject_memberships.svc", "groups", 0),
					count("data.aritma_iam_clients.svc", "clients", 1),
					count("data.aritma_iam_subjects.svc", "subjects", 1),
					statecheck.ExpectKnownValue("data.aritma_iam_client.svc", tfjsonpath.New("name"), knownvalue.StringExact("fresh-svc")),
				},
				Check: func(*terraform.State) error {
					// The mock did hide the new objects, so the waits were needed.
					stats := e.Mock.Stats()
					if n := stats.CountStatus("GET", "/v1/clients/{clientId}", 404); n == 0 {
						return fmt.Errorf("the mock never hid the new client, so the test proves nothing")
					}
					// The creates that name the new client were refused first and made again.
					if n := stats.CountStatus("POST", "/v1/clients/{clientId}/secrets", 404); n == 0 {
						return fmt.Errorf("the secret create never met the lagging client, so the test proves nothing")
					}
					if n := stats.CountStatus("POST", "/v1/policies", 400); n == 0 {
						return fmt.Errorf("the policy create never met the lagging client, so the test proves nothing")
					}
					return nil
				},
			},
			{
				// Each create made one object, retried or not: counted with the lag off.
				PreConfig:        func() { e.Mock.SetFaults(mockserver.Faults{}) },
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: resource.ComposeAggregateTestCheckFunc(
					testAccCheckIAMPolicyCount(t, e, "aritma_iam_client.svc", 2),
					func(s *terraform.State) error {
						clientID, err := testAccStateAttr(s, "aritma_iam_client.svc", "client_id")
						if err != nil {
							return err
						}
						ids, err := testAccListSecretIDs(e, clientID)
						if err != nil {
							return err
						}
						if len(ids) != 1 {
							return fmt.Errorf("secrets of the client: %v, want exactly one", ids)
						}
						return nil
					},
				),
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
		"policy group-g1,owner,/", "policy client-c1,x,owner,/",
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
		"client subject": {freshSubjectItself("client-c1"), []string{"client c1"}},
		"user subject":   {freshSubjectItself("user-u1"), nil},
		"client permissions": {freshPermissions("client-c1"), []string{"client c1", "policy client-c1,owner,/",
			"policy client-c1,owner,/subscriptions/1", "policy group-g1,owner,/"}},
		"user permissions": {freshPermissions("user-u1"), []string{"policy group-g1,owner,/", "policy user-u1,iam.client.read,/"}},
		// A client id may hold a comma: its policies are told apart by parsing, not by prefix.
		"comma client permissions": {freshPermissions("client-c1,x"), []string{"policy client-c1,x,owner,/", "policy group-g1,owner,/"}},
		"all clients":              {freshClients, []string{"client c1", "client c2"}},
		"policies on /": {freshPolicies(iam.PolicyFilter{Scope: "/"}), []string{"policy client-c1,owner,/", "policy client-c1,x,owner,/",
			"policy group-g1,owner,/", "policy user-u1,iam.client.read,/"}},
		"policies of c1 for owner": {freshPolicies(iam.PolicyFilter{Subject: "client-c1", Action: "owner"}),
			[]string{"policy client-c1,owner,/", "policy client-c1,owner,/subscriptions/1"}},
	} {
		if g := got(tc.match); !slices.Equal(g, tc.want) {
			t.Errorf("%s: pending %q, want %q", name, g, tc.want)
		}
	}

	// A deleted grant on "/" is that grant only, not every grant under it.
	f.drop("policy client-c1,owner,/")
	if g := got(freshPolicies(iam.PolicyFilter{Subject: "client-c1"})); !slices.Equal(g, []string{"policy client-c1,owner,/subscriptions/1"}) {
		t.Errorf("after dropping one grant: %q", g)
	}
	// A deleted client takes its secrets and policies, and nothing of another client, not even
	// one whose id starts with its id and a comma.
	f.dropClient("c1")
	if g := got(func(string) bool { return true }); !slices.Equal(g, []string{"client c2", "policy client-c1,x,owner,/",
		"policy group-g1,owner,/", "policy user-u1,iam.client.read,/", "secret c2/s2"}) {
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

// TestUnitAwaitFreshShared: data sources that need the same fresh object at once wait for one read
// of it, and once it has been seen nobody reads it again.
func TestUnitAwaitFreshShared(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	e.Mock.SetFaults(mockserver.Faults{ReadLagMS: 1000})
	c := testAccCreateClients(t, e, "shared")[0]
	p := &providerData{client: e.API}
	p.fresh.add("client " + c.ClientID)

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { p.awaitFresh(ctx, freshClient(c.ClientID)) })
	}
	wg.Wait()
	reads := e.Mock.Stats().Count("GET", "/v1/clients/{clientId}")
	if hidden := e.Mock.Stats().CountStatus("GET", "/v1/clients/{clientId}", 404); hidden == 0 {
		t.Fatal("the mock never hid the client, so the test proves nothing")
	}
	// One reader backing off over the second of lag reads it a few times, not 8 readers.
	if reads > 5 {
		t.Errorf("%d reads of the fresh client by 8 data sources, want those of one reader", reads)
	}
	if p.fresh.still("client " + c.ClientID) {
		t.Error("the client is still fresh after it was seen")
	}
	p.awaitFresh(ctx, freshClient(c.ClientID))
	if again := e.Mock.Stats().Count("GET", "/v1/clients/{clientId}"); again != reads {
		t.Errorf("a seen client was read again (%d reads, then %d)", reads, again)
	}
}
