package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// The service-client module rotates its secret without downtime: the new secret is created and
// checked before the old one is deleted. A module test (terraform test) sees only each apply's
// end state, which a rotation that deletes first would reach too; this test sees the order. The
// token endpoint refuses the service's credentials during the rotation, so the check of the new
// secret fails: the apply must fail with the old secret still in place and working, and once the
// endpoint accepts them again, the next apply completes the rotation.
func TestAccE2E_moduleRotation(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	api := newAPI(t, mock.URL)

	// In front of the mock: while refuse is set, token requests of any client but the admin (the
	// provider's own) answer 401, as for a secret that does not work.
	var refuse, refused atomic.Bool
	target, err := url.Parse(mock.URL)
	if err != nil {
		t.Fatal(err)
	}
	next := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuse.Load() && strings.HasSuffix(r.URL.Path, "/connect/token") {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body)) // passed on as it came
			user, _, basic := r.BasicAuth()
			if form, err := url.ParseQuery(string(body)); err == nil && !basic {
				user = form.Get("client_id")
			}
			if user != testAdminClientID {
				refused.Store(true)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
				return
			}
		}
		next.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)

	w := newWorkdir(t, providerDir, proxy.URL)
	// The module asks for CLI 1.11 or later (its ephemeral resources need Terraform 1.10 or OpenTofu 1.11).
	skipBelow(t, w.CLI, "1.11.0")
	config := func(rotation string) string {
		return fmt.Sprintf(`
module "svc" {
  source = %q

  name            = "e2e-rotation"
  secret_rotation = %q
  verify_secret   = true
}

output "secret_id" {
  value = module.svc.secret_id
}

output "client_id" {
  value = module.svc.client_id
}
`, filepath.Join(moduleRoot(), "examples", "modules", "service-client"), rotation)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()

	w.WriteConfig(config("1"))
	w.RunClean(ctx, "get")
	w.RunClean(ctx, "apply", "-auto-approve")
	clientID := strings.TrimSpace(w.RunClean(ctx, "output", "-raw", "client_id"))
	oldSecret := strings.TrimSpace(w.RunClean(ctx, "output", "-raw", "secret_id"))
	secretsOf := func() []string {
		var ids []string
		for s, err := range api.ListClientSecrets(ctx, clientID) {
			if err != nil {
				t.Fatalf("listing the client's secrets: %v", err)
			}
			ids = append(ids, s.ClientSecretID)
		}
		return ids
	}
	if got := secretsOf(); !slices.Equal(got, []string{oldSecret}) {
		t.Fatalf("after the first apply the client holds %v, want [%s]", got, oldSecret)
	}

	// The rotation, with the new secret's check failing.
	refuse.Store(true)
	w.WriteConfig(config("2"))
	out, errOut, err := w.Run(ctx, "apply", "-auto-approve")
	if err == nil {
		t.Fatalf("the rotation applied although the new secret's check failed:\n%s", out)
	}
	if !refused.Load() {
		t.Fatalf("the token endpoint refused nothing, so the check did not run:\n%s\n%s", out, errOut)
	}
	if !strings.Contains(errOut, "Unable to Get Access Token") {
		t.Errorf("the failed rotation does not say the new secret did not work:\n%s", errOut)
	}
	got := secretsOf()
	if len(got) != 2 || !slices.Contains(got, oldSecret) {
		t.Fatalf("after the failed rotation the client holds %v, want the old secret %s and the new one: "+
			"the old secret was deleted before the new one was checked", got, oldSecret)
	}

	// The token endpoint works again: the rotation completes and the old secret goes.
	refuse.Store(false)
	w.RunClean(ctx, "apply", "-auto-approve")
	newSecret := strings.TrimSpace(w.RunClean(ctx, "output", "-raw", "secret_id"))
	if got := secretsOf(); newSecret == oldSecret || !slices.Equal(got, []string{newSecret}) {
		t.Fatalf("after the rotation the client holds %v, want only the new secret %s (the old was %s)", got, newSecret, oldSecret)
	}
	if _, err := api.GetClientSecret(ctx, clientID, oldSecret); !iam.IsNotFound(err) {
		t.Errorf("the old secret is still there: %v", err)
	}
	w.RunClean(ctx, "destroy", "-auto-approve")
}
