package provider

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
	"github.com/aritma/terraform-provider-aritma/internal/reliability"
)

// Timeouts (issue 5, section 2): a `timeouts { create = "1s" }` block must bound the whole create,
// in-flight request included, against an API that takes 3 s to answer. The mock sits behind a
// recording handler, so the test sees from the server side when the provider hung up.

// The slow API answers after timeoutsLatency; the timeouts are timeoutsLimit. A request held
// longer than timeoutsLimit plus a second of slack for a busy machine was not cut by its timeout
// (it would have been held the full timeoutsLatency).
const (
	timeoutsLatency = 3 * time.Second
	timeoutsLimit   = time.Second
)

// abandonedRequests records, per "METHOD path", how long the server held each request whose client
// went away before the answer.
type abandonedRequests struct {
	mu   sync.Mutex
	seen []string
	held []time.Duration
}

func (a *abandonedRequests) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// Reading the body first lets net/http watch the connection, so the request's context
		// ends when the client hangs up (and the mock's latency stops there, committing nothing).
		// Without it the server would only notice after the handler, as a busy real server might.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
		if r.Context().Err() != nil {
			a.mu.Lock()
			a.seen = append(a.seen, r.Method+" "+r.URL.Path)
			a.held = append(a.held, time.Since(start))
			a.mu.Unlock()
		}
	})
}

func (a *abandonedRequests) snapshot() ([]string, []time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...), append([]time.Duration(nil), a.held...)
}

func TestAccReliabilityTimeouts_create(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	for _, tc := range timeoutsCases(`create = "1s"`) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			summary := tc.what + " May Have Been Created"
			rec := &abandonedRequests{}
			te := newWrappedEnv(t, rec.wrap)
			srv, api, ctx := te.srv, te.api, testContext(t)
			before, err := relCountObjects(ctx, api)
			if err != nil {
				t.Fatal(err)
			}
			config := te.providerConfig + strings.ReplaceAll(tc.config, "PARENT", te.parent)

			var applyStart time.Time
			start := time.Now()
			result, details := reliability.ResultFailed, "the apply did not fail with a timeout"
			defer func() {
				reportRow(t, reliability.Row{Section: reliability.SectionInterrupts,
					Name:   fmt.Sprintf("timeouts create = \"1s\" on %s against 3 s latency", tc.kind),
					Result: result, Runs: 1, WallS: time.Since(start).Seconds(), Details: details})
			}()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					PreConfig: func() {
						srv.SetFaults(mockserver.Faults{LatencyMS: int(timeoutsLatency / time.Millisecond)})
						applyStart = time.Now()
					},
					Config:      config,
					ExpectError: expectTimedOut(summary, "create"),
				}},
			})
			if t.Failed() {
				return
			}
			elapsed := time.Since(applyStart)

			srv.SetFaults(mockserver.Faults{})
			paths, held := rec.snapshot()
			var create time.Duration
			for i, p := range paths {
				if strings.HasPrefix(p, "POST /v1/") && create == 0 {
					create = held[i]
				}
			}
			if create == 0 {
				details = fmt.Sprintf("the server saw no abandoned create (abandoned: %v)", paths)
				t.Fatal(details)
			}
			if create > timeoutsLimit+time.Second {
				details = fmt.Sprintf("the provider held the create for %s with a 1s timeout", create.Round(time.Millisecond))
				t.Fatal(details)
			}
			// The create timeout bounds the request; a client's failure then looks for the client, with
			// its own deadline, which costs a few more answers of the slow API (about 10 s in all). The
			// rest is the CLI's own runs, which a loaded machine slows down: the server-side hold above
			// is the exact check, and this one only catches a wait for the default timeout of 5m.
			if limit := timeoutsLimit + 3*timeoutsLatency + 30*time.Second; elapsed > limit {
				details = fmt.Sprintf("the failing apply took %s, more than %s", elapsed.Round(100*time.Millisecond), limit)
				t.Fatal(details)
			}
			after, err := relCountObjects(ctx, api)
			if err != nil {
				t.Fatal(err)
			}
			if after != before {
				details = fmt.Sprintf("objects changed: %s before, %s after", before, after)
				t.Fatal(details)
			}
			result = reliability.ResultSurvived
			details = fmt.Sprintf("the provider hung up on the in-flight create after %s (server side), the step "+
				"failed with %q and \"context deadline exceeded\" after %s in all (plan included); nothing was created",
				create.Round(10*time.Millisecond), summary, elapsed.Round(100*time.Millisecond))
			t.Log(details)
		})
	}
}

