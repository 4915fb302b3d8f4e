package provider

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
)

func TestAccIAMClientSecretsDataSource_basic(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	// The mock's clock runs 30 days behind, so it accepts an expiration that has already passed
	// for the provider: the only way to hold an expired secret without waiting for one.
	const lag = 30 * 24 * time.Hour
	e := newTestEnv(t, func(o *mockserver.Options) { o.Now = func() time.Time { return time.Now().Add(-lag) } })
	ctx := testContext(t)
	svc := testAccCreateClients(t, e, "rotating-service")[0]
	now := time.Now()
	inTenDays := now.Add(10*24*time.Hour + time.Hour).Truncate(time.Second)
	dayAgo := now.Add(-25 * time.Hour).Truncate(time.Second)
	for _, req := range []iam.SecretRequest{
		{Value: "never-expires-123", Description: "forever"},
		{Value: "expired-secret-123", Description: "expired", Expiration: &dayAgo},
		{Value: "rotating-secret-12", Description: "", Expiration: &inTenDays},
	} {
		if _, err := e.API.CreateClientSecret(ctx, svc.ClientID, req); err != nil {
			t.Fatal(err)
		}
	}
	var listed []iam.ClientSecret
	for s, err := range e.API.ListClientSecrets(ctx, svc.ClientID) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, s)
	}
	if len(listed) != 3 {
		t.Fatalf("the API lists %d secrets, want 3", len(listed))
	}
	// Expirations are the ones created above, not what the provider's own API client reads back.
	want := map[string]struct {
		expired    bool
		days       knownvalue.Check
		expiration *time.Time
	}{
		"forever": {false, knownvalue.Null(), nil},
		"expired": {true, knownvalue.Int64Exact(-2), &dayAgo},
		"":        {false, knownvalue.Int64Exact(10), &inTenDays},
	}
	checks := make([]knownvalue.Check, len(listed))
	for i, s := range listed {
		w := want[s.Description]
		var expCheck knownvalue.Check = knownvalue.Null()
		if w.expiration != nil {
			expCheck = knownvalue.StringExact(w.expiration.UTC().Format(time.RFC3339))
		}
		checks[i] = knownvalue.ObjectExact(map[string]knownvalue.Check{
			"secret_id":       knownvalue.StringExact(s.ClientSecretID),
			"description":     knownvalue.StringExact(s.Description),
			"expiration":      expCheck,
			"created":         knownvalue.StringExact(s.Created.UTC().Format(time.RFC3339)),
			"expired":         knownvalue.Bool(w.expired),
			"expires_in_days": w.days,
		})
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfig() + fmt.Sprintf(`
data "aritma_iam_client_secrets" "svc" {
  client_id = %q
}

data "aritma_iam_client_secrets" "admin" {
  client_id = %q
}
`, svc.ClientID, e.Mock.AdminClientID()),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aritma_iam_client_secrets.svc", tfjsonpath.New("secrets"), knownvalue.ListExact(checks)),
					statecheck.ExpectKnownValue("data.aritma_iam_client_secrets.admin", tfjsonpath.New("secrets"), knownvalue.ListSizeExact(1)),
				},
			},
		},
	})
}

func TestAccIAMClientSecretsDataSource_notFound(t *testing.T) {
	testAccExpectErrors(t,
		expectError(`
data "aritma_iam_client_secrets" "x" {
  client_id = "no-such-client"
}
`,
			`No IAM client has the client id "no-such-client", so it has no secrets to list.`),
		expectError(`
data "aritma_iam_client_secrets" "x" {
  client_id = "client-0b2c"
}
`,
			`"client-0b2c" looks like the subject id of client "0b2c": client_id takes the client id itself`),
	)
}
