package mockserver

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestToken(t *testing.T) {
	e := newEnv(t)
	id, secret := e.newClientWithSecret("svc")
	// A client that may not use client_credentials.
	noCC := clientBodyOK("web")
	noCC["allowedGrantTypes"] = []string{"authorization_code"}
	noCC["redirectUris"] = []string{"https://app.example.com/cb"}
	webID := e.want(e.call("POST", "/v1/clients", noCC), 201).str("clientId")
	e.want(e.call("POST", "/v1/clients/"+webID+"/secrets", map[string]any{"value": "web-secret-1", "description": ""}), 201)
	// A client whose only secret has expired.
	expID := e.newClient("expiring")
	e.want(e.call("POST", "/v1/clients/"+expID+"/secrets", map[string]any{
		"value": "exp-secret-1", "description": "", "expiration": e.clock.Now().Add(time.Hour).Format(time.RFC3339),
	}), 201)

	cc := func(kv ...string) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name      string
		path      string
		form      url.Values
		basic     *[2]string
		status    int
		errCode   string
		scope     string
		at        time.Duration // the fake clock's offset from the test's start, for this row alone
		goldenKey string
	}{
		{name: "form", form: cc("client_id", id, "client_secret", secret), status: 200, scope: "services.iam", goldenKey: "token_ok"},
		{name: "basic", form: cc(), basic: &[2]string{id, secret}, status: 200, scope: "services.iam"},
		{name: "tenant path", path: "/" + DefaultTenantID + "/connect/token", form: cc("client_id", id, "client_secret", secret), status: 200},
		{name: "wrong tenant", path: "/other-tenant/connect/token", form: cc("client_id", id, "client_secret", secret), status: 401, errCode: "invalid_client"},
		{name: "both basic and form", form: cc("client_id", id, "client_secret", secret), basic: &[2]string{id, secret}, status: 400, errCode: "invalid_request", goldenKey: "token_invalid_request"},
		{name: "wrong secret", form: cc("client_id", id, "client_secret", "nope-nope"), status: 401, errCode: "invalid_client", goldenKey: "token_invalid_client"},
		{name: "wrong secret basic", form: cc(), basic: &[2]string{id, "nope-nope"}, status: 401, errCode: "invalid_client"},
		{name: "unknown client", form: cc("client_id", "ghost", "client_secret", "whatever1"), status: 401, errCode: "invalid_client"},
		{name: "no credentials", form: cc(), status: 401, errCode: "invalid_client"},
		{name: "empty secret", form: cc("client_id", id), status: 401, errCode: "invalid_client"},
		{name: "missing grant type", form: url.Values{"client_id": {id}, "client_secret": {secret}}, status: 400, errCode: "invalid_request"},
		{name: "unsupported grant", form: url.Values{"grant_type": {"password"}, "client_id": {id}, "client_secret": {secret}}, status: 400, errCode: "unsupported_grant_type", goldenKey: "token_unsupported_grant_type"},
		{name: "repeated parameter", form: url.Values{"grant_type": {"client_credentials", "client_credentials"}}, status: 400, errCode: "invalid_request"},
		{name: "scope subset", form: cc("client_id", testAdminID, "client_secret", testAdminSecret, "scope", "api"), status: 200, scope: "api"},
		{name: "scopes separated by a tab", form: cc("client_id", testAdminID, "client_secret", testAdminSecret, "scope", "api\tservices.iam"), status: 400, errCode: "invalid_scope"},
		{name: "scopes separated by a no-break space", form: cc("client_id", testAdminID, "client_secret", testAdminSecret, "scope", "api\u00a0services.iam"), status: 400, errCode: "invalid_scope"},
		{name: "scopes ending in a newline", form: cc("client_id", testAdminID, "client_secret", testAdminSecret, "scope", "api\n"), status: 400, errCode: "invalid_scope"},
		{name: "scope outside", form: cc("client_id", id, "client_secret", secret, "scope", "services.iam api"), status: 400, errCode: "invalid_scope", goldenKey: "token_invalid_scope"},
		{name: "secret a moment before its expiration", form: cc("client_id", expID, "client_secret", "exp-secret-1"), at: time.Hour - time.Nanosecond, status: 200},
		{name: "no client_credentials", form: cc("client_id", webID, "client_secret", "web-secret-1"), status: 400, errCode: "unauthorized_client", goldenKey: "token_unauthorized_client"},
		// An expiration is the first instant the secret no longer works (the fake clock starts on a
		// whole second, so the secret's second-precision expiration is exactly an hour on).
		{name: "secret at its expiration instant", form: cc("client_id", expID, "client_secret", "exp-secret-1"), at: time.Hour, status: 401, errCode: "invalid_client"},
		{name: "expired secret", form: cc("client_id", expID, "client_secret", "exp-secret-1"), at: 2 * time.Hour, status: 401, errCode: "invalid_client"},
	}
	start := e.clock.Now()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.Advance(start.Add(tt.at).Sub(e.clock.Now()))
			path := tt.path
			if path == "" {
				path = "/connect/token"
			}
			res := e.tokenReq(path, tt.form, tt.basic)
			e.want(res, tt.status)
			if res.header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q", res.header.Get("Cache-Control"))
			}
			if tt.errCode != "" && res.str("error") != tt.errCode {
				t.Errorf("error = %q, want %q (%s)", res.str("error"), tt.errCode, res.raw)
			}
			if tt.status == 200 {
				if tok := res.str("access_token"); len(tok) < 43 || res.str("token_type") != "Bearer" || res.num("expires_in") != 3600 {
					t.Errorf("bad token response %s", res.raw)
				}
				if tt.scope != "" && res.str("scope") != tt.scope {
					t.Errorf("scope = %q, want %q", res.str("scope"), tt.scope)
				}
			}
			if tt.basic != nil && tt.status == 401 && !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("401 to Basic auth lacks a Basic challenge")
			}
			if tt.goldenKey != "" {
				e.golden(tt.goldenKey, res)
			}
		})
	}
}

