package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// exampleSetup prepares the mock for one example and returns the variables to pass and the
// literal ids of the example to replace by real ones (the examples name made-up objects).
type exampleSetup func(t *testing.T, ctx context.Context, api *iam.Client) (vars map[string]string, replace map[string]string)

// The examples are what users copy from the docs; validate alone never evaluates their
// expressions (a null in `&&` fails Terraform only when it runs). Each example of a resource, an
// import block, a data source, a function or an ephemeral resource is applied against a mock
// that holds what it looks up or imports; the apply
// must succeed without a warning (a failed check block is one), the next plan must be empty, and
// destroy must succeed.
func TestAccE2E_examples(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	exampleClientID := "3f1c2a9e-5b7d-4c8e-9f00-1a2b3c4d5e6f"
	newClient := func(t *testing.T, ctx context.Context, api *iam.Client, name string) *iam.OAuthClient {
		t.Helper()
		c, err := api.CreateClient(ctx, iam.ClientRequest{Name: name, AllowedGrantTypes: []string{"client_credentials"},
			AllowedScopes: []string{"services.iam", "api"}})
		if err != nil {
			t.Fatalf("creating client %s: %v", name, err)
		}
		return c
	}
	// importedID is the made-up client id of the import examples.
	const importedID = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"
	cases := []struct {
		dir     string
		file    string // one file of dir rather than all of them
		minimum string // CLI version the example needs
		setup   exampleSetup
	}{
		{dir: "resources/aritma_iam_client", file: "resource.tf"},
		{dir: "resources/aritma_iam_client_secret", file: "resource.tf", minimum: "1.11.0", setup: func(*testing.T, context.Context, *iam.Client) (map[string]string, map[string]string) {
			return map[string]string{"billing_secret": "billing-secret-0123", "legacy_secret": "legacy-secret-0123"}, nil
		}},
		{dir: "resources/aritma_iam_policy", file: "resource.tf", setup: func(t *testing.T, ctx context.Context, api *iam.Client) (map[string]string, map[string]string) {
			// The group the example looks up by name.
			if _, err := api.CreateGroup(ctx, iam.GroupRequest{DisplayName: "Operations"}); err != nil {
				t.Fatalf("creating the group: %v", err)
			}
			return nil, nil
		}},
		// The import examples adopt objects made outside Terraform; the apply imports (and for the
		// client updates in place), and the plan after it is empty.
		{dir: "resources/aritma_iam_client", file: "import-by-string-id.tf", minimum: "1.5.0", setup: func(t *testing.T, ctx context.Context, api *iam.Client) (map[string]string, map[string]string) {
			return nil, map[string]string{importedID: newClient(t, ctx, api, "billing").ClientID}
		}},
		{dir: "resources/aritma_iam_client_secret", file: "import-by-string-id.tf", minimum: "1.5.0", setup: func(t *testing.T, ctx context.Context, api *iam.Client) (map[string]string, map[string]string) {
			c := newClient(t, ctx, api, "billing-service")
			sec, err := api.CreateClientSecret(ctx, c.ClientID, iam.SecretRequest{Value: "made-by-hand-0123", Description: "billing-service"})
			if err != nil {
				t.Fatalf("creating the secret: %v", err)
			}
			return nil, map[string]string{importedID: c.ClientID, "9d8c7b6a-5f4e-4d3c-b2a1-0f9e8d7c6b5a": sec.ClientSecretID}
		}},
		{dir: "resources/aritma_iam_policy", file: "import-by-string-id.tf", minimum: "1.5.0", setup: func(t *testing.T, ctx context.Context, api *iam.Client) (map[string]string, map[string]string) {
			c := newClient(t, ctx, api, "reporting-job")
			if _, err := api.CreatePolicy(ctx, iam.Policy{Subject: "client-" + c.ClientID, Action: "banking.consents.read",
				Scope: "/subscriptions/123/resource-groups/my-company"}); err != nil {
				t.Fatalf("granting by hand: %v", err)
			}
			return nil, map[string]string{importedID: c.ClientID}
		}},
		{dir: "data-sources/aritma_iam_actions"},
		{dir: "data-sources/aritma_iam_client", setup: func(t *testing.T, ctx context.Context, api *iam.Client) (map[string]string, map[string]string) {
			return nil, map[string]string{exampleClientID: newClient(t, ctx, api, "billing").ClientID}
		}},
		{dir: "data-sources/aritma_iam_client_secrets", setup: func(t *testing.T, ctx context.Context, api *iam.Client) (map[string]string, map[string]string) {
			c := newClient(t, ctx, api, "monitored")
			later := time.Now().Add(400 * 24 * time.Hour).UTC()
			for _, req := range []iam.SecretRequest{
				{Value: "never-expires-0123456", Description: "no expiration"},
				{Value: "expires-later-0123456", Description: "expires in 400 days", Expiration: &later},
			} {
				if _, err := api.CreateClientSecret(ctx, c.ClientID, req); err != nil {
					t.Fatalf("creating a secret: %v", err)
				}
			}
			return map[string]string{"client_id": c.ClientID}, nil
		}},
		{dir: "data-sources/aritma_iam_clients", setup: func(t *testing.T, ctx context.Context, api *iam.Client) (map[string]string, map[string]string) {
			newClient(t, ctx, api, "nightly-batch")
			return nil, nil
		}},
		{dir: "data-sources/aritma_iam_permissions"},
		{dir: "data-sources/aritma_iam_policies", setup: func(t *testing.T, ctx context.Context, api *iam.Client) (map[string]string, map[string]string) {
			c := newClient(t, ctx, api, "audited")
			for _, p := range []iam.Policy{
				{Subject: "client-" + c.ClientID, Action: "iam.subject.read", Scope: "/"},
				{Subject: "client-" + c.ClientID, Action: "banking.ais.read", Scope: "/subscriptions/123"},
			} {
				if _, err := api.CreatePolicy(ctx, p); err != nil {
					t.Fatalf("granting the audited client: %v", err)
				}
			}
			return map[string]string{"client_id": fmt.Sprintf("%q", c.ClientID)}, nil
		}},
		{dir: "data-sources/aritma_iam_scopes"},
		{dir: "data-sources/aritma_iam_subject_memberships", setup: func(t *testing.T, ctx context.Context, api *iam.Client) (map[string]string, map[string]string) {
			c := newClient(t, ctx, api, "operator")
			g, err := api.CreateGroup(ctx, iam.GroupRequest{DisplayName: "Platform operators"})
			if err != nil {
				t.Fatalf("creating the group: %v", err)
			}
			if err := api.AddGroupMembers(ctx, g.ID, []string{"client-" + c.ClientID}); err != nil {
				t.Fatalf("adding the client to the group: %v", err)
			}
			return map[string]string{"client_id": c.ClientID}, nil
		}},
		{dir: "data-sources/aritma_iam_subject", setup: func(t *testing.T, ctx context.Context, api *iam.Client) (map[string]string, map[string]string) {
			if _, err := api.CreateGroup(ctx, iam.GroupRequest{DisplayName: "Platform operators"}); err != nil {
				t.Fatalf("creating the group: %v", err)
			}
			return nil, map[string]string{exampleClientID: newClient(t, ctx, api, "ci").ClientID}
		}},
		{dir: "data-sources/aritma_iam_subjects", setup: func(t *testing.T, ctx context.Context, api *iam.Client) (map[string]string, map[string]string) {
			newClient(t, ctx, api, "payments-api")
			return nil, nil
		}},
		{dir: "functions/client_subject_id", minimum: "1.8.0", setup: func(t *testing.T, ctx context.Context, api *iam.Client) (map[string]string, map[string]string) {
			return map[string]string{"partner_client_ids": fmt.Sprintf("[%q]", newClient(t, ctx, api, "partner").ClientID)}, nil
		}},
		{dir: "functions/parse_policy_id", minimum: "1.8.0", setup: func(*testing.T, context.Context, *iam.Client) (map[string]string, map[string]string) {
			return map[string]string{"policy_ids": `["client-1234,iam.client.read,/subscriptions/123", "client-1234,banking.ais.read,/"]`}, nil
		}},
		{dir: "ephemeral-resources/aritma_iam_access_token", minimum: "1.11.0", setup: func(t *testing.T, ctx context.Context, api *iam.Client) (map[string]string, map[string]string) {
			c := newClient(t, ctx, api, "reader")
			if _, err := api.CreateClientSecret(ctx, c.ClientID, iam.SecretRequest{Value: "reader-secret-0123456"}); err != nil {
				t.Fatalf("creating the reader's secret: %v", err)
			}
			if _, err := api.CreatePolicy(ctx, iam.Policy{Subject: "client-" + c.ClientID, Action: "iam.subject.read", Scope: "/"}); err != nil {
				t.Fatalf("granting the reader: %v", err)
			}
			return map[string]string{"reader_client_id": fmt.Sprintf("%q", c.ClientID),
				"reader_client_secret": `"reader-secret-0123456"`}, nil
		}},
	}
	// Every example file a user can copy has a case: a new example without one fails here.
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[filepath.Join(tc.dir, tc.file)] = true
	}
	for _, kind := range []string{"resources", "data-sources", "functions", "ephemeral-resources"} {
		dirs, err := filepath.Glob(filepath.Join(moduleRoot(), "examples", kind, "*"))
		if err != nil {
			t.Fatal(err)
		}
		for _, dir := range dirs {
			rel, err := filepath.Rel(filepath.Join(moduleRoot(), "examples"), dir)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{rel}
			if kind == "resources" {
				want = []string{filepath.Join(rel, "resource.tf"), filepath.Join(rel, "import-by-string-id.tf")}
			}
			for _, w := range want {
				if !covered[w] {
					t.Errorf("example %s is not applied by this test: add a case for it", w)
				}
			}
		}
	}

	for _, tc := range cases {
		name := tc.dir
		if tc.file != "" {
			name += "/" + tc.file
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mock := newMock(t)
			api := newAPI(t, mock.URL)
			w := newWorkdir(t, providerDir, mock.URL)
			if tc.minimum != "" {
				skipBelow(t, w.CLI, tc.minimum)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
			defer cancel()
			var vars, replace map[string]string
			if tc.setup != nil {
				vars, replace = tc.setup(t, ctx, api)
			}
			if tc.file != "" {
				w.CopyExampleFile(tc.dir, tc.file)
			} else {
				w.CopyExample(tc.dir)
			}
			configureExample(t, w, replace, vars)

			w.RunClean(ctx, "apply", "-auto-approve")
			if out, errOut, err := w.Run(ctx, "plan", "-detailed-exitcode"); exitCode(err) != 0 {
				t.Fatalf("the plan after apply is not empty (exit %d)\n%s\n%s", exitCode(err), out, errOut)
			}
			w.RunClean(ctx, "destroy", "-auto-approve")
		})
	}
}

