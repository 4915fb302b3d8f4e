package iam

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func okClient(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, 200, map[string]any{"clientId": "c1", "name": "n"})
}

func TestToken_fetchedOnceForConcurrentCalls(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(5 * time.Millisecond) // keep calls overlapping
		okClient(w, r)
	})
	c := f.client(t)
	if f.tokenCalls.Load() != 0 {
		t.Fatal("NewClient must not fetch a token")
	}
	for _, err := range concurrentGets(t, c, 50) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := f.tokenCalls.Load(); got != 1 {
		t.Fatalf("%d token requests for 50 concurrent calls, want 1", got)
	}
	if got := f.apiCalls.Load(); got != 50 {
		t.Fatalf("%d API requests, want 50", got)
	}
}

// concurrentGets makes n GetClient calls at once and returns their errors.
func concurrentGets(t *testing.T, c *Client, n int) []error {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { _, errs[i] = c.GetClient(ctxT(t), "c1") })
	}
	wg.Wait()
	return errs
}

// Credentials the token endpoint refused are refused for the rest of the process without asking
// again: with parallel operations, asking once per operation would count as many failed logins
// and trip the server's throttle, turning "wrong secret" into "rate limited".
func TestToken_refusalRemembered(t *testing.T) {
	t.Parallel()
	f := newFake(t, okClient)
	c := f.client(t, func(c *Config) { c.ClientSecret = "wrong-" + testSecret })
	for _, err := range concurrentGets(t, c, 20) {
		if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "invalid_client") {
			t.Fatalf("want invalid_client, got %v", err)
		}
	}
	if _, err := c.ListScopes(ctxT(t)); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("a later call: %v", err)
	}
	if got := f.tokenCalls.Load(); got != 1 {
		t.Fatalf("%d token requests, want 1", got)
	}
	if got := f.apiCalls.Load(); got != 0 {
		t.Fatalf("%d API requests without a token", got)
	}
}

// tokenEndpointDownOr is a token endpoint that answers 500 server_error (after delay) while down
// holds, and issues token, living expiresIn seconds, otherwise.
func tokenEndpointDownOr(down *atomic.Bool, delay time.Duration, token string, expiresIn int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if down.Load() {
			time.Sleep(delay)
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error":"server_error"}`))
			return
		}
		_, _ = fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":%d}`, token, expiresIn)
	}
}

// A token endpoint that is down fails the callers queued behind the fetch that went through the
// retries, and those that come soon after it, without asking again: each of them asking in turn
// made an apply's time grow with its size and hammered a failing server. Once that short while has
// passed, a caller asks again, and a token is issued once the endpoint is back.
func TestToken_failureSharedForAWhile(t *testing.T) {
	t.Parallel()
	var down atomic.Bool
	down.Store(true)
	f := newFake(t, okClient)
	f.tokenHandler = tokenEndpointDownOr(&down, 20*time.Millisecond /* keep the callers queued */, "tok", 3600)
	c := f.client(t, func(c *Config) { c.MaxRetries = 2 })
	reuse := 500 * time.Millisecond
	c.tokens.(*oauthTokens).failureReuse = reuse
	for _, err := range concurrentGets(t, c, 10) {
		if err == nil || !IsTokenError(err) || !strings.Contains(err.Error(), "issued no token: server_error") {
			t.Fatalf("want the token endpoint's server_error, got %v", err)
		}
	}
	if got := f.tokenCalls.Load(); got != 3 {
		t.Fatalf("10 callers of a token endpoint answering 500 made %d token requests, want 3 (one fetch: a try and 2 retries)", got)
	}
	if _, err := c.GetClient(ctxT(t), "c1"); err == nil || f.tokenCalls.Load() != 3 {
		t.Fatalf("a call right after the failure: %v, %d token requests; want the failure again without a request", err, f.tokenCalls.Load())
	}
	time.Sleep(reuse)
	down.Store(false)
	if _, err := c.GetClient(ctxT(t), "c1"); err != nil {
		t.Fatalf("a call once the endpoint is back: %v", err)
	}
	if got := f.tokenCalls.Load(); got != 4 {
		t.Fatalf("%d token requests in all, want 4", got)
	}
}

func TestToken_reusedUntilNearExpiry(t *testing.T) {
	t.Parallel()
	f := newFake(t, okClient)
	c := f.client(t)
	for range 3 {
		if _, err := c.GetClient(ctxT(t), "c1"); err != nil {
			t.Fatal(err)
		}
	}
	if f.tokenCalls.Load() != 1 {
		t.Fatalf("token fetched %d times for a 1h token", f.tokenCalls.Load())
	}
	// A token is replaced before it expires: a minute early, or half-way through a short life.
	f2 := newFake(t, okClient)
	f2.expiresIn.Store(2)
	c2 := f2.client(t)
	for range 3 {
		if _, err := c2.GetClient(ctxT(t), "c1"); err != nil {
			t.Fatal(err)
		}
	}
	if f2.tokenCalls.Load() != 1 {
		t.Fatalf("a fresh 2s token was not reused: %d token requests", f2.tokenCalls.Load())
	}
	time.Sleep(1100 * time.Millisecond)
	if _, err := c2.GetClient(ctxT(t), "c1"); err != nil {
		t.Fatal(err)
	}
	// The refresh runs in the background; the call went ahead with the token still valid.
	if !eventually(func() bool { return f2.tokenCalls.Load() == 2 }) {
		t.Fatalf("a token past half its life was not refreshed: %d token requests", f2.tokenCalls.Load())
	}
}