// wrappedEnv is a mock behind a wrapping handler, a parent client for secrets, and a provider
// block holding a ready token, so the token endpoint stays out of what is timed.
type wrappedEnv struct {
	srv            *mockserver.Server
	api            *iam.Client
	parent         string
	providerConfig string
}

func newWrappedEnv(t *testing.T, wrap func(http.Handler) http.Handler) *wrappedEnv {
	t.Helper()
	srv, err := mockserver.New(mockserver.Options{})
	if err != nil {
		t.Fatalf("starting the mock: %v", err)
	}
	hs := httptest.NewServer(wrap(srv.Handler()))
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Close() // memory only: nothing to flush
	})
	ctx := testContext(t)
	api, err := iam.NewClient(iam.Config{
		Endpoint: hs.URL, TokenURL: hs.URL + "/connect/token", ClientID: srv.AdminClientID(),
		ClientSecret: srv.AdminClientSecret(), Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	parent, err := api.CreateClient(ctx, iam.ClientRequest{
		Name: "parent", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"},
	})
	if err != nil {
		t.Fatalf("creating the parent client: %v", err)
	}
	tok, err := iam.ExchangeToken(ctx, iam.TokenRequest{
		TokenURL: hs.URL + "/connect/token", ClientID: srv.AdminClientID(), ClientSecret: srv.AdminClientSecret(),
		Scopes: []string{"services.iam"},
	})
	if err != nil {
		t.Fatalf("getting a token: %v", err)
	}
	return &wrappedEnv{srv: srv, api: api, parent: parent.ClientID, providerConfig: fmt.Sprintf(`
provider "aritma" {
  endpoint     = %[1]q
  token_url    = %[2]q
  access_token = %[3]q
}
`, hs.URL, hs.URL+"/connect/token", tok.AccessToken)}
}

// slowMethod holds requests of one HTTP method for timeoutsLatency, or until the client hangs
// up (the request is then not served at all, so nothing changes on the server). It records how
// long it held each request the client gave up on, by method.
type slowMethod struct {
	mu        sync.Mutex
	method    string
	abandoned map[string][]time.Duration
}

// longestAbandoned is the longest time a request of method was held before its client hung up,
// and whether there was one.
func (s *slowMethod) longestAbandoned(method string) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	held := s.abandoned[method]
	if len(held) == 0 {
		return 0, false
	}
	return slices.Max(held), true
}

func (s *slowMethod) set(method string) {
	s.mu.Lock()
	s.method = method
	s.mu.Unlock()
}