func TestTokenMethodNotAllowed(t *testing.T) {
	e := newEnv(t)
	res := e.callAs("", http.MethodGet, "/connect/token", nil)
	e.wantProblem(res, 405, "", "")
	if res.header.Get("Allow") != "POST" {
		t.Errorf("Allow = %q", res.header.Get("Allow"))
	}
	e.wantProblem(e.callAs("", http.MethodGet, "/nothing/here/at/all", nil), 404, "", "")
}

func TestTokenThrottle(t *testing.T) {
	e := newEnv(t)
	id, secret := e.newClientWithSecret("victim")
	bad := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {"wrong-wrong"}}
	for i := range defaultFailLimit {
		if res := e.tokenReq("/connect/token", bad, nil); res.status != 401 {
			t.Fatalf("attempt %d: %d", i, res.status)
		}
	}
	good := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	res := e.want(e.tokenReq("/connect/token", good, nil), 429)
	if res.str("error") != "slow_down" || res.header.Get("Retry-After") == "" {
		t.Errorf("throttled answer: %v %s", res.header, res.raw)
	}
	e.golden("token_slow_down", res)
	// Other clients are not affected.
	e.mustToken(testAdminID, testAdminSecret)
	// The window passes.
	e.clock.Advance(failWindow)
	e.want(e.tokenReq("/connect/token", good, nil), 200)
}

// The limit is the caller's: a smaller one throttles sooner, a negative one never throttles.
func TestTokenThrottle_limit(t *testing.T) {
	for _, tc := range []struct {
		limit, tries int
		want         int
	}{{limit: 3, tries: 3, want: 429}, {limit: 3, tries: 2, want: 200}, {limit: -1, tries: 50, want: 200}} {
		t.Run(fmt.Sprintf("limit %d after %d", tc.limit, tc.tries), func(t *testing.T) {
			e := newEnv(t, func(o *Options) { o.TokenFailureLimit = tc.limit })
			id, secret := e.newClientWithSecret("victim")
			bad := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {"wrong-wrong"}}
			for range tc.tries {
				e.want(e.tokenReq("/connect/token", bad, nil), 401)
			}
			good := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
			e.want(e.tokenReq("/connect/token", good, nil), tc.want)
		})
	}
}

