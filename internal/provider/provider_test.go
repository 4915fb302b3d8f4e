package provider

import (
	"context"
	"fmt"
	"iter"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
)

// testAccProtoV6ProviderFactories serves the provider in-process to the CLI that
// terraform-plugin-testing drives.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"aritma": func() (tfprotov6.ProviderServer, error) { return ProtocolServer("test")(), nil },
}

// testEnv is one acceptance test's world: its own mock server, an admin API client for checks and
// out-of-band changes, and the provider block pointing at that mock.
type testEnv struct {
	Mock *mockserver.TestServer
	API  *iam.Client
}

// newTestEnv starts a mock server for one test. Each test gets its own, so tests run in parallel
// without seeing each other's objects.
func newTestEnv(t *testing.T, opts ...func(*mockserver.Options)) *testEnv {
	t.Helper()
	ts := mockserver.NewTestServer(t, opts...)
	api, err := iam.NewClient(iam.Config{
		Endpoint:      ts.URL,
		TokenURL:      ts.TokenURL,
		ClientID:      ts.AdminClientID(),
		ClientSecret:  ts.AdminClientSecret(),
		Version:       "test",
		RetryWaitMin:  10 * time.Millisecond,
		RetryWaitMax:  200 * time.Millisecond,
		RetryAfterMax: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("creating the admin API client: %v", err)
	}
	return &testEnv{Mock: ts, API: api}
}

// agingClock is a mock clock a test can move forward: a read lag hides whatever is younger than
// it, so a test that sets one after making the objects it starts from ages them past it first,
// without sleeping. Pass its option to newTestEnv.
type agingClock struct{ offset atomic.Int64 }

func (c *agingClock) option(o *mockserver.Options) {
	o.Now = func() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }
}

// age moves the clock forward by d.
func (c *agingClock) age(d time.Duration) { c.offset.Add(int64(d)) }

// AdminToken is an access token of the mock's admin client, for provider blocks that use
// access_token instead of a client id and secret.
func (e *testEnv) AdminToken(t *testing.T) string {
	t.Helper()
	tok, err := iam.ExchangeToken(testContext(t), iam.TokenRequest{
		TokenURL: e.Mock.TokenURL, ClientID: e.Mock.AdminClientID(), ClientSecret: e.Mock.AdminClientSecret(),
		Scopes: []string{"services.iam"},
	})
	if err != nil {
		t.Fatalf("exchanging the admin client's credentials for a token: %v", err)
	}
	return tok.AccessToken
}

// ProviderConfig is the provider block for this test's mock. The admin secret is generated per
// test server at run time, so nothing real is ever written into a fixture.
func (e *testEnv) ProviderConfig() string {
	return e.ProviderConfigWith()
}

// ProviderConfigWith is ProviderConfig with arguments changed, as name/value pairs: a pair
// replaces the argument of that name, adds a new one, or with the value "" removes it. Values are
// written as HCL strings; Terraform converts "0" where a number is expected.
// withProviderLine adds line (such as `access_token = ""`, which ProviderConfigWith leaves out)
// at the top of the provider block of config.
func withProviderLine(config, line string) string {
	return strings.Replace(config, "provider \"aritma\" {\n", "provider \"aritma\" {\n  "+line+"\n", 1)
}

func (e *testEnv) ProviderConfigWith(pairs ...string) string {
	names := []string{"endpoint", "token_url", "client_id", "client_secret"}
	values := map[string]string{
		"endpoint": e.Mock.URL, "token_url": e.Mock.TokenURL,
		"client_id": e.Mock.AdminClientID(), "client_secret": e.Mock.AdminClientSecret(),
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if _, ok := values[pairs[i]]; !ok {
			names = append(names, pairs[i])
		}
		values[pairs[i]] = pairs[i+1]
	}
	var b strings.Builder
	b.WriteString("\nprovider \"aritma\" {\n")
	for _, n := range names {
		if v := values[n]; v != "" {
			fmt.Fprintf(&b, "  %s = %q\n", n, v)
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// testAccPreCheck fails fast with a clear message instead of letting a misconfigured run skip.
func testAccPreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests need TF_ACC=1 (make testacc sets it)")
	}
}

// expectErrorText matches a diagnostic's text however the CLI wraps and frames it ("│ " at the
// start of every line of a diagnostic box), so tests can assert the exact words a user reads.
func expectErrorText(text string) *regexp.Regexp {
	words := strings.Fields(text)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `[\s│]+`))
}

