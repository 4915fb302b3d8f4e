package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A plan that takes away what the provider signs in with (its own client destroyed, or left
// without a scope its token asks for, or its own IAM grant deleted) warns before the apply locks
// every later run out; a harmless change of the same client does not.
func TestAccE2E_selfLockout(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	w := newWorkdir(t, providerDir, mock.URL)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	self, err := newAPI(t, mock.URL).GetClient(ctx, testAdminClientID)
	if err != nil {
		t.Fatal(err)
	}
	config := func(description, scopes string) string {
		return fmt.Sprintf(`
import {
  to = aritma_iam_client.self
  id = %[1]q
}

resource "aritma_iam_client" "self" {
  name                = %[2]q
  description         = %[3]q
  allowed_grant_types = ["client_credentials"]
  allowed_scopes      = [%[4]s]
}

import {
  to = aritma_iam_policy.self
  id = "client-%[1]s,owner,/"
}

resource "aritma_iam_policy" "self" {
  subject = aritma_iam_client.self.subject_id
  action  = "owner"
  scope   = "/"
}
`, testAdminClientID, self.Name, description, scopes)
	}
	quoted := `"` + strings.Join(self.AllowedScopes, `", "`) + `"`
	if len(self.AllowedGrantTypes) != 1 || self.AllowedGrantTypes[0] != "client_credentials" || len(self.RedirectURIs) != 0 {
		t.Fatalf("the mock's admin client is not what this test writes: %+v", self)
	}

	w.WriteConfig(config(self.Description, `"api"`))
	w.SetEnv("ARITMA_SCOPES", "services.iam services.iam") // named once in the warning all the same
	out, errOut, err := w.Run(ctx, "plan")
	text := oneLine(out, errOut)
	want := `This plan takes from IAM client "` + testAdminClientID + `", the client the provider signs in as, the scope ` +
		`"services.iam", which the provider's token needs, so the token endpoint will refuse it a token once the one in hand expires`
	if err != nil || !strings.Contains(text, "Plan Locks the Provider Out") || !strings.Contains(text, want) ||
		strings.Count(text, `"services.iam", which`) != 1 {
		t.Fatalf("a plan taking the provider's scope away does not warn %q: exit %d\n%s\n%s", want, exitCode(err), out, errOut)
	}

	// A change that leaves the sign-in alone does not warn.
	w.WriteConfig(config("changed by e2e", quoted))
	w.RunClean(ctx, "plan")
	w.WriteConfig(config(self.Description, quoted))
	w.RunClean(ctx, "apply", "-auto-approve") // the imports only

	// A replacement deletes the grant first (unless create_before_destroy), whatever replaces it.
	w.WriteConfig(strings.Replace(config(self.Description, quoted), `action  = "owner"`, `action  = "iam.manage"`, 1))
	out, errOut, err = w.Run(ctx, "plan")
	text = oneLine(out, errOut)
	want = `This plan replaces policy "client-` + testAdminClientID + `,owner,/", which grants "owner" on "/" to the client the provider signs in as`
	if err != nil || !strings.Contains(text, want) {
		t.Fatalf("a plan replacing the provider's own grant does not warn %q: exit %d\n%s\n%s", want, exitCode(err), out, errOut)
	}
	w.WriteConfig(config(self.Description, quoted))

	out, errOut, err = w.Run(ctx, "plan", "-destroy")
	text = oneLine(out, errOut)
	for _, want := range []string{
		`Plan Destroys the Provider's Own Client`,
		`This plan destroys IAM client "` + testAdminClientID + `", the client the provider signs in as, and with it its ` +
			`secrets, its grants and its tokens: every call of this apply after the delete is refused`,
		`Plan Removes the Provider's Own Grant`,
		`This plan deletes policy "client-` + testAdminClientID + `,owner,/", which grants "owner" on "/" to the client the provider signs in as`,
	} {
		if err != nil || !strings.Contains(text, want) {
			t.Fatalf("plan -destroy of the provider's own client and grant does not warn %q: exit %d\n%s\n%s", want, exitCode(err), out, errOut)
		}
	}
	w.RunClean(ctx, "state", "rm", "aritma_iam_client.self", "aritma_iam_policy.self")
}