// eventually reports whether cond holds within a few seconds.
func eventually(cond func() bool) bool {
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

func TestToken_refreshedOnceAfter401(t *testing.T) {
	t.Parallel()
	f := newFake(t, okClient)
	c := f.client(t)
	if _, err := c.GetClient(ctxT(t), "c1"); err != nil {
		t.Fatal(err)
	}
	f.reject("tok-1") // revoked server-side before its expiry
	if _, err := c.CreateClient(ctxT(t), ClientRequest{Name: "n"}); err != nil {
		t.Fatal(err)
	}
	if f.tokenCalls.Load() != 2 {
		t.Fatalf("token requests %d, want 2", f.tokenCalls.Load())
	}
	// A token rejected again is not retried in a loop.
	f.reject("tok-2")
	f.reject("tok-3")
	_, err := c.GetClient(ctxT(t), "c1")
	if !errors.Is(err, ErrUnauthorized) || f.tokenCalls.Load() != 3 {
		t.Fatalf("want ErrUnauthorized after one refresh; err %v, token requests %d", err, f.tokenCalls.Load())
	}
}

// TestToken_refusedEverywhereFetchesNoMore: an API that refuses every token of these credentials
// (a token_url of another environment) gets one fresh token to try, not one per call: each fetch is
// a login that a token endpoint's throttle of failed logins counts.
func TestToken_refusedEverywhereFetchesNoMore(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
	})
	c := f.client(t)
	for i := range 20 {
		if _, err := c.GetClient(ctxT(t), "c1"); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("call %d: want ErrUnauthorized, got %v", i, err)
		}
	}
	if got := f.tokenCalls.Load(); got != 2 {
		t.Fatalf("20 refused calls made %d token requests, want 2 (the first token and one replacement)", got)
	}
}

// TestToken_gatewayAnswersProveNothing: a 429 or a 5xx may come from a gateway in front of the API
// that never looked at the token, so it does not prove a replacement token the API then refuses.
func TestToken_gatewayAnswersProveNothing(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1)%2 == 0 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
	})
	c := f.client(t)
	for range 20 {
		_, _ = c.GetClient(ctxT(t), "c1")
	}
	if got := f.tokenCalls.Load(); got > 2 {
		t.Fatalf("20 calls against an API refusing every token (and a gateway answering 429 in between) made %d token requests, want at most 2", got)
	}
}

func TestToken_staticToken(t *testing.T) {
	t.Parallel()
	var got string
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		okClient(w, r)
	})
	c := f.client(t, func(c *Config) { c.ClientID, c.ClientSecret, c.AccessToken = "", "", "static-token" })
	if _, err := c.GetClient(ctxT(t), "c1"); err != nil {
		t.Fatal(err)
	}
	if got != "Bearer static-token" || f.tokenCalls.Load() != 0 {
		t.Fatalf("Authorization %q, token requests %d", got, f.tokenCalls.Load())
	}
	f.reject("static-token")
	if _, err := c.GetClient(ctxT(t), "c1"); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("want ErrUnauthorized, got %v", err)
	}
}

func TestToken_requestShape(t *testing.T) {
	t.Parallel()
	f := newFake(t, okClient)
	var form, ua string
	f.tokenHandler = func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		form = r.PostForm.Encode()
		ua = r.UserAgent()
		if _, _, ok := r.BasicAuth(); ok {
			t.Error("credentials sent twice (Basic and form)")
		}
		writeJSON(w, 200, map[string]any{"access_token": "t", "token_type": "Bearer", "expires_in": 3600})
	}
	c := f.client(t, func(c *Config) { c.Scopes = []string{"services.iam", "api"} })
	if _, err := c.GetClient(ctxT(t), "c1"); err != nil {
		t.Fatal(err)
	}
	want := "client_id=cid&client_secret=" + testSecret + "&grant_type=client_credentials&scope=services.iam+api"
	if form != want {
		t.Fatalf("token form %q, want %q", form, want)
	}
	if ua != "terraform-provider-aritma/1.2.3" {
		t.Fatalf("token request User-Agent %q", ua)
	}
}

