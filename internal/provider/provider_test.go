package provider

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
)

// testAccProtoV6ProviderFactories serves the provider in-process to the CLI that
// terraform-plugin-testing drives.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"aritma": providerserver.NewProtocol6WithError(New("test")()),
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
		Endpoint:     ts.URL,
		TokenURL:     ts.TokenURL,
		ClientID:     ts.AdminClientID(),
		ClientSecret: ts.AdminClientSecret(),
		Version:      "test",
		RetryWaitMin: 10 * time.Millisecond,
		RetryWaitMax: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("creating the admin API client: %v", err)
	}
	return &testEnv{Mock: ts, API: api}
}

// ProviderConfig is the provider block for this test's mock. The admin secret is generated per
// test server at run time, so nothing real is ever written into a fixture.
func (e *testEnv) ProviderConfig() string {
	return fmt.Sprintf(`
provider "aritma" {
  endpoint      = %[1]q
  token_url     = %[2]q
  client_id     = %[3]q
  client_secret = %[4]q
}
`, e.Mock.URL, e.Mock.TokenURL, e.Mock.AdminClientID(), e.Mock.AdminClientSecret())
}

// testAccPreCheck fails fast with a clear message instead of letting a misconfigured run skip.
func testAccPreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests need TF_ACC=1 (make testacc sets it)")
	}
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
