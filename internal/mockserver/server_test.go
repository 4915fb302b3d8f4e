package mockserver

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestUncleanPathsAnswerAfterAuth: paths http.ServeMux would redirect to their clean form get the
// order of checks of every /v1 route (401 first, then 404), as problem+json, never a redirect.
func TestUncleanPathsAnswerAfterAuth(t *testing.T) {
	e := newEnv(t)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range []string{"/v1", "//v1/clients", "///v1", "/v1//clients", "/v1/clients/../policies", "/v1/./clients", "/v1/clients/.", "/v1/clients//secrets"} {
		for _, token := range []string{"", e.token} {
			req, err := http.NewRequest(http.MethodDelete, e.ts.URL+p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := noFollow.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := http.StatusUnauthorized
			if token != "" {
				want = http.StatusNotFound
			}
			if resp.StatusCode != want || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("DELETE %s (token %t) = %d %q %s, want %d problem+json", p, token != "", resp.StatusCode,
					resp.Header.Get("Content-Type"), body, want)
			}
		}
	}
	// Escaped slashes and dots in an id are no segments: they reach the route's handler.
	for _, p := range []string{"/v1/clients/%2Fnope", "/v1/clients/%2E%2E", "/v1/clients/a%2F%2E%2E%2Fb/secrets"} {
		r := e.call(http.MethodGet, p, nil)
		if r.status != http.StatusNotFound || !strings.Contains(r.str("detail"), "not found") {
			t.Errorf("GET %s = %d %s, want the handler's 404 (client not found)", p, r.status, r.raw)
		}
	}
	// Clean paths with a trailing slash still route as before.
	if r := e.call(http.MethodGet, "/v1/clients/", nil); r.status != http.StatusNotFound {
		t.Errorf("GET /v1/clients/ = %d, want 404", r.status)
	}
	if r := e.call(http.MethodGet, "/v1/clients", nil); r.status != http.StatusOK {
		t.Errorf("GET /v1/clients = %d, want 200", r.status)
	}
}

// TestRandomSecretUniform: every character of the generated admin secret's alphabet is drawn
// about equally often (taking random bytes modulo 57 favoured the first 28 by a quarter).
func TestRandomSecretUniform(t *testing.T) {
	t.Parallel()
	counts := map[rune]int{}
	const n = 57 * 4000
	for _, c := range randomSecret(n) {
		counts[c]++
	}
	lo, hi := n, 0
	for _, k := range counts {
		lo, hi = min(lo, k), max(hi, k)
	}
	if len(counts) != 57 || float64(hi)/float64(lo) > 1.15 {
		t.Fatalf("%d distinct characters, least drawn %d times, most %d (want 57, within 15%%)", len(counts), lo, hi)
	}
}

// The admin secret follows the API's rule for every secret: 8 to 32 characters.
func TestAdminSecretLength(t *testing.T) {
	for _, secret := range []string{"x", "1234567", strings.Repeat("s", 33)} {
		if _, err := New(Options{AdminClientSecret: secret}); err == nil || !strings.Contains(err.Error(), "between 8 and 32 characters") {
			t.Errorf("secret of %d characters: err = %v", len(secret), err)
		}
	}
	for _, secret := range []string{"12345678", strings.Repeat("s", 32)} {
		if _, err := New(Options{AdminClientSecret: secret}); err != nil {
			t.Errorf("secret of %d characters: %v", len(secret), err)
		}
	}
}

// Leftovers counts what a run left beyond the seeded state, and nothing of the seed.
func TestLeftovers(t *testing.T) {
	e := newEnv(t)
	if got := e.ts.Leftovers(); got != (Leftovers{}) {
		t.Fatalf("a fresh mock holds %v", got)
	}
	id := e.newClient("left")
	e.want(e.call("POST", "/v1/clients/"+id+"/secrets", map[string]any{"value": "12345678", "description": ""}), 201)
	e.grant("client-"+id, "/", "owner")
	e.newGroup("left-group")
	e.grant("client-"+e.ts.AdminClientID(), "/subscriptions/1", "banking.ais.read")
	want := "1 clients, 1 secrets, 2 policies and 1 groups besides the seeded ones"
	if got := e.ts.Leftovers().String(); got != want {
		t.Errorf("Leftovers = %q, want %q", got, want)
	}
	e.want(e.call("DELETE", "/v1/clients/"+id, nil), 204)
	if got := e.ts.Leftovers(); got != (Leftovers{Policies: 1, Groups: 1}) {
		t.Errorf("after deleting the client (its secret and grant go with it): %v", got)
	}
}

// TestDateFollowsTheServerClock: clients take the server's clock from Date, so a faked clock must
// show there as it does in created and expiration.
func TestDateFollowsTheServerClock(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/v1/actions", "/v1/no-such-route"} {
		res := e.call(http.MethodGet, path, nil)
		if got, want := res.header.Get("Date"), "Tue, 01 Jan 2030 12:00:00 GMT"; got != want {
			t.Errorf("GET %s: Date %q, want %q", path, got, want)
		}
	}
	e.advance(90 * time.Minute)
	res := e.tokenReq("/connect/token", url.Values{"grant_type": {"client_credentials"}}, nil)
	if got, want := res.header.Get("Date"), "Tue, 01 Jan 2030 13:30:00 GMT"; got != want {
		t.Errorf("token endpoint: Date %q, want %q", got, want)
	}
}