func TestToken_errors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		status  int
		ctype   string
		body    string
		want    string
		is      error
		retries int64 // token requests made
	}{
		{"invalid_client", 401, "application/json", `{"error":"invalid_client","error_description":"bad credentials"}`,
			"invalid_client: bad credentials", ErrUnauthorized, 1},
		{"unauthorized_client", 400, "application/json", `{"error":"unauthorized_client","error_description":"no client_credentials"}`,
			"unauthorized_client: no client_credentials", ErrGrantNotAllowed, 1},
		{"invalid_scope", 400, "application/json", `{"error":"invalid_scope","error_description":"scope 'x' not allowed"}`,
			"invalid_scope: scope 'x' not allowed", ErrInvalidScope, 1},
		{"echoes the secret", 400, "application/json", `{"error":"invalid_request","error_description":"secret ` + testSecret + ` is odd"}`,
			"invalid_request: secret [redacted] is odd", ErrValidation, 1},
		{"html 500", 500, "text/html", `<html><body><h1>Oops</h1></body></html>`, "500 Internal Server Error: Oops", nil, 5},
		// No OAuth error code: not a token endpoint's answer about the credentials (a server that
		// speaks https asked in http).
		{"plain 400", 400, "text/plain; charset=utf-8", "Client sent an HTTP request to an HTTPS server.\n",
			"400 Bad Request: Client sent an HTTP request to an HTTPS server.", ErrNoTokenEndpoint, 1},
		// 429s have their own budget at the token endpoint too.
		{"rate limited", 429, "", ``, "429 Too Many Requests", ErrRateLimited, 1 + maxRateLimitRetries},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, okClient)
			f.tokenHandler = func(w http.ResponseWriter, _ *http.Request) {
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				}
				if tc.status == 429 {
					w.Header().Set("Retry-After", "0")
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}
			_, err := f.client(t).GetClient(ctxT(t), "c1")
			if err == nil {
				t.Fatal("no error")
			}
			want := "GET /v1/clients/c1: authentication failed at " + f.URL + "/connect/token: " + tc.want
			switch {
			case tc.status == 429 || tc.status >= 500:
				want = "GET /v1/clients/c1: the token endpoint at " + f.URL + "/connect/token issued no token: " + tc.want
			case strings.HasPrefix(tc.want, "invalid_scope"):
				want = "GET /v1/clients/c1: the token endpoint at " + f.URL + "/connect/token refused the scopes asked for: " + tc.want
			case tc.name == "plain 400":
				want = "GET /v1/clients/c1: " + f.URL + "/connect/token did not answer as a token endpoint: " + tc.want
				if errors.Is(err, ErrUnauthorized) || refusal(err) {
					t.Fatal("a 400 without an OAuth error code taken for a refusal of the credentials")
				}
			}
			if err.Error() != want {
				t.Fatalf("got  %q\nwant %q", err, want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("errors.Is(%v) false", tc.is)
			}
			if tc.is != ErrGrantNotAllowed && errors.Is(err, ErrGrantNotAllowed) { //nolint:errorlint // comparing the table's sentinels
				t.Fatalf("errors.Is(ErrGrantNotAllowed) true for %s", tc.name)
			}
			assertNoSecret(t, err)
			if f.tokenCalls.Load() != tc.retries || f.apiCalls.Load() != 0 {
				t.Fatalf("token requests %d (want %d), API requests %d", f.tokenCalls.Load(), tc.retries, f.apiCalls.Load())
			}
		})
	}
}

// A token endpoint that turns the provider away more often than MaxRetries allows for 5xx still
// hands out a token once its Retry-After has passed, like the API does.
func TestToken_rateLimitedThenIssued(t *testing.T) {
	t.Parallel()
	f := newFake(t, okClient)
	var seen atomic.Int64
	f.tokenHandler = func(w http.ResponseWriter, _ *http.Request) {
		if seen.Add(1) <= 8 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok-rl","token_type":"Bearer","expires_in":3600}`))
	}
	if _, err := f.client(t).GetClient(ctxT(t), "c1"); err != nil {
		t.Fatalf("GetClient after 8 rate-limited token requests: %v", err)
	}
	if got := f.tokenCalls.Load(); got != 9 {
		t.Fatalf("token requests %d, want 9 (8 answered 429, then the token)", got)
	}
}

func TestToken_cancelledCallerDoesNotWait(t *testing.T) {
	t.Parallel()
	f := newFake(t, okClient)
	release := make(chan struct{})
	f.tokenHandler = func(w http.ResponseWriter, _ *http.Request) {
		<-release
		writeJSON(w, 200, map[string]any{"access_token": "t", "token_type": "Bearer", "expires_in": 3600})
	}
	t.Cleanup(func() { close(release) })
	c := f.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetClient(ctx, "c1")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
}