// expectErrorTexts matches the texts in this order, each as expectErrorText does, with anything
// in between (such as the API's message between what failed and what to do about it).
func expectErrorTexts(texts ...string) *regexp.Regexp {
	parts := make([]string, len(texts))
	for i, text := range texts {
		parts[i] = expectErrorText(text).String()
	}
	return regexp.MustCompile(strings.Join(parts, `(?s:.*?)`))
}

// errorStep is a step of testAccExpectErrors: config (after the provider block) and the texts,
// in order, of the error it must fail with.
type errorStep struct {
	config string
	texts  []string
}

func expectError(config string, texts ...string) errorStep {
	return errorStep{config: config, texts: texts}
}

// testAccExpectErrors runs, against its own mock, a test case of steps that must each fail with
// their error: how lookups that find nothing and invalid configurations are tested.
func testAccExpectErrors(t *testing.T, steps ...errorStep) {
	t.Helper()
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	tc := resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories}
	for _, s := range steps {
		tc.Steps = append(tc.Steps, resource.TestStep{Config: e.ProviderConfig() + s.config, ExpectError: expectErrorTexts(s.texts...)})
	}
	resource.Test(t, tc)
}

// testAccResourceState finds a resource in the state, or says that it is missing.
func testAccResourceState(s *terraform.State, addr string) (*terraform.ResourceState, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return nil, fmt.Errorf("%s is not in the state", addr)
	}
	return rs, nil
}

// testAccCheckDestroyed is a CheckDestroy: for every resource of type typ left in the state, get
// must report through the API that its object is gone (iam.ErrNotFound).
func testAccCheckDestroyed(typ string, get func(rs *terraform.ResourceState) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != typ {
				continue
			}
			switch err := get(rs); {
			case err == nil:
				return fmt.Errorf("%s %s still exists", typ, rs.Primary.ID)
			case !iam.IsNotFound(err):
				return fmt.Errorf("checking %s %s: %w", typ, rs.Primary.ID, err)
			}
		}
		return nil
	}
}

// apiList pages through a list of the admin API and fails the test on an error.
func apiList[T any](t *testing.T, what string, entries iter.Seq2[T, error]) []T {
	t.Helper()
	out, err := collect(entries, func(v T) T { return v })
	if err != nil {
		t.Fatalf("listing %s through the API: %v", what, err)
	}
	return out
}

// testAccStateAttr is an attribute of a resource in the state.
func testAccStateAttr(s *terraform.State, addr, key string) (string, error) {
	rs, err := testAccResourceState(s, addr)
	if err != nil {
		return "", err
	}
	v, ok := rs.Primary.Attributes[key]
	if !ok {
		return "", fmt.Errorf("%s has no %s in the state", addr, key)
	}
	return v, nil
}

// testAccCaptureAttr keeps an attribute for later steps (PreConfig runs outside any state).
func testAccCaptureAttr(addr, key string, dst *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		v, err := testAccStateAttr(s, addr, key)
		*dst = v
		return err
	}
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestMain clears the provider's own environment settings, which a developer may have exported for
// a real tenant (a token, a timeout): every test configures the provider itself, and one that wants
// a setting from the environment sets it with t.Setenv.
func TestMain(m *testing.M) {
	for _, k := range []string{EnvEndpoint, EnvTokenURL, EnvClientID, EnvClientSecret, EnvAccessToken, EnvScopes, EnvMaxRetries, EnvRequestTimeout} {
		_ = os.Unsetenv(k)
	}
	os.Exit(m.Run())
}