// configureExample replaces the example's made-up ids, writes its variables as terraform.tfvars,
// and adds the provider requirement an example without a terraform block leaves implicit (it
// would otherwise resolve to hashicorp/aritma, which dev_overrides does not cover).
func configureExample(t *testing.T, w *workdir, replace, vars map[string]string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(w.Dir, "*.tf"))
	if err != nil {
		t.Fatal(err)
	}
	declares := false
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		for from, to := range replace {
			if !strings.Contains(text, from) && len(files) == 1 {
				t.Fatalf("example %s does not hold %q any more; update the test", f, from)
			}
			text = strings.ReplaceAll(text, from, to)
		}
		declares = declares || strings.Contains(text, "required_providers")
		w.WriteFile(filepath.Base(f), text)
	}
	if !declares {
		w.WriteFile("versions_test.tf", fmt.Sprintf("terraform {\n  required_providers {\n    aritma = {\n      source = %q\n    }\n  }\n}\n", providerSource))
	}
	var b strings.Builder
	for k, v := range vars {
		if !strings.HasPrefix(v, "[") && !strings.HasPrefix(v, `"`) {
			v = fmt.Sprintf("%q", v)
		}
		fmt.Fprintf(&b, "%s = %s\n", k, v)
	}
	if b.Len() > 0 {
		w.WriteFile("terraform.tfvars", b.String())
	}
}