func TestExchangeToken(t *testing.T) {
	t.Parallel()
	f := newFake(t, okClient)
	before := time.Now()
	tok, err := ExchangeToken(ctxT(t), TokenRequest{
		TokenURL: f.URL + "/connect/token", ClientID: "cid", ClientSecret: testSecret, Scopes: []string{"services.iam"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "tok-1" || tok.TokenType != "Bearer" || tok.Scope != "services.iam" {
		t.Fatalf("token %+v", tok)
	}
	if tok.ExpiresAt.Before(before.Add(3599*time.Second)) || tok.ExpiresAt.After(time.Now().Add(3601*time.Second)) {
		t.Fatalf("ExpiresAt %v not about an hour from now", tok.ExpiresAt)
	}

	_, err = ExchangeToken(ctxT(t), TokenRequest{TokenURL: f.URL + "/connect/token", ClientID: "cid", ClientSecret: testSecret + "x"})
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("want invalid_client, got %v", err)
	}
	assertNoSecret(t, err)

	// A refusal is final: one request.
	calls := f.tokenCalls.Load()
	if _, err = ExchangeToken(ctxT(t), TokenRequest{TokenURL: f.URL + "/connect/token", ClientID: "cid", ClientSecret: testSecret + "x"}); err == nil {
		t.Fatal("no error for a wrong secret")
	}
	if n := f.tokenCalls.Load() - calls; n != 1 {
		t.Fatalf("a refused exchange made %d requests, want 1", n)
	}

	// A 5xx is retried within MaxRetries (none below 0), and its answer is the error.
	f.tokenHandler = func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }
	for _, tc := range []struct{ maxRetries, want int64 }{{1, 2}, {-1, 1}} {
		calls = f.tokenCalls.Load()
		_, err = ExchangeToken(ctxT(t), TokenRequest{TokenURL: f.URL + "/connect/token", ClientID: "cid", ClientSecret: testSecret,
			MaxRetries: int(tc.maxRetries)})
		if err == nil || !strings.Contains(err.Error(), "503") {
			t.Fatalf("MaxRetries %d: err = %v, want the 503", tc.maxRetries, err)
		}
		if n := f.tokenCalls.Load() - calls; n != tc.want {
			t.Fatalf("MaxRetries %d: %d requests, want %d", tc.maxRetries, n, tc.want)
		}
		assertNoSecret(t, err)
	}

	// A 429 waits for its Retry-After and tries again, whatever MaxRetries says.
	var limited atomic.Bool
	f.tokenHandler = func(w http.ResponseWriter, r *http.Request) {
		if limited.CompareAndSwap(false, true) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		writeJSON(w, 200, map[string]any{"access_token": "tok-after-429", "token_type": "Bearer", "expires_in": 3600})
	}
	if tok, err = ExchangeToken(ctxT(t), TokenRequest{TokenURL: f.URL + "/connect/token", ClientID: "cid", ClientSecret: testSecret, MaxRetries: -1}); err != nil || tok.AccessToken == "" {
		t.Fatalf("after a 429: %v, %v", tok, err)
	}

	// A URL with no token endpoint behind it is told apart from refused credentials and from an
	// object that is gone.
	for _, status := range []int{http.StatusNotFound, http.StatusMethodNotAllowed} {
		f.tokenHandler = func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"title":"Not Found","status":404}`))
		}
		_, err = ExchangeToken(ctxT(t), TokenRequest{TokenURL: f.URL + "/connect/token", ClientID: "cid", ClientSecret: testSecret})
		if !errors.Is(err, ErrNoTokenEndpoint) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnauthorized) {
			t.Fatalf("%d: err = %v, want ErrNoTokenEndpoint only", status, err)
		}
		// A problem+json answer reads as its title, not as raw JSON; a title that repeats the
		// status is left out.
		want := fmt.Sprintf("%d %s: Not Found", status, http.StatusText(status))
		if status == http.StatusNotFound {
			want = "404 Not Found"
		}
		if !strings.HasSuffix(err.Error(), want) {
			t.Fatalf("%d: err = %q, want it to end in %q", status, err, want)
		}
	}
	// A success that is no token response (a sign-in page, an empty body) says the URL is wrong.
	for body, want := range map[string]string{
		"<html><body>Please sign in</body></html>": "oauth2: cannot parse json",
		"":                        "oauth2: cannot parse json",
		`{"token_type":"Bearer"}`: "server response missing access_token",
		`[]`:                      "cannot unmarshal array",
		`"OK"`:                    "cannot unmarshal string",
	} {
		f.tokenHandler = func(w http.ResponseWriter, _ *http.Request) {
			if strings.HasPrefix(body, "<") {
				w.Header().Set("Content-Type", "text/html")
			} else {
				w.Header().Set("Content-Type", "application/json")
			}
			_, _ = w.Write([]byte(body))
		}
		_, err = ExchangeToken(ctxT(t), TokenRequest{TokenURL: f.URL + "/connect/token", ClientID: "cid", ClientSecret: testSecret, MaxRetries: -1})
		if !errors.Is(err, ErrNoTokenEndpoint) || errors.Is(err, ErrUnauthorized) ||
			!strings.Contains(err.Error(), "/connect/token to a token request was no token response: ") || !strings.Contains(err.Error(), want) {
			t.Fatalf("200 %q: err = %v, want ErrNoTokenEndpoint saying %q", body, err, want)
		}
	}
	// A token response with a field oauth2 cannot read is a token endpoint's, if an odd one: no
	// "no token endpoint here".
	for _, body := range []string{
		`{"access_token":"abc","token_type":"Bearer","expires_in":3599.5}`,
		`{"access_token":"abc","token_type":"Bearer","expires_in":"1h"}`,
	} {
		f.tokenHandler = func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(body))
		}
		_, err = ExchangeToken(ctxT(t), TokenRequest{TokenURL: f.URL + "/connect/token", ClientID: "cid", ClientSecret: testSecret, MaxRetries: -1})
		if err == nil || errors.Is(err, ErrNoTokenEndpoint) {
			t.Fatalf("200 %s: err = %v, want an error that is not ErrNoTokenEndpoint", body, err)
		}
	}
	// A token URL that points at the API: it asks for a bearer token, as a resource server does,
	// which says the URL is wrong, not the credentials.
	f.tokenHandler = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="aritma"`)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"title":"Unauthorized","status":401,"detail":"a bearer access token is required"}`))
	}
	_, err = ExchangeToken(ctxT(t), TokenRequest{TokenURL: f.URL + "/v1/clients", ClientID: "cid", ClientSecret: testSecret})
	if !errors.Is(err, ErrNoTokenEndpoint) || errors.Is(err, ErrUnauthorized) {
		t.Fatalf("a bearer challenge: err = %v, want ErrNoTokenEndpoint and not ErrUnauthorized", err)
	}
	// A token endpoint's own 401 is a refusal, whatever challenge it adds.
	f.tokenHandler = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client"})
	}
	_, err = ExchangeToken(ctxT(t), TokenRequest{TokenURL: f.URL + "/connect/token", ClientID: "cid", ClientSecret: testSecret})
	if errors.Is(err, ErrNoTokenEndpoint) || !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("invalid_client with a bearer challenge: err = %v, want ErrUnauthorized", err)
	}
	// Detail, field errors and trace id of a problem answer stay in the message.
	f.tokenHandler = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"title":"One or more validation errors occurred.","status":400,"errors":{"scope":["scope is required"]},"traceId":"00-abc-01"}`))
	}
	_, err = ExchangeToken(ctxT(t), TokenRequest{TokenURL: f.URL + "/connect/token", ClientID: "cid", ClientSecret: testSecret})
	if err == nil || !strings.HasSuffix(err.Error(), "400 Bad Request: One or more validation errors occurred.: scope: scope is required (trace id 00-abc-01)") {
		t.Fatalf("problem answer: %v", err)
	}
	// An OAuth error with such a status is the endpoint's answer.
	f.tokenHandler = func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "invalid_client"})
	}
	if _, err = ExchangeToken(ctxT(t), TokenRequest{TokenURL: f.URL + "/connect/token", ClientID: "cid", ClientSecret: testSecret}); errors.Is(err, ErrNoTokenEndpoint) {
		t.Fatalf("an OAuth error read as no token endpoint: %v", err)
	}

	_, err = ExchangeToken(ctxT(t), TokenRequest{TokenURL: "http://127.0.0.1:1/connect/token", ClientID: "cid", ClientSecret: testSecret})
	if err == nil || !strings.HasPrefix(err.Error(), "requesting a token from http://127.0.0.1:1/connect/token failed: ") {
		t.Fatalf("unreachable endpoint: %v", err)
	}
	assertNoSecret(t, err)
}