func (s *slowMethod) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		slow := s.method == r.Method && strings.HasPrefix(r.URL.Path, "/v1/")
		s.mu.Unlock()
		if slow {
			start := time.Now()
			select {
			case <-time.After(timeoutsLatency):
			case <-r.Context().Done():
				s.mu.Lock()
				if s.abandoned == nil {
					s.abandoned = map[string][]time.Duration{}
				}
				s.abandoned[r.Method] = append(s.abandoned[r.Method], time.Since(start))
				s.mu.Unlock()
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Read and delete timeouts bound their operations too: a refresh against an API that takes 3 s to
// answer a GET fails after the 1 s read timeout and keeps the state; a destroy against a slow
// DELETE fails after the delete timeout and keeps the object, in state and on the server; once the
// API is fast again, the plan is empty and destroy succeeds.
func TestAccReliabilityTimeouts_readDelete(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	for _, tc := range timeoutsCases("read   = \"1s\"\n    delete = \"1s\"") {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			slow := &slowMethod{}
			te := newWrappedEnv(t, slow.wrap)
			ctx := testContext(t)
			config := te.providerConfig + strings.ReplaceAll(tc.config, "PARENT", te.parent)
			addr := tc.kind + ".slow"
			before, err := relCountObjects(ctx, te.api)
			if err != nil {
				t.Fatal(err)
			}
			var created relObjectCounts
			// holds checks what the server holds through the API.
			holds := func(want relObjectCounts, when string) error { return relExpectObjects(ctx, te.api, want, when) }
			var stepStart time.Time
			var readTook, deleteTook time.Duration
			start := time.Now()
			result, details := reliability.ResultFailed, "did not complete"
			defer func() {
				reportRow(t, reliability.Row{Section: reliability.SectionInterrupts,
					Name:   fmt.Sprintf("timeouts read and delete = \"1s\" on %s against a 3 s GET, then DELETE", tc.kind),
					Result: result, Runs: 4, WallS: time.Since(start).Seconds(), Details: details})
			}()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config: config,
						Check: func(*terraform.State) (err error) {
							created, err = relCountObjects(ctx, te.api)
							return err
						},
					},
					{
						// Past the read-after-create grace period, so a slow read is only slow.
						RefreshState: true,
					},
					{
						PreConfig: func() {
							slow.set(http.MethodGet)
							stepStart = time.Now()
						},
						RefreshState: true,
						ExpectError:  expectTimedOut("Unable to Read "+tc.what, "read"),
					},
					{
						PreConfig: func() {
							readTook = time.Since(stepStart)
							slow.set(http.MethodDelete)
							stepStart = time.Now()
						},
						Config:  config,
						Destroy: true,
						ExpectError: regexp.MustCompile(expectTimedOut("Unable to Delete "+tc.what, "delete").String() + `(?s:.*?)` +
							expectErrorText("The "+keptNoun(tc.kind)+" is kept in the state; apply or destroy again once the cause is fixed.").String()),
					},
					{
						// The object survived both failures, in state and on the server.
						PreConfig: func() {
							deleteTook = time.Since(stepStart)
							slow.set("")
						},
						Config:           config,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
						Check: func(s *terraform.State) error {
							if _, err := testAccResourceState(s, addr); err != nil {
								return err
							}
							return holds(created, "after the failed read and delete")
						},
					},
				},
				CheckDestroy: func(*terraform.State) error { return holds(before, "after destroy") },
			})
			if t.Failed() {
				return
			}
			// Measured where the wait happens, so a busy machine cannot blur it: the provider hung up
			// on the slow GET and the slow DELETE after about the 1 s timeout, long before their 3 s.
			held := map[string]time.Duration{}
			for _, method := range []string{http.MethodGet, http.MethodDelete} {
				d, ok := slow.longestAbandoned(method)
				if !ok {
					details = fmt.Sprintf("the server saw no %s the provider gave up on", method)
					t.Fatal(details)
				}
				if d > timeoutsLimit+time.Second {
					details = fmt.Sprintf("the provider held a %s for %s with a 1s timeout", method, d.Round(10*time.Millisecond))
					t.Fatal(details)
				}
				held[method] = d
			}
			result = reliability.ResultSurvived
			details = fmt.Sprintf("the provider hung up on the slow GET after %s and on the slow DELETE after %s (server "+
				"side); the refresh failed with \"Unable to Read %s\" and \"context deadline exceeded\" (step %s), the "+
				"destroy with \"Unable to Delete %s\" (step %s); the object stayed in state and on the server, the next "+
				"plan was empty, and destroy succeeded once the API was fast again",
				held[http.MethodGet].Round(10*time.Millisecond), held[http.MethodDelete].Round(10*time.Millisecond),
				tc.what, readTook.Round(100*time.Millisecond), tc.what, deleteTook.Round(100*time.Millisecond))
			t.Log(details)
		})
	}
}

// timeoutsCase is one resource under a timeouts test.
type timeoutsCase struct {
	name, kind, what string
	// config is the resource under test; PARENT stands for the parent client's id.
	config string
}

// timeoutsCases is each resource type, named "slow", with the given timeouts block body.
func timeoutsCases(timeouts string) []timeoutsCase {
	block := "  timeouts {\n    " + timeouts + "\n  }\n"
	return []timeoutsCase{
		{name: "client", kind: "aritma_iam_client", what: "IAM Client", config: `
resource "aritma_iam_client" "slow" {
  name                = "slow"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
` + block + "}\n"},
		{name: "client secret", kind: "aritma_iam_client_secret", what: "IAM Client Secret", config: `
resource "aritma_iam_client_secret" "slow" {
  client_id = "PARENT"
` + block + "}\n"},
		{name: "policy", kind: "aritma_iam_policy", what: "IAM Policy", config: `
resource "aritma_iam_policy" "slow" {
  subject = "user-` + mockserver.SeedUserAliceID + `"
  action  = "iam.client.read"
  scope   = "/subscriptions/slow"
` + block + "}\n"},
	}
}

// keptNoun is how a failed delete's hint names an object of kind ("aritma_iam_client_secret").
func keptNoun(kind string) string {
	return map[string]string{"aritma_iam_client": "client", "aritma_iam_client_secret": "secret", "aritma_iam_policy": "policy"}[kind]
}