func TestTokenSecretDeletedKeepsToken(t *testing.T) {
	e := newEnv(t)
	id := e.newClient("rot")
	e.grant("client-"+id, "/", "iam.client.read")
	sec := e.want(e.call("POST", "/v1/clients/"+id+"/secrets", map[string]any{"value": "rotate-me-1", "description": ""}), 201).str("clientSecretId")
	tok := e.mustToken(id, "rotate-me-1")
	e.want(e.call("DELETE", "/v1/clients/"+id+"/secrets/"+sec, nil), 204)
	// The issued token lives on; the secret no longer works.
	e.want(e.callAs(tok, "GET", "/v1/clients", nil), 200)
	e.want(e.tokenReq("/connect/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {"rotate-me-1"}}, nil), 401)
}

// Spraying made-up client ids must not make the mock forget the failures of a throttled one.
func TestTokenThrottle_survivesSprayedIDs(t *testing.T) {
	e := newEnv(t)
	id, secret := e.newClientWithSecret("victim")
	bad := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {"wrong-wrong"}}
	for range defaultFailLimit {
		e.want(e.tokenReq("/connect/token", bad, nil), 401)
	}
	now := e.clock.Now()
	for i := range maxFailureIDs + 1 {
		e.ts.recordFailure(fmt.Sprintf("made-up-%d", i), false, now)
	}
	good := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	e.want(e.tokenReq("/connect/token", good, nil), 429)
	e.ts.tokMu.Lock()
	n := len(e.ts.failures)
	e.ts.tokMu.Unlock()
	if n > maxFailureIDs {
		t.Errorf("the throttle remembers %d client ids, want at most %d", n, maxFailureIDs)
	}
}

// Nor may spraying reset the count of a real client short of the limit: its failures stay until
// they age out, so it gets no more guesses than the limit in a window.
func TestTokenThrottle_sprayKeepsNearLimitCount(t *testing.T) {
	e := newEnv(t)
	id, _ := e.newClientWithSecret("near-limit")
	bad := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {"wrong-wrong"}}
	for range defaultFailLimit - 1 {
		e.want(e.tokenReq("/connect/token", bad, nil), 401)
	}
	now := e.clock.Now()
	for i := range maxFailureIDs + 1 {
		e.ts.recordFailure(fmt.Sprintf("made-up-%d", i), false, now)
	}
	e.want(e.tokenReq("/connect/token", bad, nil), 401) // the limit-th failure
	e.want(e.tokenReq("/connect/token", bad, nil), 429)
}