func TestNewClient_validation(t *testing.T) {
	t.Parallel()
	base := Config{Endpoint: "https://api.example", TokenURL: "https://id.example/connect/token", ClientID: "cid", ClientSecret: testSecret}
	for name, mod := range map[string]func(*Config){
		"no endpoint":        func(c *Config) { c.Endpoint = "" },
		"relative endpoint":  func(c *Config) { c.Endpoint = "/v1" },
		"ftp endpoint":       func(c *Config) { c.Endpoint = "ftp://x" },
		"no credentials":     func(c *Config) { c.ClientID, c.ClientSecret = "", "" },
		"no secret":          func(c *Config) { c.ClientSecret = "" },
		"no token URL":       func(c *Config) { c.TokenURL = "" },
		"bad token URL":      func(c *Config) { c.TokenURL = "id.example" },
		"both kinds":         func(c *Config) { c.AccessToken = "t" },
		"negative timeout":   func(c *Config) { c.RequestTimeout = -time.Second },
		"negative wait":      func(c *Config) { c.RetryWaitMin = -time.Second },
		"secret only, token": func(c *Config) { c.ClientID, c.AccessToken = "", "t" },
	} {
		cfg := base
		mod(&cfg)
		_, err := NewClient(cfg)
		if err == nil {
			t.Errorf("%s: no error", name)
		}
		assertNoSecret(t, err)
	}
	if _, err := NewClient(base); err != nil {
		t.Fatal(err)
	}
	if _, err := NewClient(Config{Endpoint: "https://api.example", AccessToken: "t"}); err != nil {
		t.Fatalf("static token without token URL: %v", err)
	}
}

// A token endpoint, proxy or firewall that echoes the request must not put the client secret
// into the error: not cut short by the snippet limit, not form-encoded as it was sent, not with
// its whitespace collapsed.
func TestExchangeToken_errorNeverHoldsSecret(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		secret string
		body   func(secret, form string) string
		ct     string   // Content-Type of the answer; text/plain when empty
		leaks  []string // what the secret may turn into on the way, and must not show either
	}{
		"cut at the snippet limit": {secret: "s3cr3t-VALUE-never-print-me", body: func(s, _ string) string {
			return strings.Repeat("x", 180) + " " + s + " trailing text"
		}},
		"form echoed":          {secret: "p@ss w0rd!+/=abc", body: func(_, form string) string { return "bad request body: " + form }},
		"whitespace collapsed": {secret: "two  spaces\tsecret", body: func(s, _ string) string { return "rejected " + s }},
		"echoed as JSON": {secret: `q"<&>\x`, body: func(s, _ string) string {
			b, _ := json.Marshal(map[string]string{"client_secret": s})
			return string(b)
		}},
		// Stripping tags, decoding references and escapes: each rewrites a raw echo in a page.
		"raw < in an html page": {secret: "Sup3rS3cretPrefix<x>Tail", ct: "text/html", leaks: []string{"Sup3rS3cretPrefix Tail"},
			body: func(s, _ string) string { return "<html><body><p>bad client_secret: " + s + "</p></body></html>" }},
		"reference-like text": {secret: "Pa55&amp;w0rdXYZ", leaks: []string{"Pa55&w0rdXYZ"},
			body: func(s, _ string) string { return "bad client_secret: " + s }},
		"escape-like text": {secret: `Pa55\u0041w0rdXYZ`, leaks: []string{"Pa55Aw0rdXYZ"},
			body: func(s, _ string) string { return "bad client_secret: " + s }},
		// oauth2 form-decodes error_description ("+" turns into " ") before the provider sees it.
		"raw echo in a form answer": {secret: "Pa+ss-w0rd-XYZ", leaks: []string{"Pa ss-w0rd-XYZ"},
			body: func(s, _ string) string { return "error=invalid_client&error_description=wrong client_secret " + s }},
		// An encoder that escapes as HTML references newRedactor does not produce.
		"references in a JSON description": {secret: `Pa"ss+w0rd<XYZ`, ct: "application/json", leaks: []string{"w0rd"},
			body: func(string, string) string {
				return `{"error":"invalid_client","error_description":"wrong secret Pa&quot;ss&#x2B;w0rd&lt;XYZ"}`
			}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				w.Header().Set("Content-Type", cmp.Or(tc.ct, "text/plain"))
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, tc.body(tc.secret, string(b)))
			}))
			defer srv.Close()
			_, err := ExchangeToken(context.Background(), TokenRequest{TokenURL: srv.URL + "/connect/token",
				ClientID: "cid", ClientSecret: tc.secret})
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, "[redacted]") {
				t.Errorf("error text shows no redaction: %s", msg)
			}
			enc := url.QueryEscape(tc.secret)
			for _, leak := range append([]string{tc.secret[:6], enc[:6], strings.Join(strings.Fields(tc.secret), " ")}, tc.leaks...) {
				if strings.Contains(msg, leak) {
					t.Fatalf("error text holds (part of) the secret %q: %s", leak, msg)
				}
			}
		})
	}
}