// expectTimedOut matches the error diagnostic summary followed, in its detail, by the context
// deadline that a timeouts block set and the hint that names the block's entry op.
func expectTimedOut(summary, op string) *regexp.Regexp {
	return regexp.MustCompile(`Error: ` + expectErrorText(summary).String() +
		`(?s:.*?)` + expectErrorText("context deadline exceeded").String() +
		`(?s:.*?)` + expectErrorText(fmt.Sprintf("The %s did not finish within its timeout. Raise %s in this "+
		"resource's timeouts block (it defaults to 5m) for a slow or rate-limited API.", op, op)).String())
}

// TestAccReliabilityTimeouts_requestTimeout: a request that outlasts the provider's
// request_timeout, with the operation's timeouts block far from spent, is blamed on
// request_timeout — raising the timeouts block would change nothing. An API request and a token
// request each.
func TestAccReliabilityTimeouts_requestTimeout(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	var slow sync.Map // path prefix → true while that prefix answers late
	proxy := testAccProxy(t, e, observe(func(r *http.Request) {
		if _, ok := slow.Load(strings.SplitN(r.URL.Path, "/", 3)[1]); ok {
			select {
			case <-time.After(timeoutsLatency):
			case <-r.Context().Done():
			}
		}
	}))
	cfg := e.ProviderConfigWith("endpoint", proxy, "token_url", proxy+"/connect/token",
		"request_timeout", "1s", "max_retries", "0") + `
data "aritma_iam_actions" "all" {}
`
	hint := "A request to the API or its token endpoint got no answer within the provider's request_timeout " +
		"(30s unless set). Raise request_timeout in the provider block, or ARITMA_REQUEST_TIMEOUT, for a slow API."
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { slow.Store("v1", true) },
				Config:      cfg,
				ExpectError: expectErrorTexts("GET /v1/actions: no answer within the request timeout of 1s", hint),
			},
			{
				PreConfig:   func() { slow.Delete("v1"); slow.Store("connect", true) },
				Config:      cfg,
				ExpectError: expectErrorTexts("requesting a token from "+proxy+"/connect/token failed", hint),
			},
			{
				PreConfig: func() { slow.Delete("connect") },
				Config:    cfg,
			},
		},
	})
}

// TestAccReliabilityTimeouts_readDuringLag: a refresh whose read timeout ends while it waits out
// the read lag of a client created moments ago fails; it does not take the last not found for
// "deleted outside Terraform", drop the client from state and create a second one. Another
// client deleted outside Terraform gives the run a real not found first, as it would in life.
func TestAccReliabilityTimeouts_readDuringLag(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	old, err := e.API.CreateClient(ctx, iam.ClientRequest{Name: "old", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"}})
	if err != nil {
		t.Fatal(err)
	}
	config := func(withImport bool) string {
		imp := ""
		if withImport {
			imp = fmt.Sprintf("import {\n  to = aritma_iam_client.old\n  id = %q\n}\n", old.ClientID)
		}
		return e.ProviderConfig() + imp + `
resource "aritma_iam_client" "old" {
  name                = "old"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
}

resource "aritma_iam_client" "fresh" {
  name                = "fresh"
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = ["api"]
  timeouts {
    read = "1s"
  }
}
`
	}
	freshClients := func() int {
		n := 0
		for _, c := range apiClients(t, e, "fresh") {
			if c.Name == "fresh" {
				n++
			}
		}
		return n
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testAccCheckIAMClientDestroy(t, e),
		Steps: []resource.TestStep{
			{Config: config(true)},
			{
				PreConfig: func() {
					if err := e.API.DeleteClient(ctx, old.ClientID); err != nil {
						t.Fatal(err)
					}
					// Hides "fresh" however long the CLI took since its create; the provider waits for it only
					// within its read-after-create window, which the read timeout ends first.
					e.Mock.SetFaults(mockserver.Faults{ReadLagMS: int(time.Hour.Milliseconds())})
				},
				Config:      config(false),
				ExpectError: regexp.MustCompile(`(?s)Unable to Read IAM Client.*The read did not finish within its timeout`),
			},
			{
				PreConfig: func() {
					e.Mock.SetFaults(mockserver.Faults{})
					if n := freshClients(); n != 1 {
						t.Fatalf("the server holds %d clients named fresh after the failed refresh, want 1", n)
					}
				},
				Config: config(false), // re-creates "old"; "fresh" is still in the state
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("aritma_iam_client.fresh", plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("aritma_iam_client.old", plancheck.ResourceActionCreate),
				}},
				Check: func(*terraform.State) error {
					if n := freshClients(); n != 1 {
						return fmt.Errorf("the server holds %d clients named fresh, want 1", n)
					}
					return nil
				},
			},
		},
	})
}