// A made-up client id longer than any the API makes is not remembered; a client that has a long
// id (an admin given one) still gets its tokens, and its failures are counted.
func TestTokenThrottle_longClientIDs(t *testing.T) {
	long := strings.Repeat("a", maxClientIDLength+44)
	e := newEnv(t, func(o *Options) { o.AdminClientID = long })
	madeUp := strings.Repeat("x", maxClientIDLength+1)
	e.want(e.tokenReq("/connect/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {madeUp}, "client_secret": {"wrong-wrong"}}, nil), 401)
	e.want(e.tokenReq("/connect/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {long}, "client_secret": {"wrong-wrong"}}, nil), 401)
	e.want(e.tokenReq("/connect/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {long}, "client_secret": {testAdminSecret}}, nil), 200)
	e.ts.tokMu.Lock()
	_, keptMadeUp := e.ts.failures[madeUp]
	_, keptReal := e.ts.failures[long]
	e.ts.tokMu.Unlock()
	if keptMadeUp || !keptReal {
		t.Errorf("remembered the made-up long id: %v, the admin's: %v; want false, true", keptMadeUp, keptReal)
	}
}

// TestSecretHashes: equal values hash apart (a salt per secret), and a secret stored before
// salting (no salt, bare SHA-256, in a data file of an earlier version) still authenticates.
func TestSecretHashes(t *testing.T) {
	t.Parallel()
	s1, h1 := hashSecret("same-value")
	s2, h2 := hashSecret("same-value")
	if s1 == s2 || h1 == h2 {
		t.Fatalf("equal values share a salt or a hash: %s/%s, %s/%s", s1, h1, s2, h2)
	}
	if !secretMatches("same-value", &secretRec{Salt: s1, Hash: h1}) || secretMatches("other-value", &secretRec{Salt: s1, Hash: h1}) {
		t.Fatal("a salted hash does not tell its value from another")
	}
	sum := sha256.Sum256([]byte("legacy-value"))
	legacy := &secretRec{Hash: hex.EncodeToString(sum[:])}
	if !secretMatches("legacy-value", legacy) || secretMatches("other-value", legacy) {
		t.Fatal("an unsalted hash of an earlier data file does not tell its value from another")
	}
}

// A client that tried the Authorization header and failed gets 401 with WWW-Authenticate (RFC 6749
// §5.2), even when the form holds good credentials.
func TestTokenMalformedAuthorization(t *testing.T) {
	e := newEnv(t)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {testAdminID}, "client_secret": {testAdminSecret}}
	for _, header := range []string{"Basic !!!garbage", "Bearer abc"} {
		req, err := http.NewRequest(http.MethodPost, e.ts.URL+"/connect/token", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", header)
		res := e.want(e.send(req), 401)
		if res.str("error") != "invalid_client" || res.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %v %s", header, res.header, res.raw)
		}
	}
}

// A rate limit at the token endpoint answers a token error (RFC 6749 §5.2), not problem+json.
func TestTokenFaultAnswers(t *testing.T) {
	e := newEnv(t)
	good := url.Values{"grant_type": {"client_credentials"}, "client_id": {testAdminID}, "client_secret": {testAdminSecret}}
	e.ts.SetFaults(Faults{RateLimitRPS: 0.01, RateLimitBurst: 1})
	e.want(e.tokenReq("/connect/token", good, nil), 200)
	res := e.want(e.tokenReq("/connect/token", good, nil), 429)
	if res.str("error") != "slow_down" || res.header.Get("Retry-After") == "" || !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
		t.Errorf("rate limited: %v %s", res.header, res.raw)
	}
}

// TestTokenRequestBody: a body that is no form, or too big, is answered with what is wrong with
// it, not with the first parameter a form would have held.
func TestTokenRequestBody(t *testing.T) {
	e := newEnv(t)
	post := func(contentType string, body string) *result {
		req, err := http.NewRequest(http.MethodPost, e.ts.URL+"/connect/token", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", contentType)
		return e.send(req)
	}
	res := e.want(post("application/json", `{"grant_type":"client_credentials"}`), http.StatusBadRequest)
	if got, want := res.str("error_description"), "the request body must be application/x-www-form-urlencoded (RFC 6749 §4.4.2), not application/json"; got != want {
		t.Errorf("JSON body: %q, want %q", got, want)
	}
	big := "grant_type=client_credentials&pad=" + strings.Repeat("x", 2<<20)
	res = e.want(post("application/x-www-form-urlencoded", big), http.StatusBadRequest)
	if got, want := res.str("error_description"), "the request body must be at most 1048576 bytes"; got != want {
		t.Errorf("oversized body: %q, want %q", got, want)
	}
	// The form's own type with parameters is still a form.
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {testAdminID}, "client_secret": {testAdminSecret}}
	e.want(post("application/x-www-form-urlencoded; charset=utf-8", form.Encode()), http.StatusOK)
}

// TestTokenLifetime: Options.TokenLifetime is what expires_in says and when the token stops
// working; unset, tokens live an hour.
func TestTokenLifetime(t *testing.T) {
	for _, tc := range []struct {
		lifetime time.Duration
		want     int
	}{{0, 3600}, {5 * time.Second, 5}} {
		e := newEnv(t, func(o *Options) { o.TokenLifetime = tc.lifetime })
		res := e.want(e.tokenReq("/connect/token", url.Values{"grant_type": {"client_credentials"},
			"client_id": {testAdminID}, "client_secret": {testAdminSecret}}, nil), http.StatusOK)
		if got := res.num("expires_in"); got != tc.want {
			t.Errorf("lifetime %s: expires_in %d, want %d", tc.lifetime, got, tc.want)
		}
		tok := res.str("access_token")
		e.clock.Advance(time.Duration(tc.want-1) * time.Second)
		e.want(e.callAs(tok, http.MethodGet, "/v1/actions", nil), http.StatusOK)
		e.clock.Advance(time.Second)
		e.want(e.callAs(tok, http.MethodGet, "/v1/actions", nil), http.StatusUnauthorized)
	}
}

// A web page's form POST (it carries an Origin, and a browser sends it without asking first) is
// refused before it can count as a failed attempt: no page can lock a client out.
func TestToken_refusesWebPages(t *testing.T) {
	e := newEnv(t)
	id, secret := e.newClientWithSecret("victim")
	bad := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {"wrong-wrong"}}
	for range defaultFailLimit + 1 {
		req, err := http.NewRequest(http.MethodPost, e.ts.URL+"/connect/token", strings.NewReader(bad.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		res := e.want(e.send(req), 400)
		if res.str("error") != "invalid_request" || !strings.Contains(res.str("error_description"), "Origin header") {
			t.Fatalf("a web page's token request: %s", res.raw)
		}
	}
	e.mustToken(id, secret)
}