// Callers that gave up while queued for a token do not each make a fetch of their own later: only
// the fetch in flight runs to its end.
func TestToken_abandonedCallersStartNoFetch(t *testing.T) {
	t.Parallel()
	f := newFake(t, okClient)
	f.tokenHandler = func(_ http.ResponseWriter, r *http.Request) {
		select { // hangs past every timeout of the test client
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	}
	c := f.client(t, func(c *Config) { c.RequestTimeout = 200 * time.Millisecond; c.MaxRetries = 1 })
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			_, _ = c.GetClient(ctx, "c1")
		})
	}
	wg.Wait()
	time.Sleep(2500 * time.Millisecond) // the first fetch's two attempts end well within this
	if n := f.tokenCalls.Load(); n > 2 {
		t.Fatalf("%d token requests after 5 callers gave up, want the 2 attempts of one fetch", n)
	}
}

// A call answered 401 drops its token without waiting for another call's token fetch, so its
// cancellation still stops it at once.
func TestToken_invalidateDoesNotWaitForAFetch(t *testing.T) {
	t.Parallel()
	var tokens atomic.Int64
	arrived := make(chan struct{}, 2)
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-1" {
			okClient(w, r)
			return
		}
		arrived <- struct{}{}
		if len(arrived) < 2 {
			time.Sleep(300 * time.Millisecond) // the second call's 401 comes while the first one refetches
		}
		w.WriteHeader(http.StatusUnauthorized)
	})
	f.tokenHandler = func(w http.ResponseWriter, r *http.Request) {
		n := tokens.Add(1)
		if n > 1 {
			select { // a slow token endpoint
			case <-time.After(3 * time.Second):
			case <-r.Context().Done():
				return
			}
		}
		writeJSON(w, 200, map[string]any{"access_token": fmt.Sprintf("tok-%d", n), "token_type": "Bearer", "expires_in": 3600})
	}
	c := f.client(t, func(c *Config) { c.RequestTimeout = 10 * time.Second })
	if _, err := c.tokens.token(ctxT(t)); err != nil { // tok-1 cached for both calls
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	took := make([]time.Duration, 2)
	for i := range 2 {
		wg.Go(func() {
			start := time.Now()
			_, _ = c.GetClient(ctx, "c1")
			took[i] = time.Since(start)
		})
	}
	wg.Wait()
	for i, d := range took {
		if d > 1500*time.Millisecond {
			t.Errorf("call %d returned after %s, though its context ended at 600ms", i, d.Round(time.Millisecond))
		}
	}
}

// A token endpoint that says "not now" in a 400 (slow_down, as RFC 8628 has it, or
// temporarily_unavailable) is waited out as a 429 is, not taken as a refusal of the credentials,
// which would fail every later call of the process without asking again.
func TestToken_throttlingIn400(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"slow_down", "temporarily_unavailable"} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, okClient)
			var throttled atomic.Int64
			f.tokenHandler = func(w http.ResponseWriter, r *http.Request) {
				if throttled.Add(1) <= 2 {
					w.Header().Set("Content-Type", "application/json")
					w.Header().Set("Retry-After", "0")
					w.WriteHeader(http.StatusBadRequest)
					_, _ = w.Write([]byte(`{"error":"` + code + `"}`))
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":3600}`))
			}
			c := f.client(t)
			if _, err := c.GetClient(ctxT(t), "c1"); err != nil {
				t.Fatalf("the call failed though the token endpoint only asked to wait: %v", err)
			}
			if got := f.tokenCalls.Load(); got != 3 {
				t.Fatalf("%d token requests, want 3 (two told to wait, then the token)", got)
			}
		})
	}
	// When it never stops saying so, the call fails as rate limited, and the next call asks again.
	f := newFake(t, okClient)
	f.tokenHandler = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"slow_down"}`))
	}
	c := f.client(t, func(c *Config) { c.RetryAfterMax = time.Millisecond })
	c.tokens.(*oauthTokens).failureReuse = 0 // this test is about the refusal cache alone
	ctx, cancel := context.WithTimeout(ctxT(t), 2*time.Second)
	defer cancel()
	_, err := c.GetClient(ctx, "c1")
	if !errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUnauthorized) || !IsTokenError(err) {
		t.Fatalf("want a token error, ErrRateLimited and not ErrUnauthorized, got %v", err)
	}
	if !strings.Contains(err.Error(), "issued no token: slow_down") || strings.Contains(err.Error(), "authentication failed") {
		t.Fatalf("a throttled token request reads as a failed authentication: %v", err)
	}
	before := f.tokenCalls.Load()
	_, _ = c.GetClient(ctxT(t), "c1")
	if f.tokenCalls.Load() == before {
		t.Fatal("a throttled token request was cached as a refusal: the next call did not ask again")
	}
}

// The refresh time counts from the request, and an expiry at or before it (a negative
// expires_in) is no reason to fetch a token for every call.
func TestNewCachedToken(t *testing.T) {
	t.Parallel()
	now := time.Now()
	c := newCachedToken(&oauth2.Token{AccessToken: "a", Expiry: now.Add(60 * time.Second)}, now)
	if want := now.Add(30 * time.Second); !c.refreshAt.Equal(want) {
		t.Errorf("60 s token: refresh at %v, want %v (half-way)", c.refreshAt.Sub(now), want.Sub(now))
	}
	c = newCachedToken(&oauth2.Token{AccessToken: "a", Expiry: now.Add(time.Hour)}, now)
	if want := now.Add(time.Hour - tokenExpiryDelta); !c.refreshAt.Equal(want) {
		t.Errorf("1 h token: refresh at %v, want %v", c.refreshAt.Sub(now), want.Sub(now))
	}
	c = newCachedToken(&oauth2.Token{AccessToken: "a", Expiry: now.Add(-time.Minute)}, now)
	if !c.refreshAt.IsZero() || !c.fresh() {
		t.Errorf("token with an expiry in the past: refresh at %v, fresh %v; want kept until refused", c.refreshAt, c.fresh())
	}
}

// A refresh that fails ahead of the token's expiry hands out the token still in hand, rather
// than failing calls the API would accept; once the token has expired, the failure is the answer.
func TestToken_failedRefreshKeepsTheValidToken(t *testing.T) {
	t.Parallel()
	var down atomic.Bool
	f := newFake(t, okClient)
	// Refreshed half-way through a lifetime this short: after 1 s, valid until 2 s.
	f.tokenHandler = tokenEndpointDownOr(&down, 0, "tok", 2)
	c := f.client(t, func(c *Config) { c.MaxRetries = -1 })
	if _, err := c.GetClient(ctxT(t), "c1"); err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	time.Sleep(1100 * time.Millisecond)
	if _, err := c.GetClient(ctxT(t), "c1"); err != nil {
		t.Fatalf("a call with the token still valid failed on its refresh: %v", err)
	}
	if !eventually(func() bool { return f.tokenCalls.Load() == 2 }) {
		t.Fatalf("%d token requests, want 2 (the token, one refresh)", f.tokenCalls.Load())
	}
	time.Sleep(time.Second)
	if _, err := c.GetClient(ctxT(t), "c1"); err == nil || !IsTokenError(err) {
		t.Fatalf("a call after the token expired: %v, want the token endpoint's failure", err)
	}
}

// A refresh in progress holds no call back while the token in hand is valid: against a slow token
// endpoint every call waited for the refresh and its retries.
func TestToken_refreshInProgressHoldsNoCallBack(t *testing.T) {
	t.Parallel()
	var slow atomic.Bool
	f := newFake(t, okClient)
	f.tokenHandler = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if slow.Load() {
			time.Sleep(1500 * time.Millisecond)
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error":"server_error"}`))
			return
		}
		// Refreshed after 2 s, valid for 4 s.
		_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":4}`))
	}
	c := f.client(t, func(c *Config) { c.MaxRetries = -1 })
	if _, err := c.GetClient(ctxT(t), "c1"); err != nil {
		t.Fatal(err)
	}
	slow.Store(true)
	time.Sleep(2100 * time.Millisecond)
	for i := range 3 {
		ctx, cancel := context.WithTimeout(ctxT(t), 500*time.Millisecond)
		_, err := c.GetClient(ctx, "c1")
		cancel()
		if err != nil {
			t.Fatalf("call %d with a token valid for another 1.5 s or more: %v", i+1, err)
		}
	}
	// The refresh runs in the background: wait for it, then make sure it stayed the only one.
	if !eventually(func() bool { return f.tokenCalls.Load() >= 2 }) || f.tokenCalls.Load() != 2 {
		t.Errorf("%d token requests, want 2: the token, and one refresh for all the calls", f.tokenCalls.Load())
	}
}

// The callers queued behind a failed fetch share its failure however long that fetch took, even
// longer than the while a failure is reused for later callers.
func TestToken_failureSharedWithTheQueueOfASlowFetch(t *testing.T) {
	t.Parallel()
	f := newFake(t, okClient)
	f.tokenHandler = func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":"server_error"}`))
	}
	c := f.client(t, func(c *Config) { c.MaxRetries = -1 })
	c.tokens.(*oauthTokens).failureReuse = 0 // only the queue shares it
	for _, err := range concurrentGets(t, c, 5) {
		if err == nil || !IsTokenError(err) {
			t.Fatalf("want the token endpoint's failure, got %v", err)
		}
	}
	if got := f.tokenCalls.Load(); got != 1 {
		t.Fatalf("5 callers made %d token requests, want 1: those queued behind the fetch share its failure", got)
	}
}

// A token the API refused is never handed out again, not even while the token endpoint fails to
// issue the next one: the caller gets that failure, and the API is not sent the refused token.
func TestToken_refusedTokenNotHandedOutOnFailure(t *testing.T) {
	t.Parallel()
	var down atomic.Bool
	f := newFake(t, okClient)
	f.tokenHandler = tokenEndpointDownOr(&down, 0, "tok-1", 3600)
	c := f.client(t, func(c *Config) { c.MaxRetries = -1 })
	if _, err := c.GetClient(ctxT(t), "c1"); err != nil {
		t.Fatal(err)
	}
	f.reject("tok-1")
	down.Store(true)
	before := f.apiCalls.Load()
	if _, err := c.GetClient(ctxT(t), "c1"); err == nil || !IsTokenError(err) {
		t.Fatalf("want the token endpoint's failure, got %v", err)
	}
	if got := f.apiCalls.Load() - before; got != 1 {
		t.Fatalf("%d API calls, want 1 (the refused one; the refused token is not sent again)", got)
	}
}

// A secret pasted into the token URL's path by mistake is not shown by the error of a token
// request that fails there, from the provider's own credentials or from ExchangeToken.
func TestAuthError_tokenURLWithTheSecret(t *testing.T) {
	t.Parallel()
	f := newFake(t, nil)
	tokenURL := f.URL + "/connect/" + testSecret
	c := f.client(t, func(c *Config) { c.TokenURL = tokenURL; c.MaxRetries = -1 })
	_, err := c.GetClient(ctxT(t), "x")
	_, err2 := ExchangeToken(ctxT(t), TokenRequest{TokenURL: tokenURL, ClientID: "cid", ClientSecret: testSecret, MaxRetries: -1})
	for _, e := range []error{err, err2} {
		if e == nil || strings.Contains(e.Error(), testSecret) || !strings.Contains(e.Error(), "/connect/") {
			t.Errorf("err = %v; want a failure at the token URL that does not show the secret", e)
		}
	}
}

// A token's lifetime counts from when its request was sent: the token endpoint starts the clock
// when it issues the token, not when its answer arrives. A 2 s token whose answer takes 600 ms
// expires 2 s after the request, for the Client's cache and for ExchangeToken alike.
func TestToken_lifetimeCountsFromRequest(t *testing.T) {
	t.Parallel()
	const delay = 600 * time.Millisecond
	f := newFake(t, okClient)
	f.tokenHandler = func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(delay) // the token was issued as the request arrived; the answer is slow
		writeJSON(w, 200, map[string]any{"access_token": "tok-slow", "token_type": "Bearer", "expires_in": 2})
	}
	within := func(t *testing.T, expiry, sent time.Time) {
		t.Helper()
		// From the send, give or take the test's own scheduling; from the answer it would be
		// 600 ms later.
		if want := sent.Add(2 * time.Second); expiry.Before(want.Add(-200*time.Millisecond)) || expiry.After(want.Add(delay/2)) {
			t.Errorf("expiry %v after the request, want 2s", expiry.Sub(sent))
		}
	}

	sent := time.Now()
	tok, err := ExchangeToken(ctxT(t), TokenRequest{TokenURL: f.URL + "/connect/token", ClientID: "cid", ClientSecret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	within(t, tok.ExpiresAt, sent)

	c := f.client(t)
	sent = time.Now()
	if _, err := c.GetClient(ctxT(t), "c1"); err != nil {
		t.Fatal(err)
	}
	within(t, c.tokens.(*oauthTokens).cached.Load().tok.Expiry, sent)
}

// A token endpoint slower, for a moment, than its tokens live hands out tokens dead on arrival.
// Those are neither kept as tokens that never expire nor used again: once the endpoint answers in
// time, the next call gets a live token and succeeds.
func TestToken_deadOnArrivalNotKept(t *testing.T) {
	t.Parallel()
	var issued sync.Map // token → when the endpoint issued it
	var n atomic.Int32
	var slow atomic.Bool
	slow.Store(true)
	f := newFake(t, nil)
	f.api = func(w http.ResponseWriter, r *http.Request) {
		at, ok := issued.Load(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		if !ok || time.Since(at.(time.Time)) > time.Second {
			w.Header().Set("WWW-Authenticate", "Bearer")
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		okClient(w, r)
	}
	f.tokenHandler = func(w http.ResponseWriter, _ *http.Request) {
		tok := fmt.Sprintf("tok-%d", n.Add(1))
		issued.Store(tok, time.Now())
		if slow.Load() {
			time.Sleep(1200 * time.Millisecond)
		}
		writeJSON(w, 200, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 1})
	}
	c := f.client(t, func(cfg *Config) { cfg.RequestTimeout = 5 * time.Second })
	if _, err := c.GetClient(ctxT(t), "c1"); err == nil {
		t.Fatal("a call with tokens dead on arrival succeeded")
	}
	if ct := c.tokens.(*oauthTokens).cached.Load(); ct.fresh() || ct.usable() {
		t.Errorf("a token dead on arrival is cached as fresh %t, usable %t", ct.fresh(), ct.usable())
	}
	slow.Store(false)
	before := n.Load()
	for i := range 3 {
		if _, err := c.GetClient(ctxT(t), "c1"); err != nil {
			t.Fatalf("call %d after the token endpoint became fast: %v", i, err)
		}
	}
	if got := n.Load() - before; got != 1 {
		t.Errorf("%d token requests for three calls once tokens arrive alive, want 1", got)
	}
}

// A 401 invalid_scope accepted the credentials and refused a scope: it is ErrInvalidScope and
// ErrForbidden, and not ErrUnauthorized, which callers take for refused credentials.
func TestAuthError_invalidScope401IsNoRefusedSecret(t *testing.T) {
	t.Parallel()
	scope := &authError{status: http.StatusUnauthorized, code: "invalid_scope"}
	if !errors.Is(scope, ErrInvalidScope) || !errors.Is(scope, ErrForbidden) || errors.Is(scope, ErrUnauthorized) {
		t.Errorf("401 invalid_scope: invalid scope %v, forbidden %v, unauthorized %v; want true, true, false",
			errors.Is(scope, ErrInvalidScope), errors.Is(scope, ErrForbidden), errors.Is(scope, ErrUnauthorized))
	}
	for _, e := range []*authError{{status: http.StatusUnauthorized, code: "invalid_client"}, {status: http.StatusUnauthorized}} {
		if !errors.Is(e, ErrUnauthorized) {
			t.Errorf("401 %q is not ErrUnauthorized", e.code)
		}
	}
}
